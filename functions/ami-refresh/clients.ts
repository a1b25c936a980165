/** The SDK clients the AMI refresh functions use, and only those: each deployed entry builds exactly these. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientsFor } from '../../shared/aws/clients';

export const amiRefreshClientClasses = {
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  sns: SNSClient,
  sqs: SQSClient,
};

export type AmiRefreshClients = ClientsFor<typeof amiRefreshClientClasses>;
