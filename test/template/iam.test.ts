/**
 * The functions' IAM policy (serverless's IamRoleLambdaExecution; other roles are checked on their own), read from
 * the packaged template, against the AWS calls the code makes: nothing missing, nothing extra, no wildcard actions,
 * and every mutating action scoped to resources named by the config.
 *
 * "The calls the code makes" = every `new XxxCommand(` in functions/ and shared/ whose class is imported from an AWS
 * SDK v3 client package, mapped to `<service prefix>:Xxx`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEDULER_ROLE } from '../../functions/ami-refresh/deploy';
import { AUDIT_SCHEDULER_ROLE } from '../../functions/certificates/deploy';
import { recordNamePatterns } from '../../functions/lifecycle/deploy';
import { SCALE_SCHEDULER_ROLE } from '../../functions/schedule/deploy';
import { SITE_SCHEDULER_ROLE } from '../../functions/site/deploy';
import { actionsCalledByCode, DEPENDENT_ACTIONS, sourceFiles } from './sdk-calls';
import {
  asArray,
  FUNCTIONS_ROLE,
  functionsPolicyStatements,
  loadTemplate,
  type PolicyStatement,
  packagedConfig,
  props,
  REPO,
  referencedId,
  renderString,
  resourcesOfType,
  type Template,
} from './template';

type Statement = PolicyStatement;

const isReadOnly = (action: string) => /^[a-z0-9-]+:(Describe|List|Get)/.test(action);

let template: Template;
let statements: Statement[];
let called: Map<string, string[]>;

beforeAll(() => {
  template = loadTemplate();
  statements = functionsPolicyStatements(template);
  called = actionsCalledByCode([...sourceFiles(join(REPO, 'functions')), ...sourceFiles(join(REPO, 'shared'))]);
});

const allows = () => statements.filter((s) => s.Effect === 'Allow');
const granted = () => new Set(allows().flatMap((s) => asArray(s.Action)));

describe('the functions IAM policy', () => {
  it("reads the functions' own role; every other role is one a test checks on its own", () => {
    // The Scheduler roles: test/template/ami-refresh-schedules.test.ts, test/template/site-deploy.test.ts,
    // test/template/schedule-scaling.test.ts; the certificate audit's: test/unit/certificates/deploy.test.ts.
    const checkedElsewhere = [SCHEDULER_ROLE, SITE_SCHEDULER_ROLE, AUDIT_SCHEDULER_ROLE, SCALE_SCHEDULER_ROLE];
    const roles = resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id);

    expect(roles.sort()).toEqual([FUNCTIONS_ROLE, ...checkedElsewhere].sort());
    expect(statements.some((s) => asArray(s.Action).includes('sns:Publish'))).toBe(true);
    expect(statements.some((s) => asArray(s.Action).includes('lambda:InvokeFunction'))).toBe(false);
  });

  it('finds the SDK calls the code makes (sanity check of the scan)', () => {
    expect(called.has('sns:Publish')).toBe(true);
    expect(called.size).toBeGreaterThan(5);
  });

  it('uses no wildcard actions and no NotAction', () => {
    const wildcards = allows().flatMap((s) => asArray(s.Action).filter((a) => a.includes('*')));
    const notActions = statements.filter((s) => s.NotAction !== undefined);

    expect(wildcards).toEqual([]);
    expect(notActions).toEqual([]);
  });

  it('grants every action the code calls', () => {
    const have = granted();
    const missing = [...called].filter(([action]) => !have.has(action)).map(([a, files]) => `${a} (${files[0]})`);

    expect(missing).toEqual([]);
  });

  it('grants nothing the code never calls, except what Lambda logging, SQS polling, destinations and dependent actions need', () => {
    const region = packagedConfig().region;
    const render = (v: unknown) => renderString(v, region);
    const sourceQueues = new Set(
      resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => render(props(m).EventSourceArn)),
    );
    const destinations = new Set(
      resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').flatMap(([, c]) => {
        const config = props(c).DestinationConfig as Record<string, { Destination: unknown }> | undefined;
        return Object.values(config ?? {}).map((d) => render(d.Destination));
      }),
    );
    const frameworkNeeds = (action: string, resources: string[]): boolean => {
      if (['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'].includes(action)) {
        return resources.every((r) => r.includes(':log-group:/aws/lambda/'));
      }
      if (['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].includes(action)) {
        return resources.every((r) => sourceQueues.has(r));
      }
      if (action === 'sqs:SendMessage') return resources.every((r) => destinations.has(r));
      // Publishing to the KMS-encrypted alerts topic (SNS developer guide, "Encryption at rest").
      if (['kms:GenerateDataKey', 'kms:Decrypt'].includes(action))
        return resources.every((r) => r.includes('AlertsKey'));
      return false;
    };

    // Checked by AWS on the functions' behalf when they call an action that depends on it (sdk-calls.ts).
    const dependent = new Set([...called.keys()].flatMap((action) => DEPENDENT_ACTIONS[action] ?? []));

    const extra = allows().flatMap((s) => {
      const resources = asArray(s.Resource).map(render);
      return asArray(s.Action).filter((a) => !called.has(a) && !dependent.has(a) && !frameworkNeeds(a, resources));
    });

    expect(extra).toEqual([]);
  });

  it('scopes every mutating action to resources, never "*"', () => {
    const unscoped = allows().flatMap((s) =>
      asArray(s.Action).filter((a) => !isReadOnly(a) && asArray(s.Resource).some((r) => r === '*')),
    );

    expect(unscoped).toEqual([]);
  });

  it('scopes mutating actions to the groups, target groups and zones the config names', () => {
    const config = packagedConfig();
    const render = (v: unknown) => renderString(v, config.region);
    const groups = config.services.map((s) => s.autoScalingGroup);
    // The site capability's own Route 53 and listener statements (Sid "Site…"): test/template/site-deploy.test.ts.
    const lifecycleAndAmi = () => allows().filter((s) => !String(s.Sid ?? '').startsWith('Site'));
    const resourcesOf = (action: string) =>
      lifecycleAndAmi()
        .filter((s) => asArray(s.Action).includes(action))
        .flatMap((s) => asArray(s.Resource).map(render));
    const conditionsOf = (action: string) =>
      lifecycleAndAmi()
        .filter((s) => asArray(s.Action).includes(action))
        .map((s) => s.Condition ?? {});

    const groupArns = groups.map(
      (g) => `arn:aws:autoscaling:${config.region}:123456789012:autoScalingGroup:*:autoScalingGroupName/${g}`,
    );
    expect(resourcesOf('autoscaling:CompleteLifecycleAction').sort()).toEqual([...groupArns].sort());
    expect(resourcesOf('autoscaling:RecordLifecycleActionHeartbeat').sort()).toEqual([...groupArns].sort());

    const targetGroups = [...new Set(config.services.flatMap((s) => s.targetGroups))].sort();
    expect(resourcesOf('elasticloadbalancing:RegisterTargets').sort()).toEqual(targetGroups);
    expect(resourcesOf('elasticloadbalancing:DeregisterTargets').sort()).toEqual(targetGroups);

    const zoneIds = new Set(
      config.services.flatMap((s) => s.dns.records.map((r) => config.hostedZones[r.zone]?.id ?? '')),
    );
    const zoneArns = [...zoneIds].map((id) => `arn:aws:route53:::hostedzone/${id}`).sort();
    expect(resourcesOf('route53:ChangeResourceRecordSets').sort()).toEqual(zoneArns);
    for (const condition of conditionsOf('route53:ChangeResourceRecordSets')) {
      expect(condition['ForAllValues:StringEquals']?.['route53:ChangeResourceRecordSetsRecordTypes']).toEqual(['A']);
    }
    // The example's names, as IAM patterns: an instance id is "i-" and 17 characters, an IP 7 to 15.
    const names = conditionsOf('route53:ChangeResourceRecordSets').flatMap((c) =>
      asArray(c['ForAllValues:StringLike']?.['route53:ChangeResourceRecordSetsNormalizedRecordNames']),
    );
    expect(names).toContain('i-?????????????????.web.internal.example.com');
    expect(names).toContain(`${config.region}*-???????.web.internal.example.com`);
    expect(names).toContain(`${config.region}*-???????????????.web.internal.example.com`);
    expect(names.some((n) => String(n).startsWith('*'))).toBe(false);

    for (const action of ['ec2:CreateTags']) {
      // Instances: the lifecycle capability's statement (images and snapshots, and tags at launch only, which
      // ec2:CreateAction keeps to RunInstances: test/template/ami-refresh-iam.test.ts).
      const onInstances = allows().filter(
        (s) =>
          asArray(s.Action).includes(action) &&
          s.Condition?.StringEquals?.['ec2:CreateAction'] === undefined &&
          asArray(s.Resource)
            .map(render)
            .some((r) => r.includes(':instance/')),
      );
      expect(onInstances.flatMap((s) => asArray(s.Resource).map(render))).toEqual([
        `arn:aws:ec2:${config.region}:123456789012:instance/*`,
      ]);
      for (const condition of onInstances.map((s) => s.Condition ?? {})) {
        expect(condition.StringEquals?.['aws:ResourceTag/aws:autoscaling:groupName']).toEqual(groups);
        expect(condition['ForAllValues:StringLike']?.['aws:TagKeys']).toEqual(['fleetpilot:*']);
        expect(condition.Null?.['aws:TagKeys']).toBe('false');
      }
    }

    const topic = ['<Ref:AlertsTopic>'];
    expect(resourcesOf('sns:Publish')).toEqual(topic);
  });

  it('reads an aliased or multi-line import correctly (the scan itself works)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-scan-'));
    const file = join(dir, 'sample.ts');
    writeFileSync(
      file,
      [
        "import {\n  type EC2Client,\n  DescribeImagesCommand as Images,\n  CreateTagsCommand,\n} from '@aws-sdk/client-ec2';",
        "import { PublishCommand } from '@aws-sdk/client-sns';",
        'class LocalCommand {}',
        'new Images({}); new CreateTagsCommand({}); new PublishCommand({}); new LocalCommand();',
      ].join('\n'),
    );

    expect([...actionsCalledByCode([file]).keys()].sort()).toEqual([
      'ec2:CreateTags',
      'ec2:DescribeImages',
      'sns:Publish',
    ]);
    expect(referencedId({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('Queue');
  });
});

describe('record name patterns in the Route 53 conditions', () => {
  const context = { region: 'eu-west-1', service: 'web', asgName: 'Web-ASG' };
  /** IAM StringLike: "*" any run of characters, "?" any one character, the rest literal. */
  const iamMatches = (pattern: string, name: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(name);
  const grants = (pattern: string, name: string) =>
    recordNamePatterns(pattern, context).some((p) => iamMatches(p, name));

  it('grants the name of every instance id, and no name with more labels in its place', () => {
    expect(grants('{instanceId}.example.com', 'i-0123456789abcdef0.example.com')).toBe(true);
    expect(grants('{instanceId}.example.com', 'www.example.com')).toBe(false);
    expect(grants('{instanceId}.example.com', 'api.internal.example.com')).toBe(false);
    expect(grants('{instanceId}.example.com', 'a.b.c.d.e.f.g.h.i.j.example.com')).toBe(false);
  });

  it('grants every IPv4 length, dotted or dashed, and nothing longer', () => {
    for (const ip of ['1.2.3.4', '10.0.1.23', '203.113.255.254']) {
      expect(grants('{privateIp}.ip.example.com', `${ip}.ip.example.com`)).toBe(true);
      expect(grants('{publicIpDashed}.ip.example.com', `${ip.replaceAll('.', '-')}.ip.example.com`)).toBe(true);
    }
    expect(grants('{privateIp}.ip.example.com', 'mail.ip.example.com')).toBe(false);
    expect(grants('{privateIp}.ip.example.com', 'a-very-long-name.ip.example.com')).toBe(false);
  });

  it('spells out {service} and {asgName}, and keeps {az} to the region', () => {
    expect(recordNamePatterns('{instanceId}.{service}.{asgName}.example.com', context)).toEqual([
      'i-?????????????????.web.web-asg.example.com',
    ]);
    expect(grants('{az}-{instanceId}.example.com', 'eu-west-1a-i-0123456789abcdef0.example.com')).toBe(true);
    expect(grants('{az}-{instanceId}.example.com', 'us-east-1a-i-0123456789abcdef0.example.com')).toBe(false);
  });

  it('falls back to "*" for IPs when the alternatives would pass 81, and escapes a literal "*" label', () => {
    expect(recordNamePatterns('{privateIpDashed}-{publicIpDashed}.example.com', context)).toHaveLength(81);
    expect(recordNamePatterns('{privateIp}-{publicIp}-{privateIpDashed}.example.com', context)).toEqual([
      '*-*-*.example.com',
    ]);
    expect(recordNamePatterns('*.{instanceId}.example.com.', context)).toEqual([
      '\\052.i-?????????????????.example.com',
    ]);
  });
});
