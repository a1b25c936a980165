/**
 * The one place SDK clients are made. Region and endpoint come from the SDK's own settings (AWS_REGION,
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, shared config files); retries use the SDK's standard strategy
 * (or adaptive, when AWS_RETRY_MODE=adaptive) with MAX_ATTEMPTS attempts per call unless AWS_MAX_ATTEMPTS says otherwise.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Attempts per SDK call (first try included), for the standard and adaptive retry strategies. */
export const MAX_ATTEMPTS = 5;

export interface AwsClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  sns: SNSClient;
  sqs: SQSClient;
}

export interface ClientOptions {
  region?: string;
  maxAttempts?: number;
}

/**
 * A seam for the simulated account when it must reach clients it cannot construct itself (a bundled handler loaded
 * by `npm run bench`): a function stored under this symbol on globalThis is called with every client made here.
 * Nothing sets it in Lambda.
 */
export const CLIENT_HOOK = Symbol.for('fleetpilot.clientHook');
type ClientHook = (client: AwsClients[keyof AwsClients]) => void;

export function createClients(options: ClientOptions = {}): AwsClients {
  const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
  const common = {
    ...(options.region ? { region: options.region } : {}),
    maxAttempts: options.maxAttempts ?? (Number.isInteger(envAttempts) && envAttempts > 0 ? envAttempts : MAX_ATTEMPTS),
    retryMode: process.env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard',
  };
  const clients: AwsClients = {
    ec2: new EC2Client(common),
    autoScaling: new AutoScalingClient(common),
    elbv2: new ElasticLoadBalancingV2Client(common),
    route53: new Route53Client(common),
    sns: new SNSClient(common),
    sqs: new SQSClient(common),
  };
  const hook = (globalThis as { [CLIENT_HOOK]?: ClientHook })[CLIENT_HOOK];
  if (hook) for (const client of Object.values(clients)) hook(client);
  return clients;
}
