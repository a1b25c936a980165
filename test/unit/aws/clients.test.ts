import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { CLIENT_HOOK, createClients, MAX_ATTEMPTS } from '../../../shared/aws/clients';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  delete (globalThis as { [CLIENT_HOOK]?: unknown })[CLIENT_HOOK];
});

/** The retry strategy's mode, as the client's retry middleware will use it. */
async function retryModeOf(client: { config: { retryStrategy: () => Promise<unknown> } }): Promise<string> {
  return ((await client.config.retryStrategy()) as { mode: string }).mode;
}

/**
 * Where a request would go: AWS_ENDPOINT_URL is resolved per request by the SDK's endpoint middleware, so send one and
 * stop it before it leaves, recording the URL it was given.
 */
async function endpointOf(
  client: { send(command: unknown): Promise<unknown>; middlewareStack: unknown },
  command: unknown,
) {
  let seen = '';
  (client.middlewareStack as { add(mw: unknown, options: unknown): void }).add(
    () => async (args: { request: { protocol: string; hostname: string; port?: number } }) => {
      seen = `${args.request.protocol}//${args.request.hostname}${args.request.port ? `:${args.request.port}` : ''}`;
      throw new Error('stopped before sending');
    },
    { step: 'finalizeRequest', priority: 'low', name: 'recordEndpoint' },
  );
  await expect(client.send(command)).rejects.toThrow('stopped before sending');
  return seen;
}

describe('the client factory', () => {
  it('makes every client in the region asked for, with the standard retry strategy and 5 attempts', async () => {
    delete process.env.AWS_MAX_ATTEMPTS;
    delete process.env.AWS_RETRY_MODE;

    const clients = createClients({ region: 'eu-west-1' });

    for (const client of Object.values(clients)) {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(await client.config.maxAttempts()).toBe(MAX_ATTEMPTS);
      expect(await retryModeOf(client)).toBe('standard');
    }
    expect(MAX_ATTEMPTS).toBe(5);
  });

  it('honours AWS_MAX_ATTEMPTS and AWS_RETRY_MODE=adaptive', async () => {
    process.env.AWS_MAX_ATTEMPTS = '9';
    process.env.AWS_RETRY_MODE = 'adaptive';

    const { route53 } = createClients({ region: 'eu-west-1' });

    expect(await route53.config.maxAttempts()).toBe(9);
    expect(await retryModeOf(route53)).toBe('adaptive');
  });

  it('sends every client to AWS_ENDPOINT_URL when it is set (an emulator, for example)', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://localhost:4566';
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';

    const clients = createClients({ region: 'eu-west-1', maxAttempts: 1 });

    const seen = [
      await endpointOf(clients.ec2, new DescribeInstancesCommand({})),
      await endpointOf(clients.autoScaling, new DescribeAutoScalingInstancesCommand({})),
      await endpointOf(clients.elbv2, new DescribeTargetGroupsCommand({})),
      await endpointOf(clients.route53, new ListHostedZonesCommand({})),
      await endpointOf(
        clients.sns,
        new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'm' }),
      ),
    ];

    expect(new Set(seen)).toEqual(new Set(['http://localhost:4566']));
    // SQS sends to the host of the QueueUrl it is given (the SDK's queue-URL endpoint customisation), so with an
    // emulator, pass the emulator's queue URL as --queue-url.
    const sqs = await endpointOf(
      clients.sqs,
      new SendMessageCommand({ QueueUrl: 'http://localhost:4566/000000000000/q', MessageBody: 'b' }),
    );
    expect(sqs).toBe('http://localhost:4566');
  });

  it('hands every client it makes to the simulation hook when one is installed, and to nothing otherwise', () => {
    const seen: unknown[] = [];
    (globalThis as { [CLIENT_HOOK]?: (c: unknown) => void })[CLIENT_HOOK] = (client) => seen.push(client);

    const clients = createClients({ region: 'eu-west-1' });
    delete (globalThis as { [CLIENT_HOOK]?: unknown })[CLIENT_HOOK];
    createClients({ region: 'eu-west-1' });

    // The very client objects handed back (toEqual would accept look-alike clients), and none made after removal.
    const made = Object.values(clients);
    expect(seen).toHaveLength(made.length);
    for (const [i, client] of made.entries()) expect(seen[i]).toBe(client);
  });
});
