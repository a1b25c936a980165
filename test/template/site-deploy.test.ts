/**
 * The site capability in the packaged template: two EventBridge Scheduler schedules per service with siteDns (hourly
 * check and repair, daily full report) that invoke the check function with the request it parses, through a role
 * trusted by Scheduler for this account only; the functions policy's site statements scoped to the site zone, the
 * site names and the configured load balancer's listeners.
 */
import { LogicalIdConflictError } from '../../deploy/scheduler';
import { ownerName } from '../../functions/site/alias';
import {
  checkRequest,
  DAILY_REPORT,
  HOURLY_CHECK,
  SITE_CHECK_FUNCTION,
  SITE_SCHEDULER_ROLE,
  siteDeploy,
} from '../../functions/site/deploy';
import { parseSiteRequest } from '../../functions/site/events';
import type { FleetpilotConfig } from '../../shared/config/schema';
import {
  asArray,
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

let template: Template;
let config: FleetpilotConfig;

beforeAll(() => {
  template = loadTemplate();
  config = packagedConfig();
});

interface Target {
  Arn: unknown;
  RoleArn: unknown;
  Input: string;
  DeadLetterConfig?: { Arn: unknown };
}

const siteSchedules = () =>
  resourcesOfType(template, 'AWS::Scheduler::Schedule')
    .filter(([id]) => id.startsWith('Site'))
    .map(([id, r]) => ({ id, p: props(r), target: props(r).Target as Target }));

describe('the site schedules in the packaged template', () => {
  it('checks every service with siteDns hourly (telling changes) and reports daily (telling all)', () => {
    const services = config.services.filter((s) => s.siteDns).map((s) => s.name);
    expect(services.length).toBeGreaterThan(0);

    const got = siteSchedules()
      .map((s) => ({ expression: s.p.ScheduleExpression, input: JSON.parse(s.target.Input) }))
      .sort((a, b) => String(a.expression).localeCompare(String(b.expression)));

    expect(got).toEqual(
      services.flatMap((service) => [
        { expression: DAILY_REPORT, input: { fleetpilot: 'site', action: 'check', service, report: 'all' } },
        { expression: HOURLY_CHECK, input: { fleetpilot: 'site', action: 'check', service, report: 'changes' } },
      ]),
    );
  });

  it('invokes the check function with a request it parses, through the site Scheduler role, with a dead-letter queue', () => {
    for (const s of siteSchedules()) {
      expect(referencedId(s.target.Arn)).toBe(SITE_CHECK_FUNCTION);
      expect(referencedId(s.target.RoleArn)).toBe(SITE_SCHEDULER_ROLE);
      expect(parseSiteRequest(JSON.parse(s.target.Input))).toEqual(JSON.parse(s.target.Input));
      expect(referencedId(s.target.DeadLetterConfig?.Arn)).toBe('FailedEventsQueue');
      expect(s.p.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
    expect(template.Resources[SITE_CHECK_FUNCTION]?.Type).toBe('AWS::Lambda::Function');
  });

  it('gives the Scheduler role only lambda:InvokeFunction on the check function and sqs:SendMessage on the DLQ', () => {
    const role = template.Resources[SITE_SCHEDULER_ROLE];
    if (!role) throw new Error(`${SITE_SCHEDULER_ROLE} is not in the template`);
    const trust = (props(role).AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(
      inlineStatements(role).map((s) => [asArray(s.Action), asArray(s.Resource).map((r) => referencedId(r))]),
    ).toEqual([
      [['lambda:InvokeFunction'], [SITE_CHECK_FUNCTION]],
      [['sqs:SendMessage'], ['FailedEventsQueue']],
    ]);
  });

  it('declares nothing for a config without siteDns, and refuses two services making one logical id', () => {
    const web = config.services[0];
    if (!web?.siteDns) throw new Error('the packaged config should have a first service with siteDns');
    const without = { ...config, services: config.services.map((s) => ({ ...s, siteDns: undefined })) };
    const clash = {
      ...config,
      services: [
        { ...web, name: 'web-1' },
        { ...web, name: 'web1', autoScalingGroup: 'other-asg' },
      ],
    };

    expect(siteDeploy.resources?.(without)).toEqual({});
    expect(siteDeploy.iamStatements(without)).toEqual([]);
    expect(() => siteDeploy.resources?.(clash)).toThrow(LogicalIdConflictError);
    expect(checkRequest('web', 'changes')).toBe(
      '{"fleetpilot":"site","action":"check","service":"web","report":"changes"}',
    );
  });
});

describe('the site statements of the functions policy', () => {
  const site = () => functionsPolicyStatements(template).filter((s) => String(s.Sid ?? '').startsWith('Site'));
  const render = (v: unknown) => renderString(v, config.region);

  it('changes only the site names and their owner records, A/AAAA/TXT, in the site zone', () => {
    const web = config.services.find((s) => s.siteDns && s.site);
    const zone = web?.site ? config.hostedZones[web.site.zone] : undefined;
    if (!web?.site || !zone) throw new Error('the packaged config should have a service with site and siteDns');
    const changes = site().filter((s) => asArray(s.Action).includes('route53:ChangeResourceRecordSets'));

    expect(changes.flatMap((s) => asArray(s.Resource).map(render))).toEqual([
      `arn:aws:route53:::hostedzone/${zone.id}`,
    ]);
    expect(changes[0]?.Condition?.['ForAllValues:StringEquals']).toEqual({
      'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'TXT'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': [web.site.domain, ownerName(web.site.domain)],
    });
  });

  it('changes listeners of the configured load balancer only', () => {
    const ref = config.services.find((s) => s.siteDns?.rotation)?.siteDns?.loadBalancer ?? '';
    // By ARN: its own listeners (`listener/app/<name>/<id>/…`); by name: every load balancer of that name.
    const lb = ref.startsWith('arn:') ? (ref.split(':loadbalancer/')[1]?.replace(/^(app|net)\//, '') ?? '') : ref;
    const rotate = site().filter((s) => asArray(s.Action).includes('elasticloadbalancing:ModifyListener'));
    const resources = rotate.flatMap((s) => asArray(s.Resource).map(render));

    expect(lb).not.toBe('');
    expect(resources.length).toBeGreaterThan(0);
    for (const arn of resources) {
      expect(arn).toMatch(
        new RegExp(`^arn:aws:elasticloadbalancing:${config.region}:123456789012:listener/(app|net)/${lb}/`),
      );
    }
    expect(asArray(rotate[0]?.Action).sort()).toEqual([
      'elasticloadbalancing:AddListenerCertificates',
      'elasticloadbalancing:ModifyListener',
      'elasticloadbalancing:RemoveListenerCertificates',
    ]);
  });
});
