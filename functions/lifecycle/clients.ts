/** The SDK clients the lifecycle functions use, and only those: each deployed entry builds exactly these. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientsFor } from '../../shared/aws/clients';

export const lifecycleClientClasses = {
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  elbv2: ElasticLoadBalancingV2Client,
  sns: SNSClient,
  sqs: SQSClient,
};

export type LifecycleClients = ClientsFor<typeof lifecycleClientClasses>;
