/**
 * The target health handler on aws-sdk-client-mock: a service watching one target group behind an ALB, AWS's sample
 * alarm event (events/cloudwatch-alarm-state-change.json) renamed to one of fleetpilot's alarms, and a small world
 * (targets with reason codes, health-check settings, security groups, Auto Scaling states, activities, refreshes)
 * answered in AWS's documented shapes.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type Activity,
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScalingActivitiesCommand,
  type InstanceRefresh,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { type AlarmRole, alarmName, watchedGroups } from '../../../functions/target-health/alarms';
import type { TargetHealthClients } from '../../../functions/target-health/clients';
import { configSchema, type FleetpilotConfig } from '../../../shared/config/schema';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { loadEvent } from '../../helpers/events';
import { manualClock } from '../../helpers/manual-clock';
import { recordingNotifier } from '../../helpers/recording-notifier';

export const GROUP = 'web-asg';
export const TG_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-http/0123456789abcdef';
export const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0fedcba987654321';
export const NOW = Date.parse('2026-11-25T12:00:00.000Z');
export const LB_SG = 'sg-0lb000000000000a';
export const WEB_SG = 'sg-0web00000000000b';

export const cloudWatch = mockClient(CloudWatchClient);
export const elbv2 = mockClient(ElasticLoadBalancingV2Client);
export const autoScaling = mockClient(AutoScalingClient);
export const ec2 = mockClient(EC2Client);

export function configWith(targetHealth: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    region: 'eu-west-1',
    notifications: { topicName: 'alerts' },
    services: [
      {
        name: 'web',
        autoScalingGroup: GROUP,
        targetGroups: [TG_ARN],
        targetHealth: {
          targetGroups: [{ targetGroup: TG_ARN, loadBalancer: LB_ARN }],
          remediation: { enabled: true, afterMinutes: 10, maxPerHour: 1, maxUnhealthyShare: 0.5 },
          ...targetHealth,
        },
        ...extra,
      },
    ],
  });
}

export function makeDeps(config: FleetpilotConfig = configWith()) {
  const notifier = recordingNotifier();
  const deps: HandlerDeps<TargetHealthClients> = {
    config,
    clients: {
      cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
      autoScaling: new AutoScalingClient({ region: 'eu-west-1' }),
      ec2: new EC2Client({ region: 'eu-west-1' }),
      sns: undefined as never,
    },
    notifier,
    clock: manualClock(NOW),
    continuationQueueUrl: 'unused',
    dnsQueueUrl: 'unused',
    log: new Logger({ logLevel: 'SILENT' }),
    stage: STAGE,
  };
  return { deps, notifier };
}

/** The stage the unit tests' stack and function are deployed with. */
export const STAGE = 'test';
/** The deployment naming deploy.ts derives the stack's values for. */
export const STACK = { service: 'fleetpilot', stage: STAGE } as const;

export const nameOf = (role: AlarmRole, config: FleetpilotConfig = configWith(), stage: string = STAGE) => {
  const group = watchedGroups(config)[0];
  if (!group) throw new Error('no watched group');
  return alarmName(stage, group, role);
};

/** AWS's sample alarm event with fleetpilot's alarm name and the given state (as the event claims it). */
export function alarmEvent(name: string, state: StateValue = 'ALARM') {
  const event = loadEvent<{ id: string; detail: Record<string, Record<string, unknown> | string> }>(
    'cloudwatch-alarm-state-change',
  );
  event.detail.alarmName = name;
  (event.detail.state as Record<string, unknown>).value = state;
  return event;
}

/** DescribeAlarms answers with the alarm deploy.ts creates for `name`, in `state` since `since`. */
export function alarmIs(name: string, state: StateValue, since = new Date(NOW - 60_000)) {
  cloudWatch.on(DescribeAlarmsCommand, { AlarmNames: [name] }).resolves({
    MetricAlarms: [
      {
        AlarmName: name,
        Namespace: 'AWS/ApplicationELB',
        MetricName: name.endsWith('healthy-low') ? 'HealthyHostCount' : 'UnHealthyHostCount',
        Dimensions: [
          { Name: 'TargetGroup', Value: 'targetgroup/web-http/0123456789abcdef' },
          { Name: 'LoadBalancer', Value: 'app/web/0fedcba987654321' },
        ],
        StateValue: state,
        StateReason: 'Threshold Crossed',
        StateUpdatedTimestamp: since,
      },
    ],
  });
}

export interface TargetSpec {
  id: string;
  state: TargetHealthStateEnum;
  reason?: string;
  description?: string;
  lifecycle?: string;
  health?: 'HEALTHY' | 'UNHEALTHY';
  launchedMinutesAgo?: number;
  group?: string;
}

export interface World {
  targets: TargetSpec[];
  healthCheck?: { path?: string; matcher?: string; protocol?: 'HTTP' | 'HTTPS' | 'TCP'; port?: string };
  /** Inbound rules of the instances' group WEB_SG; the default lets LB_SG in on 80. */
  webRules?: IpPermission[];
  /** The load balancer's security groups (an NLB may have none). */
  lbGroups?: string[];
  activities?: Activity[];
  refreshes?: InstanceRefresh[];
}

export const allowFromLb = (port = 80): IpPermission => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  UserIdGroupPairs: [{ GroupId: LB_SG }],
});

export function world(w: World): void {
  elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: TG_ARN }).resolves({
    TargetHealthDescriptions: w.targets.map((t) => ({
      Target: { Id: t.id, Port: 80 },
      HealthCheckPort: '80',
      TargetHealth: {
        State: t.state,
        ...(t.reason ? { Reason: t.reason as 'Target.Timeout' } : {}),
        ...(t.description ? { Description: t.description } : {}),
      },
    })),
  });
  elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [TG_ARN] }).resolves({
    TargetGroups: [
      {
        TargetGroupArn: TG_ARN,
        TargetGroupName: 'web-http',
        Protocol: 'HTTP',
        Port: 80,
        HealthCheckProtocol: w.healthCheck?.protocol ?? 'HTTP',
        HealthCheckPort: w.healthCheck?.port ?? 'traffic-port',
        HealthCheckPath: w.healthCheck?.path ?? '/health',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: w.healthCheck?.matcher ?? '200' },
        LoadBalancerArns: [LB_ARN],
      },
    ],
  });
  elbv2.on(DescribeLoadBalancersCommand, { LoadBalancerArns: [LB_ARN] }).resolves({
    LoadBalancers: [{ LoadBalancerArn: LB_ARN, Type: 'application', SecurityGroups: w.lbGroups ?? [LB_SG] }],
  });
  autoScaling.on(DescribeAutoScalingInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    AutoScalingInstances: w.targets
      .filter((t) => (input.InstanceIds ?? []).includes(t.id) && t.group !== 'none')
      .map((t) => ({
        InstanceId: t.id,
        AutoScalingGroupName: t.group ?? GROUP,
        AvailabilityZone: 'eu-west-1a',
        LifecycleState: t.lifecycle ?? 'InService',
        HealthStatus: t.health ?? 'HEALTHY',
        ProtectedFromScaleIn: false,
      })),
  }));
  autoScaling
    .on(DescribeScalingActivitiesCommand, { AutoScalingGroupName: GROUP })
    .resolves({ Activities: w.activities ?? [] });
  autoScaling
    .on(DescribeInstanceRefreshesCommand, { AutoScalingGroupName: GROUP })
    .resolves({ InstanceRefreshes: w.refreshes ?? [] });
  ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      {
        Instances: w.targets
          .filter((t) => (input.InstanceIds ?? []).includes(t.id))
          .map((t) => ({
            InstanceId: t.id,
            LaunchTime: new Date(NOW - (t.launchedMinutesAgo ?? 120) * 60_000),
            SecurityGroups: [{ GroupId: WEB_SG, GroupName: 'web' }],
          })),
      },
    ],
  }));
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: WEB_SG, GroupName: 'web', IpPermissions: w.webRules ?? [allowFromLb(80)] }],
  });
  autoScaling.on(SetInstanceHealthCommand).resolves({});
  cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
}

/** The scaling activity a SetInstanceHealth Unhealthy produces (Auto Scaling user guide, "View the reason for health check failures"). */
export function userHealthCheckActivity(minutesAgo: number, instanceId = 'i-0aaaaaaaaaaaaaaa0'): Activity {
  const start = new Date(NOW - minutesAgo * 60_000);
  return {
    ActivityId: `act-${minutesAgo}`,
    AutoScalingGroupName: GROUP,
    Description: `Terminating EC2 instance: ${instanceId}`,
    Cause: `At ${start.toISOString().replace(/\.\d{3}Z$/, 'Z')} an instance was taken out of service in response to a user health-check.`,
    StartTime: start,
    StatusCode: 'Successful',
  };
}

export function reset(): void {
  cloudWatch.reset();
  elbv2.reset();
  autoScaling.reset();
  ec2.reset();
}
