import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListHostedZonesCommand } from '@aws-sdk/client-route-53';
import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createAllClients } from '../../../shared/aws/all-clients';
import { CLIENT_HOOK, ClientTableError, createClients, MAX_ATTEMPTS } from '../../../shared/aws/clients';
import { AWS_SERVICE_KEYS, AWS_SERVICES } from '../../../shared/aws/services';

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

    const clients = createAllClients({ region: 'eu-west-1' });

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

    const { route53 } = createAllClients({ region: 'eu-west-1' });

    expect(await route53.config.maxAttempts()).toBe(9);
    expect(await retryModeOf(route53)).toBe('adaptive');
  });

  it('sends every client to AWS_ENDPOINT_URL when it is set (an emulator, for example)', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://localhost:4566';
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';

    const clients = createAllClients({ region: 'eu-west-1', maxAttempts: 1 });

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

    const clients = createAllClients({ region: 'eu-west-1' });
    delete (globalThis as { [CLIENT_HOOK]?: unknown })[CLIENT_HOOK];
    createAllClients({ region: 'eu-west-1' });

    // The very client objects handed back (toEqual would accept look-alike clients), and none made after removal.
    const made = Object.values(clients);
    expect(seen).toHaveLength(made.length);
    for (const [i, client] of made.entries()) expect(seen[i]).toBe(client);
  });

  it('makes exactly the clients whose classes it is given, keyed as asked', async () => {
    const seen: unknown[] = [];
    (globalThis as { [CLIENT_HOOK]?: (c: unknown) => void })[CLIENT_HOOK] = (client) => seen.push(client);

    const clients = createClients({ ec2: EC2Client, sqs: SQSClient }, { region: 'eu-west-1' });

    expect(Object.keys(clients).sort()).toEqual(['ec2', 'sqs']);
    expect(clients.ec2).toBeInstanceOf(EC2Client);
    expect(clients.sqs).toBeInstanceOf(SQSClient);
    expect(await clients.sqs.config.region()).toBe('eu-west-1');
    expect(await clients.ec2.config.maxAttempts()).toBe(MAX_ATTEMPTS);
    expect(seen).toEqual([clients.ec2, clients.sqs]);
  });

  it('builds every client of the services table under its own key', () => {
    const clients = createAllClients({ region: 'eu-west-1' });

    expect(Object.keys(clients).sort()).toEqual([...AWS_SERVICE_KEYS].sort());
    for (const key of AWS_SERVICE_KEYS) {
      expect((clients[key].config as { serviceId?: string }).serviceId).toBe(AWS_SERVICES[key].serviceId);
      expect(clients[key].constructor.name).toBe(AWS_SERVICES[key].clientName);
    }
  });

  it('refuses a client class passed under the key of another service, naming both', () => {
    // @ts-expect-error an SQS client cannot stand in for EC2 (checked by the type too)
    const wrong = () => createClients({ ec2: SQSClient }, { region: 'eu-west-1' });

    expect(wrong).toThrow(ClientTableError);
    expect(wrong).toThrow(/"ec2" must be EC2Client \(serviceId "EC2"\), got a client of "SQS"/);
  });
});
