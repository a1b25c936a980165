/** The SDK clients the scheduled scaling function uses, and only those: its deployed entry builds exactly these. */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import type { ClientsFor } from '../../shared/aws/clients';

export const scheduleClientClasses = {
  autoScaling: AutoScalingClient,
  cloudWatch: CloudWatchClient,
  sns: SNSClient,
};

export type ScheduleClients = ClientsFor<typeof scheduleClientClasses>;
