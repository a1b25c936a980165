/**
 * The scheduled scaling schedules in the packaged template (functions/schedule/deploy.ts, resources): one EventBridge
 * Scheduler schedule per rule of each service with a `schedule` section, in the service's time zone, one reconcile
 * every 15 minutes, their role (Scheduler only, this account only, invoke the scaling function and dead-letter), and
 * the functions' grants for scaling, scoped to the configured groups and alarms.
 */
import { RECONCILE_RATE, SCALE_FUNCTION, SCALE_SCHEDULER_ROLE } from '../../functions/schedule/deploy';
import { parseScheduleRequest, SCHEDULED_TIME } from '../../functions/schedule/request';
import { STATE_TAG } from '../../functions/schedule/scale';
import type { FleetpilotConfig } from '../../shared/config/schema';
import {
  asArray,
  functionLogicalId,
  functionsPolicyStatements,
  inlineStatements,
  loadTemplate,
  packagedConfig,
  props,
  referencedId,
  renderString,
  resourcesOfType,
  type Template,
} from './template';

interface Target {
  Arn: unknown;
  RoleArn: unknown;
  Input: string;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  DeadLetterConfig?: { Arn: unknown };
}

let template: Template;
let config: FleetpilotConfig;

beforeAll(() => {
  template = loadTemplate();
  config = packagedConfig();
});

const schedules = () =>
  resourcesOfType(template, 'AWS::Scheduler::Schedule')
    .map(([id, r]) => {
      const p = props(r);
      const target = p.Target as Target;
      return { id, p, target, input: JSON.parse(target.Input) as Record<string, unknown> };
    })
    .filter((s) => s.input.fleetpilot === 'schedule');

/** What Scheduler sends: the Input with the context attribute substituted (user guide, "Adding context attributes"). */
const delivered = (input: string) => JSON.parse(input.replace(SCHEDULED_TIME, '2026-03-29T06:00:00Z'));

describe('the scheduled scaling schedules in the packaged template', () => {
  it('has one schedule per rule, at its cron, in the service time zone, with no flexible window', () => {
    const expected = config.services.flatMap((s) =>
      (s.schedule?.rules ?? []).map((r) => ({
        service: s.name,
        rule: r.name,
        cron: r.cron,
        timezone: s.schedule?.timezone,
        window: { Mode: 'OFF' },
      })),
    );

    const found = schedules()
      .filter((s) => s.input.action === 'rule')
      .map((s) => ({
        service: s.input.service,
        rule: s.input.rule,
        cron: s.p.ScheduleExpression,
        timezone: s.p.ScheduleExpressionTimezone,
        window: s.p.FlexibleTimeWindow,
      }));

    expect(expected.length).toBeGreaterThan(0);
    expect(found).toEqual(expected);
  });

  it('reconciles every 15 minutes', () => {
    const reconcile = schedules().filter((s) => s.input.action === 'reconcile');

    expect(reconcile.map((s) => s.p.ScheduleExpression)).toEqual([RECONCILE_RATE]);
    expect(RECONCILE_RATE).toBe('rate(15 minutes)');
  });

  it('invokes the scaling function through its role with an input the function parses, carrying the scheduled time', () => {
    const alarmedQueues = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(([, a]) =>
      asArray(props(a).Dimensions as { Name: string; Value: unknown }[])
        .filter((d) => d.Name === 'QueueName')
        .map((d) => referencedId(d.Value)),
    );

    for (const s of schedules()) {
      expect(referencedId(s.target.Arn)).toBe(functionLogicalId('scheduleScale'));
      expect(referencedId(s.target.RoleArn)).toBe(SCALE_SCHEDULER_ROLE);
      expect(s.target.Input).toContain(`"scheduledTime":"${SCHEDULED_TIME}"`);
      expect(parseScheduleRequest(delivered(s.target.Input)).scheduledTime).toBe('2026-03-29T06:00:00Z');
      expect(alarmedQueues).toContain(referencedId(s.target.DeadLetterConfig?.Arn));
      expect(s.target.RetryPolicy?.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(s.target.RetryPolicy?.MaximumRetryAttempts).toBeLessThanOrEqual(185);
    }
    expect(template.Resources[SCALE_FUNCTION]?.Type).toBe('AWS::Lambda::Function');
  });
});

describe('the role EventBridge Scheduler assumes for scaling', () => {
  const role = () => {
    const r = template.Resources[SCALE_SCHEDULER_ROLE];
    if (!r) throw new Error(`${SCALE_SCHEDULER_ROLE} is not in the template`);
    return r;
  };

  it('trusts only scheduler.amazonaws.com of this account and may only invoke the scaling function and dead-letter', () => {
    const trust = (props(role()).AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const grants = inlineStatements(role()).map((s) => ({
      actions: asArray(s.Action),
      resources: asArray(s.Resource).map((r) => referencedId(r) ?? r),
    }));

    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(grants).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [SCALE_FUNCTION] },
      { actions: ['sqs:SendMessage'], resources: ['FailedEventsQueue'] },
    ]);
  });
});

describe("the functions' grants for scaling", () => {
  const statementsWith = (action: string) =>
    functionsPolicyStatements(template).filter((s) => asArray(s.Action).includes(action));
  const rendered = (s: { Resource?: unknown }) =>
    asArray(s.Resource as unknown[]).map((r) => renderString(r, config.region));

  it('updates and tags only the groups of services with a schedule, and only the fleetpilot:schedule tag', () => {
    const groups = config.services.filter((s) => s.schedule).map((s) => s.autoScalingGroup);
    const arns = groups.map(
      (g) => `arn:aws:autoscaling:${config.region}:123456789012:autoScalingGroup:*:autoScalingGroupName/${g}`,
    );

    const update = statementsWith('autoscaling:UpdateAutoScalingGroup');
    const tags = statementsWith('autoscaling:CreateOrUpdateTags');

    expect(update.flatMap(rendered)).toEqual(arns);
    expect(tags.flatMap(rendered)).toEqual(arns);
    expect(tags.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringEquals': { 'aws:TagKeys': [STATE_TAG] }, Null: { 'aws:TagKeys': 'false' } },
    ]);
  });

  it('reads only the configured guard alarms', () => {
    const alarms = config.services.flatMap((s) => s.schedule?.guards.deferWhileAlarms ?? []);

    // Target health reads its own alarms with another statement (test/unit/target-health/deploy.test.ts).
    const describe = statementsWith('cloudwatch:DescribeAlarms').filter((st) => st.Sid === 'ScheduleReadGuardAlarms');

    expect(alarms.length).toBeGreaterThan(0);
    expect(describe.flatMap(rendered)).toEqual(
      alarms.map((a) => `arn:aws:cloudwatch:${config.region}:123456789012:alarm:${a}`),
    );
  });
});
