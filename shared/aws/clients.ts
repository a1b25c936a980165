/**
 * The one place SDK clients are made. Region and endpoint come from the SDK's own settings (AWS_REGION,
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, shared config files); retries use the SDK's standard strategy
 * (or adaptive, when AWS_RETRY_MODE=adaptive) with MAX_ATTEMPTS attempts per call unless AWS_MAX_ATTEMPTS says otherwise.
 *
 * The caller passes the client classes it needs, keyed as in shared/aws/services.ts:
 * `createClients({ ec2: EC2Client, sqs: SQSClient }, options)` returns `{ ec2, sqs }`. This module imports no client
 * class itself (the imports below are types only, erased at build time), so a deployed function's bundle holds only
 * the clients its own entry file names.
 */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { AWS_SERVICES, type AwsServiceKey } from './services';

/** Attempts per SDK call (first try included), for the standard and adaptive retry strategies. */
export const MAX_ATTEMPTS = 5;

/** Every client fleetpilot knows, by its key in AWS_SERVICES. */
export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  sns: SNSClient;
  sqs: SQSClient;
  acm: ACMClient;
  cloudWatch: CloudWatchClient;
  ssm: SSMClient;
}

/** The settings this factory gives every client. */
export interface CommonClientConfig {
  region?: string;
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
}

/** The client classes a caller asks for, by their key in AWS_SERVICES (e.g. `{ ec2: EC2Client }`). */
export type ClientClasses = { [K in AwsServiceKey]?: new (config: CommonClientConfig) => AwsClients[K] };

/** The clients made from `C`: exactly its keys. */
export type ClientsFor<C extends ClientClasses> = Pick<AwsClients, keyof C & AwsServiceKey>;

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

/** A client class was passed under a key whose service it does not serve (or under a key AWS_SERVICES lacks). */
export class ClientTableError extends Error {
  override readonly name = 'ClientTableError';
}

/**
 * A seam for the simulated account when it must reach clients it cannot construct itself (a bundled handler loaded
 * by `npm run bench`): a function stored under this symbol on globalThis is called with every client made here.
 * Nothing sets it in Lambda.
 */
export const CLIENT_HOOK = Symbol.for('fleetpilot.clientHook');
type ClientHook = (client: AwsClients[AwsServiceKey]) => void;

export function createClients<C extends ClientClasses>(classes: C, options: ClientOptions = {}): ClientsFor<C> {
  const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
  const common: CommonClientConfig = {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isInteger(envAttempts) && envAttempts > 0 ? envAttempts : MAX_ATTEMPTS),
    retryMode: process.env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard',
  };
  const clients: Partial<Record<AwsServiceKey, AwsClients[AwsServiceKey]>> = {};
  for (const [key, Client] of Object.entries(classes) as [string, ClientClasses[AwsServiceKey]][]) {
    if (!Client) continue;
    const row = (AWS_SERVICES as Record<string, (typeof AWS_SERVICES)[AwsServiceKey] | undefined>)[key];
    if (!row) {
      throw new ClientTableError(
        `no AWS service "${key}" in shared/aws/services.ts (known: ${Object.keys(AWS_SERVICES).join(', ')})`,
      );
    }
    const client = new Client(common);
    const serviceId = (client.config as { serviceId?: unknown }).serviceId;
    if (serviceId !== row.serviceId) {
      throw new ClientTableError(
        `createClients: "${key}" must be ${row.clientName} (serviceId "${row.serviceId}"), got a client of "${String(serviceId)}"`,
      );
    }
    clients[key as AwsServiceKey] = client;
  }
  const hook = (globalThis as { [CLIENT_HOOK]?: ClientHook })[CLIENT_HOOK];
  if (hook) for (const client of Object.values(clients)) hook(client);
  return clients as ClientsFor<C>;
}
