/**
 * Every client class in shared/aws/services.ts, for the simulated account, the benchmark and tests, which build
 * handlers with all clients. A deployed function never imports this module: its entry file passes only the classes
 * its capability uses to createClients (see functions/<capability>/*-handler.ts).
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClients, type ClientOptions, createClients } from './clients';

export const ALL_CLIENT_CLASSES = {
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  elbv2: ElasticLoadBalancingV2Client,
  route53: Route53Client,
  sns: SNSClient,
  sqs: SQSClient,
  acm: ACMClient,
  cloudWatch: CloudWatchClient,
  ssm: SSMClient,
} as const;

export function createAllClients(options: ClientOptions = {}): AwsClients {
  return createClients(ALL_CLIENT_CLASSES, options);
}
