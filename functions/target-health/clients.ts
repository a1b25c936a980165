/** The SDK clients the target health function uses, and only those: its deployed entry builds exactly these. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import type { ClientsFor } from '../../shared/aws/clients';

export const targetHealthClientClasses = {
  cloudWatch: CloudWatchClient,
  elbv2: ElasticLoadBalancingV2Client,
  autoScaling: AutoScalingClient,
  ec2: EC2Client,
  sns: SNSClient,
};

export type TargetHealthClients = ClientsFor<typeof targetHealthClientClasses>;
