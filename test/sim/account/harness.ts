import { ACMClient } from '@aws-sdk/client-acm';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsServiceKey } from '../../../shared/aws/services';
import { attachSim, createSimAccount, createVirtualClock, type SimAccount, type StackSpec } from '../../../sim';
import type { VirtualClock } from '../../../sim/clock';
import type { SimPluggableClient } from '../../../sim/plug';

export const SUBNETS: StackSpec['subnets'] = [
  { id: 'subnet-0aaa', availabilityZone: 'eu-west-1a', cidr: '10.0.1.0/24' },
  { id: 'subnet-0bbb', availabilityZone: 'eu-west-1b', cidr: '10.0.2.0/24' },
];

/** One real SDK client per row of shared/aws/services.ts (the type fails to compile when a row has no client). */
export interface HarnessClients extends Record<AwsServiceKey, { middlewareStack: unknown; config: object }> {
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

export interface Harness extends HarnessClients {
  clock: VirtualClock;
  account: SimAccount;
  done(): void;
}

/** A virtual clock, an account, and real SDK clients plugged into it. */
export const startAccount = (
  stack: Omit<StackSpec, 'clock' | 'subnets' | 'seed'> & Partial<Pick<StackSpec, 'seed' | 'subnets'>>,
): Harness => {
  const clock = createVirtualClock({ seedMathRandom: 7 });
  try {
    const account = createSimAccount({ seed: 42, subnets: SUBNETS, ...stack, clock });
    const config = { region: account.region };
    const clients: HarnessClients = {
      ec2: new EC2Client(config),
      autoScaling: new AutoScalingClient(config),
      elbv2: new ElasticLoadBalancingV2Client(config),
      route53: new Route53Client(config),
      sns: new SNSClient(config),
      sqs: new SQSClient(config),
      acm: new ACMClient(config),
      cloudWatch: new CloudWatchClient(config),
      ssm: new SSMClient(config),
    };
    for (const client of Object.values(clients)) attachSim(client as SimPluggableClient<object, object>, account);
    return { ...clients, clock, account, done: () => clock.uninstall() };
  } catch (error) {
    clock.uninstall();
    throw error;
  }
};

/** Await a promise that must reject, and return the error. */
export const rejectionOf = async (
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number }; $fault?: string }> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the promise to reject, but it resolved');
};
