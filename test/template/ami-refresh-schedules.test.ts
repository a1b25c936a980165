/**
 * The AMI refresh schedules in the packaged template (functions/ami-refresh/deploy.ts, resources): one EventBridge
 * Scheduler schedule per service with `amiRefresh.schedule` that bakes, one daily retention schedule per service with
 * an `amiRefresh` section, and the one role they invoke the bake function with — trusted by Scheduler for this account
 * only, allowed to invoke that function and to dead-letter, nothing else.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogicalIdConflictError } from '../../deploy/scheduler';
import {
  amiRefreshDeploy,
  BAKE_FUNCTION,
  bakeRequest,
  RETENTION_CRON,
  RETENTION_DEFAULT_TIMEZONE,
  SCHEDULER_ROLE,
} from '../../functions/ami-refresh/deploy';
import { parseRequest } from '../../functions/ami-refresh/events';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import {
  asArray,
  FUNCTIONS_ROLE,
  functionLogicalId,
  inlineStatements,
  loadTemplate,
  packagedConfig,
  props,
  REPO,
  referencedId,
  resourcesOfType,
  type Template,
} from './template';

interface ScheduleTarget {
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

/** This capability's schedules: those whose input is an AMI refresh request (scheduled scaling has its own). */
const schedules = () =>
  resourcesOfType(template, 'AWS::Scheduler::Schedule')
    .map(([id, r]) => {
      const p = props(r);
      return { id, p, target: p.Target as ScheduleTarget, input: JSON.parse((p.Target as ScheduleTarget).Input) };
    })
    .filter((s) => s.input.fleetpilot === 'ami-refresh');

describe('the AMI refresh schedules in the packaged template', () => {
  it('bakes each service with a schedule at its cron, in its time zone, with no flexible window', () => {
    // Arrange
    const expected = config.services.flatMap((s) =>
      s.amiRefresh?.schedule ? [{ service: s.name, ...s.amiRefresh.schedule }] : [],
    );

    // Act
    const bakes = schedules()
      .filter((s) => s.input.action === 'bake')
      .map((s) => ({
        service: s.input.service,
        cron: s.p.ScheduleExpression,
        timezone: s.p.ScheduleExpressionTimezone,
        window: s.p.FlexibleTimeWindow,
        state: s.p.State,
      }));

    // Assert
    expect(expected.length).toBeGreaterThan(0);
    expect(bakes).toEqual(expected.map((e) => ({ ...e, window: { Mode: 'OFF' }, state: 'ENABLED' })));
  });

  it('runs retention daily for every service with an amiRefresh section', () => {
    const expected = config.services
      .filter((s) => s.amiRefresh)
      .map((s) => ({
        service: s.name,
        cron: RETENTION_CRON,
        timezone: s.amiRefresh?.schedule?.timezone ?? RETENTION_DEFAULT_TIMEZONE,
      }));

    const retention = schedules()
      .filter((s) => s.input.action === 'retention')
      .map((s) => ({
        service: s.input.service,
        cron: s.p.ScheduleExpression,
        timezone: s.p.ScheduleExpressionTimezone,
      }));

    expect(retention).toEqual(expected);
    // Every day, at one fixed minute: day-of-week "?" with every day of the month.
    expect(RETENTION_CRON.slice(5, -1).split(' ')).toEqual(['0', '4', '*', '*', '?', '*']);
  });

  it('invokes the bake function with the request it parses, through the Scheduler role, dead-lettering to an alarmed queue', () => {
    const alarmedQueues = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(([, a]) =>
      asArray(props(a).Dimensions as { Name: string; Value: unknown }[])
        .filter((d) => d.Name === 'QueueName')
        .map((d) => referencedId(d.Value)),
    );

    for (const s of schedules()) {
      expect(referencedId(s.target.Arn)).toBe(functionLogicalId('amiRefreshBake'));
      expect(referencedId(s.target.RoleArn)).toBe(SCHEDULER_ROLE);
      expect(parseRequest(s.input)).toEqual(s.input);
      expect(s.target.Input).toBe(bakeRequest(s.input.action, s.input.service));
      const deadLetter = referencedId(s.target.DeadLetterConfig?.Arn);
      expect(deadLetter).toBeDefined();
      expect(alarmedQueues).toContain(deadLetter);
      // RetryPolicy bounds (CloudFormation template reference, AWS::Scheduler::Schedule RetryPolicy).
      expect(s.target.RetryPolicy?.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(s.target.RetryPolicy?.MaximumEventAgeInSeconds).toBeLessThanOrEqual(86400);
      expect(s.target.RetryPolicy?.MaximumRetryAttempts).toBeLessThanOrEqual(185);
    }
    expect(template.Resources[BAKE_FUNCTION]?.Type).toBe('AWS::Lambda::Function');
  });
});

describe('the role EventBridge Scheduler assumes', () => {
  const role = () => {
    const r = template.Resources[SCHEDULER_ROLE];
    if (!r) throw new Error(`${SCHEDULER_ROLE} is not in the template`);
    return r;
  };

  it('trusts only scheduler.amazonaws.com, and only for schedules of this account', () => {
    const trust = (props(role()).AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('allows only lambda:InvokeFunction on the bake function and sqs:SendMessage on the dead-letter queue', () => {
    const deadLetters = new Set(schedules().map((s) => referencedId(s.target.DeadLetterConfig?.Arn)));

    const grants = inlineStatements(role()).map((s) => ({
      effect: s.Effect,
      actions: asArray(s.Action),
      resources: asArray(s.Resource).map((r) => referencedId(r) ?? r),
      condition: s.Condition,
    }));

    expect(grants).toEqual([
      { effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [BAKE_FUNCTION], condition: undefined },
      { effect: 'Allow', actions: ['sqs:SendMessage'], resources: [...deadLetters], condition: undefined },
    ]);
    expect(deadLetters.size).toBe(1);
  });

  it('is no function execution role, and the functions policy cannot invoke functions', () => {
    const functionRoles = resourcesOfType(template, 'AWS::Lambda::Function').map(([, f]) =>
      referencedId(props(f).Role),
    );
    const functionsInvoke = inlineStatements(template.Resources[FUNCTIONS_ROLE] ?? { Type: '' }).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('lambda:')),
    );

    expect(functionRoles.length).toBeGreaterThan(0);
    expect(new Set(functionRoles)).toEqual(new Set([FUNCTIONS_ROLE]));
    expect(functionsInvoke).toEqual([]);
  });
});

describe('amiRefreshDeploy.resources for other configs', () => {
  const service = (base: ServiceConfig, name: string, amiRefresh: ServiceConfig['amiRefresh']): ServiceConfig => ({
    ...structuredClone(base),
    name,
    autoScalingGroup: `${name}-asg`,
    amiRefresh,
  });
  const withServices = (make: (web: ServiceConfig) => ServiceConfig[]): FleetpilotConfig => {
    const web = config.services[0];
    if (!web?.amiRefresh) throw new Error('the packaged config should have a first service with amiRefresh');
    return { ...config, services: make(web) };
  };
  const typed = (resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>) =>
    Object.entries(resources).map(([id, r]) => ({
      id,
      type: r.Type,
      input: r.Properties?.Target ? JSON.parse((r.Properties.Target as ScheduleTarget).Input) : undefined,
      timezone: r.Properties?.ScheduleExpressionTimezone,
    }));

  it('declares nothing when no service has an amiRefresh section', () => {
    const plain = withServices((web) => [service(web, 'web', undefined)]);

    expect(amiRefreshDeploy.resources?.(plain)).toEqual({});
  });

  it('gives an adopted-image service retention only, in UTC, next to a scheduled bake of another', () => {
    const mixed = withServices((web) => [
      web,
      service(web, 'web-api', {
        ...structuredClone(web.amiRefresh as NonNullable<ServiceConfig['amiRefresh']>),
        source: { adopt: { owners: ['self'], namePrefix: 'api-' } },
        schedule: undefined,
      }),
    ]);

    const declared = typed(amiRefreshDeploy.resources?.(mixed) ?? {});

    expect(declared).toEqual([
      { id: SCHEDULER_ROLE, type: 'AWS::IAM::Role', input: undefined, timezone: undefined },
      {
        id: 'AmiBakeScheduleWeb',
        type: 'AWS::Scheduler::Schedule',
        input: { fleetpilot: 'ami-refresh', action: 'bake', service: 'web' },
        timezone: config.services[0]?.amiRefresh?.schedule?.timezone,
      },
      {
        id: 'AmiRetentionScheduleWeb',
        type: 'AWS::Scheduler::Schedule',
        input: { fleetpilot: 'ami-refresh', action: 'retention', service: 'web' },
        timezone: config.services[0]?.amiRefresh?.schedule?.timezone,
      },
      {
        id: 'AmiRetentionScheduleWebApi',
        type: 'AWS::Scheduler::Schedule',
        input: { fleetpilot: 'ami-refresh', action: 'retention', service: 'web-api' },
        timezone: 'UTC',
      },
    ]);
  });

  it('refuses two services whose names make the same logical id', () => {
    const clash = withServices((web) => [service(web, 'web-1', web.amiRefresh), service(web, 'web1', web.amiRefresh)]);

    expect(() => amiRefreshDeploy.resources?.(clash)).toThrow(LogicalIdConflictError);
  });
});

describe('the manual events (events/fleetpilot-ami-refresh-*.json)', () => {
  it.each(['bake', 'retention'] as const)(
    '%s: is the request a schedule sends, and the bake function parses it',
    (action) => {
      const text = readFileSync(join(REPO, 'events', `fleetpilot-ami-refresh-${action}.json`), 'utf8');
      const event = JSON.parse(text) as unknown;

      expect(parseRequest(event)).toEqual({ fleetpilot: 'ami-refresh', action, service: 'web' });
      expect(JSON.stringify(event)).toBe(bakeRequest(action, 'web'));
    },
  );
});
