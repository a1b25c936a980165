/**
 * What the target health function needs from the stack: one AWS::CloudWatch::Alarm per watched target group and role
 * (alarms.ts derives them from the config), the rule on "CloudWatch Alarm State Change" for exactly those alarm names,
 * and least privilege for the calls it makes. Never imported by a handler.
 *
 * Alarm properties (CloudWatch user guide, "Using Amazon CloudWatch alarms"; AWS::CloudWatch::Alarm reference):
 * Period 60 (ELB's reporting interval), EvaluationPeriods = DatapointsToAlarm = N, so the condition must hold for N
 * consecutive minutes ("N out of N"); the statistic and TreatMissingData are explained on AlarmSpec. No AlarmActions:
 * CloudWatch sends every state change to EventBridge on its own, and the function reports it once, diagnosed.
 *
 * IAM (Service Authorization Reference, list_amazoncloudwatch.html, list_elasticloadbalancingv2.html,
 * list_amazonec2autoscaling.html, list_amazonec2.html): DescribeAlarms and DescribeAlarmHistory take the alarm
 * resource type, so they are scoped to fleetpilot's alarms (AWS's own example policy does the same: ARC developer
 * guide, "CloudWatch alarms for application health permissions"); the ELB, Auto Scaling and EC2 Describe* actions accept
 * only "*"; SetInstanceHealth is scoped to the groups of services that opted into remediation.
 */
import {
  type CapabilityDeploy,
  type CfnResource,
  cfn,
  type IamStatement,
  type StackNaming,
  unique,
} from '../../deploy/capability';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { type AlarmSpec, alarmKey, alarmSpecs, watchedServices } from './alarms';
import { ALARM_STATE_CHANGE } from './events';

/**
 * The rule must match something when no service watches its targets (serverless.yml always declares it): a name no
 * deployed alarm has (fleetpilot's alarm names end with a role, see alarms.ts).
 */
export const NO_ALARMS = 'fleetpilot-target-health-none';

/** The stack's values were asked for without the stage the alarm names need (deploy/stack-values.ts always passes it). */
export class MissingStageError extends Error {
  override readonly name = 'MissingStageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function stageOf(stack: StackNaming | undefined): string {
  if (!stack?.stage) throw new MissingStageError('target health alarm names need the stage: pass { service, stage }');
  return stack.stage;
}

export const targetHealthDeploy = {
  name: 'target-health',
  // The alarm names carry the stage; the function reads the same stage from FLEETPILOT_STAGE (serverless.yml).
  eventPatterns(config: FleetpilotConfig, stack: StackNaming) {
    const names = alarmSpecs(config, stageOf(stack)).map((a) => a.name);
    return {
      targetHealthAlarm: {
        source: ['aws.cloudwatch'],
        'detail-type': [ALARM_STATE_CHANGE],
        // INSUFFICIENT_DATA says nothing about the targets: not matched.
        detail: { alarmName: names.length > 0 ? names : [NO_ALARMS], state: { value: ['ALARM', 'OK'] } },
      },
    };
  },
  iamStatements,
  resources: alarmResources,
} satisfies CapabilityDeploy;

/**
 * Logical id of an alarm: "TargetHealthAlarm" + a hash-free spelling of its name without the stage (letters and digits
 * only), so every stage's template has the same logical ids.
 */
export function alarmLogicalId(spec: AlarmSpec): string {
  return `TargetHealthAlarm${alarmKey(spec.group, spec.role)
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

function alarmResources(config: FleetpilotConfig, stack: StackNaming): Record<string, CfnResource> {
  return Object.fromEntries(
    alarmSpecs(config, stageOf(stack)).map((spec) => [
      alarmLogicalId(spec),
      {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: spec.name,
          AlarmDescription: spec.description,
          Namespace: spec.group.namespace,
          MetricName: spec.metricName,
          Dimensions: [
            { Name: 'TargetGroup', Value: spec.group.targetGroupDimension },
            { Name: 'LoadBalancer', Value: spec.group.loadBalancerDimension },
          ],
          Statistic: spec.statistic,
          Period: spec.period,
          EvaluationPeriods: spec.evaluationPeriods,
          DatapointsToAlarm: spec.datapointsToAlarm,
          Threshold: spec.threshold,
          ComparisonOperator: spec.comparison,
          TreatMissingData: spec.treatMissingData,
        },
      } satisfies CfnResource,
    ]),
  );
}

function iamStatements(config: FleetpilotConfig, stack: StackNaming): IamStatement[] {
  const specs = alarmSpecs(config, stageOf(stack));
  if (specs.length === 0) return [];
  const { join, partition, region, account } = cfn;
  const statements: IamStatement[] = [
    {
      Sid: 'TargetHealthReadOwnAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'],
      Resource: specs.map((s) => join('arn:', partition, ':cloudwatch:', region, ':', account, `:alarm:${s.name}`)),
    },
    {
      Sid: 'TargetHealthDescribe',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeLoadBalancers',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeInstanceRefreshes',
        'ec2:DescribeInstances',
        'ec2:DescribeSecurityGroups',
      ],
      Resource: '*',
    },
  ];
  const remedied = unique(
    watchedServices(config)
      .filter((s) => s.targetHealth.remediation.enabled)
      .map((s) => s.autoScalingGroup),
  );
  if (remedied.length > 0) {
    statements.push({
      Sid: 'TargetHealthMarkUnhealthy',
      Effect: 'Allow',
      Action: ['autoscaling:SetInstanceHealth'],
      Resource: remedied.map((name) =>
        join(
          'arn:',
          partition,
          ':autoscaling:',
          region,
          ':',
          account,
          `:autoScalingGroup:*:autoScalingGroupName/${name}`,
        ),
      ),
    });
  }
  return statements;
}
