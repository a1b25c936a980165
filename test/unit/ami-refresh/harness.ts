/** Deps for the AMI refresh handlers on aws-sdk-client-mock, with the example config's shape and a chosen section. */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { AmiRefreshConfig } from '../../../functions/ami-refresh/config';
import { configSchema, type FleetpilotConfig } from '../../../shared/config/schema';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { manualClock } from '../../helpers/manual-clock';
import { recordingNotifier } from '../../helpers/recording-notifier';

export const GROUP = 'web-asg';
export const TEMPLATE = 'lt-0123456789abcdef0';
export const NEW_IMAGE = 'ami-0abcdef1234567890';
export const NOW = Date.parse('2026-11-25T12:00:00.000Z');
export const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/ami-refresh';

export const ec2 = mockClient(EC2Client);
export const autoScaling = mockClient(AutoScalingClient);
export const sqs = mockClient(SQSClient);

export function configWith(amiRefresh: Record<string, unknown>, extra: Record<string, unknown> = {}): FleetpilotConfig {
  return configSchema.parse({
    region: 'eu-west-1',
    notifications: { topicName: 'alerts' },
    services: [
      {
        name: 'web',
        autoScalingGroup: GROUP,
        targetGroups: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef'],
        amiRefresh,
        ...extra,
      },
    ],
  });
}

export const bakeSection = {
  source: { instance: { instanceId: 'i-0123456789abcdef0', reboot: false } },
  launchTemplate: { id: TEMPLATE },
};

export function makeDeps(config: FleetpilotConfig) {
  const notifier = recordingNotifier();
  const deps: HandlerDeps<{ ec2: EC2Client; autoScaling: AutoScalingClient; sqs: SQSClient; sns: never }> = {
    config,
    clients: {
      ec2: new EC2Client({ region: 'eu-west-1' }),
      autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      sns: undefined as never,
    },
    notifier,
    clock: manualClock(NOW),
    continuationQueueUrl: QUEUE,
    dnsQueueUrl: 'unused',
    log: new Logger({ logLevel: 'SILENT' }),
  };
  return { deps, notifier };
}

/** The group on version 4 of the template; version 4 uses the old image. */
export function groupOnVersion4(): void {
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: GROUP,
        LaunchTemplate: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '4' },
        MinSize: 2,
        MaxSize: 4,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a'],
        HealthCheckType: 'ELB',
        CreatedTime: new Date(NOW),
      },
    ],
  });
  ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['4'] }).resolves({
    LaunchTemplateVersions: [
      {
        LaunchTemplateId: TEMPLATE,
        LaunchTemplateName: 'web',
        VersionNumber: 4,
        LaunchTemplateData: { ImageId: 'ami-0old0000000000000' },
      },
    ],
  });
  autoScaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
}

/** The new image as DescribeImages reports it: baked by fleetpilot for web from the reference instance. */
export function ourImage(state = 'available'): void {
  ec2.on(DescribeImagesCommand, { ImageIds: [NEW_IMAGE] }).resolves({
    Images: [
      {
        ImageId: NEW_IMAGE,
        Name: 'fleetpilot-web-2026',
        State: state as 'available',
        Tags: [
          { Key: 'fleetpilot:service', Value: 'web' },
          { Key: 'fleetpilot:source', Value: 'i-0123456789abcdef0' },
        ],
      },
    ],
  });
}

export function reset(): void {
  ec2.reset();
  autoScaling.reset();
  sqs.reset();
}

export type Section = Partial<AmiRefreshConfig> & Record<string, unknown>;
