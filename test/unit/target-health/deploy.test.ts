/**
 * What the target health capability declares for the stack (alarms, rule pattern, IAM) and what its config section
 * refuses. The packaged template itself is checked by test/template/ (resource spec, IAM versus code).
 */

import type { CapabilityDeploy } from '../../../deploy/capability';
import { AlarmNameTooLongError, alarmSpecs } from '../../../functions/target-health/alarms';
import {
  alarmLogicalId,
  MissingStageError,
  NO_ALARMS,
  targetHealthDeploy,
} from '../../../functions/target-health/deploy';
import { configSchema } from '../../../shared/config/schema';
import { matchesEventPattern } from '../../../sim/wiring';
import { alarmEvent, configWith, GROUP, LB_ARN, nameOf, STACK, STAGE, TG_ARN } from './harness';

const props = (config = configWith()) =>
  Object.fromEntries(
    Object.entries(targetHealthDeploy.resources(config, STACK) ?? {}).map(([id, r]) => [id, r.Properties ?? {}]),
  );

describe('alarms', () => {
  it('deploys the unhealthy, healthy-low and (with remediation) persistent alarms with the dimensions AWS names', () => {
    const resources = props();
    const byName = new Map(Object.values(resources).map((p) => [p.AlarmName, p]));

    expect(Object.keys(resources)).toHaveLength(3);
    expect(byName.get(nameOf('unhealthy'))).toEqual({
      AlarmName: 'fleetpilot-test-web-web-http-0123456789abcdef-unhealthy',
      AlarmDescription: expect.stringContaining('unhealthy for 3 min'),
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Dimensions: [
        { Name: 'TargetGroup', Value: 'targetgroup/web-http/0123456789abcdef' },
        { Name: 'LoadBalancer', Value: 'app/web/0fedcba987654321' },
      ],
      Statistic: 'Minimum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(byName.get(nameOf('healthy-low'))).toMatchObject({
      MetricName: 'HealthyHostCount',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'missing',
    });
    expect(byName.get(nameOf('persistent'))).toMatchObject({ EvaluationPeriods: 10, DatapointsToAlarm: 10 });
  });

  it('uses AWS/NetworkELB behind an NLB, a per-group minimum, and no healthy-low alarm for minimum 0', () => {
    const nlb = LB_ARN.replace('loadbalancer/app/', 'loadbalancer/net/');
    const config = configWith({ targetGroups: [{ targetGroup: TG_ARN, loadBalancer: nlb, minHealthy: 0 }] });
    const specs = alarmSpecs(config, STAGE);

    expect(specs.map((s) => s.role)).toEqual(['unhealthy', 'persistent']);
    expect(specs.every((s) => s.group.namespace === 'AWS/NetworkELB')).toBe(true);
    expect(specs[0]?.group.loadBalancerDimension).toBe('net/web/0fedcba987654321');
  });

  it('names the alarms of two stages of one config differently, with the same logical ids', () => {
    const test = targetHealthDeploy.resources(configWith(), STACK);
    const prod = targetHealthDeploy.resources(configWith(), { ...STACK, stage: 'prod' });
    const names = (resources: typeof test) => Object.values(resources).map((r) => r.Properties?.AlarmName);

    expect(Object.keys(prod)).toEqual(Object.keys(test));
    expect(names(prod)).toHaveLength(3);
    for (const name of names(prod)) {
      expect(name).toMatch(/^fleetpilot-prod-web-/);
      expect(names(test)).not.toContain(name);
    }
  });

  it('refuses to derive alarm names without the stage, through the generic capability interface', () => {
    const generic: CapabilityDeploy = targetHealthDeploy;

    expect(() => generic.eventPatterns(configWith())).toThrow(MissingStageError);
    expect(() => generic.resources?.(configWith())).toThrow(MissingStageError);
  });

  it('refuses a name longer than the 255 characters CloudWatch takes, naming it', () => {
    const longStage = 'x'.repeat(255);

    expect(() => alarmSpecs(configWith(), longStage)).toThrow(AlarmNameTooLongError);
    expect(() => alarmSpecs(configWith(), longStage)).toThrow(/at most 255/);
    expect(alarmSpecs(configWith(), 'x'.repeat(150)).every((s) => s.name.length <= 255)).toBe(true);
  });

  it('gives each alarm a CloudFormation logical id of letters and digits', () => {
    for (const spec of alarmSpecs(configWith(), STAGE)) expect(alarmLogicalId(spec)).toMatch(/^[A-Za-z0-9]{1,255}$/);
  });
});

describe('the rule', () => {
  const pattern = (config = configWith()) => targetHealthDeploy.eventPatterns(config, STACK).targetHealthAlarm;

  it("routes AWS's sample alarm event when it names one of fleetpilot's alarms, in ALARM or OK", () => {
    expect(matchesEventPattern(pattern(), alarmEvent(nameOf('unhealthy'), 'ALARM'))).toBe(true);
    expect(matchesEventPattern(pattern(), alarmEvent(nameOf('persistent'), 'OK'))).toBe(true);
  });

  it('does not route another alarm, nor INSUFFICIENT_DATA', () => {
    expect(matchesEventPattern(pattern(), alarmEvent('ServerCpuTooHigh'))).toBe(false);
    expect(matchesEventPattern(pattern(), alarmEvent(nameOf('unhealthy', undefined, 'prod')))).toBe(false);
    expect(matchesEventPattern(pattern(), alarmEvent(nameOf('unhealthy'), 'INSUFFICIENT_DATA'))).toBe(false);
  });

  it('matches a name no alarm has when no service watches its targets', () => {
    const none = configSchema.parse({
      region: 'eu-west-1',
      notifications: { topicName: 'alerts' },
      services: [{ name: 'web', autoScalingGroup: GROUP, targetGroups: [TG_ARN] }],
    });

    expect(pattern(none)).toMatchObject({ detail: { alarmName: [NO_ALARMS] } });
    expect(targetHealthDeploy.iamStatements(none, STACK)).toEqual([]);
    expect(targetHealthDeploy.resources(none, STACK)).toEqual({});
  });
});

describe('IAM', () => {
  const actionsOf = (config = configWith()) =>
    new Map(targetHealthDeploy.iamStatements(config, STACK).flatMap((s) => s.Action.map((a) => [a, s.Resource])));

  it('scopes DescribeAlarms to its own alarms and SetInstanceHealth to the group that opted in', () => {
    const actions = actionsOf();
    const alarms = JSON.stringify(actions.get('cloudwatch:DescribeAlarms'));

    expect(alarms).toContain(`:alarm:${nameOf('unhealthy')}`);
    expect(alarms).not.toContain('*');
    expect(JSON.stringify(actions.get('autoscaling:SetInstanceHealth'))).toContain(
      `:autoScalingGroup:*:autoScalingGroupName/${GROUP}`,
    );
  });

  it('grants no SetInstanceHealth without remediation', () => {
    expect(actionsOf(configWith({ remediation: { enabled: false } })).has('autoscaling:SetInstanceHealth')).toBe(false);
  });
});

describe('config refusals', () => {
  const issues = (targetHealth: Record<string, unknown>) => {
    const parsed = configSchema.safeParse({
      region: 'eu-west-1',
      notifications: { topicName: 'alerts' },
      services: [{ name: 'web', autoScalingGroup: GROUP, targetGroups: [TG_ARN], targetHealth }],
    });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses a target group the service does not list', () => {
    const other = TG_ARN.replace('web-http', 'api-http');
    expect(issues({ targetGroups: [{ targetGroup: other, loadBalancer: LB_ARN }] })).toContain(
      'services.0.targetHealth.targetGroups.0.targetGroup: not one of the service targetGroups (add it there first)',
    );
  });

  it('refuses a load balancer in another region, and a Gateway Load Balancer', () => {
    const elsewhere = LB_ARN.replace('eu-west-1', 'us-east-1');
    expect(issues({ targetGroups: [{ targetGroup: TG_ARN, loadBalancer: elsewhere }] })).toContain(
      'services.0.targetHealth.targetGroups.0.loadBalancer: the load balancer is in us-east-1, not in region eu-west-1',
    );
    const gateway = LB_ARN.replace('loadbalancer/app/', 'loadbalancer/gwy/');
    expect(issues({ targetGroups: [{ targetGroup: TG_ARN, loadBalancer: gateway }] }).join()).toContain(
      'expected an Application or Network Load Balancer ARN',
    );
  });

  it('refuses a remedy sooner than the alarm, and a share above 1', () => {
    const watched = [{ targetGroup: TG_ARN, loadBalancer: LB_ARN }];
    expect(
      issues({
        targetGroups: watched,
        alarms: { unhealthyMinutes: 5 },
        remediation: { enabled: true, afterMinutes: 3 },
      }),
    ).toContain(
      'services.0.targetHealth.remediation.afterMinutes: must be at least alarms.unhealthyMinutes: a replacement never comes before the alarm',
    );
    expect(issues({ targetGroups: watched, remediation: { maxUnhealthyShare: 1.5 } })).toHaveLength(1);
  });

  it('fills in sensible defaults: 3 minutes, 1 healthy, remediation off', () => {
    const config = configSchema.parse({
      region: 'eu-west-1',
      notifications: { topicName: 'alerts' },
      services: [
        {
          name: 'web',
          autoScalingGroup: GROUP,
          targetGroups: [TG_ARN],
          targetHealth: { targetGroups: [{ targetGroup: TG_ARN, loadBalancer: LB_ARN }] },
        },
      ],
    });

    expect(config.services[0]?.targetHealth).toEqual({
      targetGroups: [{ targetGroup: TG_ARN, loadBalancer: LB_ARN }],
      alarms: { unhealthyMinutes: 3, minHealthy: 1 },
      remediation: { enabled: false, afterMinutes: 10, maxPerHour: 1, maxUnhealthyShare: 0.5 },
    });
    expect(alarmSpecs(config, STAGE).map((s) => s.role)).toEqual(['unhealthy', 'healthy-low']);
  });
});
