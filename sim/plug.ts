/**
 * Plug a real AWS SDK v3 client into the simulated account.
 *
 * `attachSim(client, account)` changes nothing in how handler code builds or calls the client. It:
 * 1. gives the client static, obviously fake credentials, so the default provider chain (environment,
 *    files, IMDS on the network) is never consulted;
 * 2. adds one middleware to the `deserialize` step, at high priority, so it sits innermost: under the
 *    retry middleware (finalizeRequest step), after serialisation and signing. It never calls `next`:
 *    it answers from the account with `{ response: <HttpResponse 200>, output: {...result, $metadata} }`,
 *    or throws the account's SDK-shaped exception with `$metadata.requestId` and a `$response` set.
 * Because it sits under the retry middleware, the SDK's standard (or adaptive) retry strategy retries
 * throttling and 5xx answers exactly as with the real service, with back-offs on the virtual clock, and
 * fills `$metadata.attempts` / `totalRetryDelay`.
 *
 * The input is read from `args.input` in the deserialize step: it is the input after every
 * initialize-step middleware has run (Route 53's id normaliser strips `/hostedzone/` there, for example).
 */
import type { DeserializeHandlerOutput, DeserializeMiddleware, MiddlewareStack } from '@smithy/types';
import { serviceKeyForServiceId } from '../shared/aws/services';
import type { ServiceName } from './context';
import { isServiceException } from './errors';

/** The part of the account the plug needs. */
export interface SimEndpoint {
  invoke(service: ServiceName, operation: string, input: unknown): Promise<{ output: object; requestId: string }>;
  newRequestId(): string;
}

export interface SimPluggableClient<I extends object, O extends object> {
  middlewareStack: MiddlewareStack<I, O>;
  config: object;
}

export const SIM_MIDDLEWARE_NAME = 'fleetpilotSimulatedAccount';

/** A minimal HttpResponse-compatible object (the SDK only inspects it when it is an HttpResponse). */
const httpResponse = (statusCode: number, requestId: string) => ({
  statusCode,
  reason: statusCode === 200 ? 'OK' : undefined,
  headers: { 'x-amzn-requestid': requestId, 'content-type': 'text/xml' },
  body: undefined,
});

export const attachSim = <I extends object, O extends object>(
  client: SimPluggableClient<I, O>,
  account: SimEndpoint,
): void => {
  const serviceId = (client.config as { serviceId?: unknown }).serviceId;
  const service = typeof serviceId === 'string' ? serviceKeyForServiceId(serviceId) : undefined;
  if (!service) {
    throw new Error(`attachSim: the simulated account has no service for client serviceId ${String(serviceId)}`);
  }
  if (client.middlewareStack.identify().some((entry) => entry.startsWith(SIM_MIDDLEWARE_NAME))) {
    throw new Error('attachSim: this client is already attached to a simulated account');
  }

  // Static fake credentials: the httpAuthScheme middleware reads `config.credentials` on every call.
  Object.assign(client.config, {
    credentials: async () => ({
      accessKeyId: 'ASIASIMULATEDACCOUNT',
      secretAccessKey: 'simulated',
      sessionToken: 'simulated',
    }),
  });

  const responder: DeserializeMiddleware<I, O> = (_next, context) => async (args) => {
    const operation = String(context.commandName ?? '').replace(/Command$/, '');
    try {
      const { output, requestId } = await account.invoke(service, operation, args.input);
      const result: DeserializeHandlerOutput<O> = {
        response: httpResponse(200, requestId),
        output: {
          ...output,
          $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
        } as unknown as O,
      };
      return result;
    } catch (error) {
      if (isServiceException(error)) {
        const requestId = error.$metadata.requestId ?? account.newRequestId();
        error.$metadata = { ...error.$metadata, requestId };
        Object.defineProperty(error, '$response', {
          value: httpResponse(error.$metadata.httpStatusCode ?? 400, requestId),
          enumerable: false,
          configurable: true,
          writable: true,
        });
      }
      throw error;
    }
  };

  client.middlewareStack.add(responder, {
    step: 'deserialize',
    priority: 'high',
    name: SIM_MIDDLEWARE_NAME,
    tags: ['SIMULATED_ACCOUNT'],
    override: false,
  });
};
