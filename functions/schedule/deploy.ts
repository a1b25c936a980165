/**
 * What scheduled scaling needs from the stack: one EventBridge Scheduler schedule per rule of every service with a
 * `schedule` section, one reconcile schedule every 15 minutes, the role Scheduler invokes the scaling function with,
 * and least privilege for the calls the function makes. Never imported by a handler.
 *
 * Resource types and condition keys: Service Authorization Reference, list_amazonec2autoscaling.html (group ARNs;
 * UpdateAutoScalingGroup and CreateOrUpdateTags take the autoScalingGroup resource and aws:TagKeys; Describe* take
 * only "*") and list_amazoncloudwatch.html (DescribeAlarms takes the alarm resource).
 */
import { type CapabilityDeploy, type CfnResource, cfn, type IamStatement, unique } from '../../deploy/capability';
import {
  addUnique,
  arnOf,
  FAILED_EVENTS_QUEUE_ARN,
  logicalIdPart,
  type ScheduleTarget,
  schedulerRole,
  schedulerSchedule,
} from '../../deploy/scheduler';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { reconcileInput, ruleInput } from './request';
import { STATE_TAG, scheduledServices } from './scale';

/** Logical id serverless gives the scheduleScale function (its key, capitalised, + "LambdaFunction"). */
export const SCALE_FUNCTION = 'ScheduleScaleLambdaFunction';
/** The role EventBridge Scheduler assumes to invoke the scaling function. */
export const SCALE_SCHEDULER_ROLE = 'ScheduleSchedulerRole';
/** The reconcile schedule's logical id. */
export const RECONCILE_SCHEDULE = 'ScheduleReconcile';
/** Every 15 minutes (Scheduler user guide, "Schedule types": rate-based schedules). */
export const RECONCILE_RATE = 'rate(15 minutes)';

export const scheduleDeploy: CapabilityDeploy = {
  name: 'schedule',
  // Invoked by Scheduler only: no EventBridge rule.
  eventPatterns: () => ({}),
  iamStatements,
  resources,
};

/** The logical id of a rule's schedule. */
export const ruleScheduleId = (service: string, rule: string) =>
  `ScheduleRule${logicalIdPart(service)}${logicalIdPart(rule)}`;

/**
 * - AWS::Scheduler::Schedule per rule: ScheduleExpression is the rule's cron, ScheduleExpressionTimezone the
 *   service's zone (Scheduler follows DST: a time in the spring-forward gap is skipped, one in the repeated hour runs
 *   once — Scheduler user guide, "Schedule types"), FlexibleTimeWindow OFF (invoked on the minute). The Input names
 *   the service and the rule and carries `<aws.scheduler.scheduled-time>` (Scheduler user guide, "Adding context
 *   attributes").
 * - The reconcile: `rate(15 minutes)`, every service with a schedule.
 * - Delivery: a rule's invocation older than 15 minutes is dropped to the dead-letter queue (the reconcile has
 *   applied its level by then); Scheduler's execution role may invoke the scaling function only and dead-letter
 *   (Scheduler user guide, "Set up the execution role" and "Configuring a dead-letter queue"), trusted for this
 *   account only (aws:SourceAccount).
 */
function resources(config: FleetpilotConfig): Record<string, CfnResource> {
  const services = scheduledServices(config);
  if (services.length === 0) return {};
  const functionArn = arnOf(SCALE_FUNCTION);
  const target = (input: string): ScheduleTarget => ({
    arn: functionArn,
    role: SCALE_SCHEDULER_ROLE,
    input,
    retry: { maximumEventAgeInSeconds: 900, maximumRetryAttempts: 5 },
    deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
  });
  const out: Record<string, CfnResource> = {
    [SCALE_SCHEDULER_ROLE]: schedulerRole({
      description: 'EventBridge Scheduler invokes the fleetpilot scheduled scaling function',
      policyName: 'invoke-schedule-scale',
      invokeSid: 'InvokeScheduleScale',
      functionArns: [functionArn],
      deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
    }),
    // A rate: no time zone.
    [RECONCILE_SCHEDULE]: schedulerSchedule({
      description: 'fleetpilot: every 15 minutes, bring each scheduled group to the level its calendar says holds now',
      expression: RECONCILE_RATE,
      target: target(reconcileInput()),
    }),
  };
  for (const service of services) {
    for (const rule of service.schedule.rules) {
      const id = ruleScheduleId(service.name, rule.name);
      addUnique(
        out,
        id,
        schedulerSchedule({
          description: `fleetpilot: scheduled capacity of service ${service.name}, rule ${rule.name}`,
          expression: rule.cron,
          timezone: service.schedule.timezone,
          target: target(ruleInput(service.name, rule.name)),
        }),
        'rules',
      );
    }
  }
  return out;
}

function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const { join, partition, region, account } = cfn;
  const services = scheduledServices(config);
  if (services.length === 0) return [];
  const groups = unique(services.map((s) => s.autoScalingGroup)).map((name) =>
    join('arn:', partition, ':autoscaling:', region, ':', account, `:autoScalingGroup:*:autoScalingGroupName/${name}`),
  );
  const alarms = unique(services.flatMap((s) => s.schedule.guards.deferWhileAlarms)).map((name) =>
    join('arn:', partition, ':cloudwatch:', region, ':', account, `:alarm:${name}`),
  );
  const statements: IamStatement[] = [
    {
      Sid: 'ScheduleScaleConfiguredGroups',
      Effect: 'Allow',
      Action: ['autoscaling:UpdateAutoScalingGroup'],
      Resource: groups,
    },
    {
      // Only the tag that remembers the applied occurrence (scale.ts STATE_TAG).
      Sid: 'ScheduleRememberAppliedOccurrence',
      Effect: 'Allow',
      Action: ['autoscaling:CreateOrUpdateTags'],
      Resource: groups,
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [STATE_TAG] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
    {
      Sid: 'ScheduleDescribeAutoScaling',
      Effect: 'Allow',
      Action: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeInstanceRefreshes'],
      Resource: '*',
    },
  ];
  if (alarms.length > 0) {
    statements.push({
      Sid: 'ScheduleReadGuardAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms'],
      Resource: alarms,
    });
  }
  return statements;
}
