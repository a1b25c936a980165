/**
 * What the certificate capability declares for the stack (functions/certificates/deploy.ts): the rule routes AWS's
 * sample events only for watched certificates, the audit schedule invokes the audit function with the request it
 * parses through a role trusted by Scheduler for this account only, and the functions' statements are scoped to the
 * configured certificates and public zones (the notice tag key only).
 */
import {
  AUDIT_FUNCTION,
  AUDIT_SCHEDULE,
  AUDIT_SCHEDULER_ROLE,
  certificatesDeploy,
  NO_CERTIFICATE,
} from '../../../functions/certificates/deploy';
import { parseAuditRequest } from '../../../functions/certificates/events';
import { NOTICE_TAG } from '../../../functions/certificates/notice';
import { configSchema } from '../../../shared/config/schema';
import { matchesEventPattern } from '../../../sim/wiring';
import { loadEvent } from '../../helpers/events';
import { CERT, configWith, LB, PUBLIC_ZONE } from './harness';

const SAMPLES = [
  'acm-certificate-approaching-expiration',
  'acm-certificate-approaching-expiration-legacy',
  'acm-certificate-expired',
  'acm-certificate-renewal-action-required',
  'acm-certificate-available',
];

describe('the certificate rule', () => {
  const pattern = certificatesDeploy.eventPatterns(configWith({})).certificatesEvent;

  it.each(SAMPLES)('routes %s for a watched certificate, never as published', (name) => {
    const event = loadEvent<{ resources: string[] }>(name);
    if (!pattern) throw new Error('no certificatesEvent pattern');

    expect(matchesEventPattern(pattern, event)).toBe(false);
    event.resources = [CERT];
    expect(matchesEventPattern(pattern, event)).toBe(true);
  });

  it('matches no certificate, grants nothing and schedules nothing when no service watches any', () => {
    const config = configSchema.parse({
      region: 'eu-west-1',
      notifications: { topicName: 'alerts' },
      hostedZones: { public: { id: PUBLIC_ZONE, domain: 'example.com' } },
      services: [
        {
          name: 'web',
          autoScalingGroup: 'web-asg',
          certificates: [CERT],
          dns: { records: [{ name: '{instanceId}.x.example.com', zone: 'public', value: 'publicIp' }] },
        },
      ],
    });

    expect(certificatesDeploy.eventPatterns(config).certificatesEvent).toMatchObject({ resources: [NO_CERTIFICATE] });
    expect(certificatesDeploy.iamStatements(config)).toEqual([]);
    expect(certificatesDeploy.resources?.(config)).toEqual({});
  });
});

describe('the audit schedule', () => {
  const resources =
    certificatesDeploy.resources?.(configWith({ audit: { cron: 'cron(30 6 * * ? *)', timezone: 'Europe/Paris' } })) ??
    {};

  it('invokes the audit function daily in the configured time zone with the request it parses', () => {
    const p = resources[AUDIT_SCHEDULE]?.Properties as Record<string, unknown> & { Target: Record<string, unknown> };

    expect(p.ScheduleExpression).toBe('cron(30 6 * * ? *)');
    expect(p.ScheduleExpressionTimezone).toBe('Europe/Paris');
    expect(p.Target.Arn).toEqual({ 'Fn::GetAtt': [AUDIT_FUNCTION, 'Arn'] });
    expect(p.Target.RoleArn).toEqual({ 'Fn::GetAtt': [AUDIT_SCHEDULER_ROLE, 'Arn'] });
    expect(() => parseAuditRequest(JSON.parse(String(p.Target.Input)))).not.toThrow();
    expect(p.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] } });
  });

  it('uses a role trusted by Scheduler for this account only, allowed to invoke the audit and dead-letter', () => {
    const p = resources[AUDIT_SCHEDULER_ROLE]?.Properties as {
      AssumeRolePolicyDocument: { Statement: Array<Record<string, unknown>> };
      Policies: Array<{ PolicyDocument: { Statement: Array<{ Action: string; Resource: unknown }> } }>;
    };

    expect(p.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    expect(p.Policies.flatMap((x) => x.PolicyDocument.Statement.map((s) => [s.Action, s.Resource]))).toEqual([
      ['lambda:InvokeFunction', { 'Fn::GetAtt': [AUDIT_FUNCTION, 'Arn'] }],
      ['sqs:SendMessage', { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] }],
    ]);
  });
});

describe('the functions statements', () => {
  it('write only the notice tag, only on watched certificates; read only public zones', () => {
    const statements = certificatesDeploy.iamStatements(configWith({}));
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

    expect(bySid.CertificatesWriteNotice).toMatchObject({
      Action: ['acm:AddTagsToCertificate'],
      Resource: [CERT],
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [NOTICE_TAG] } },
    });
    expect(bySid.CertificatesDescribe?.Resource).toEqual([CERT]);
    expect(JSON.stringify(bySid.CertificatesReadValidationRecords?.Resource)).toContain(`hostedzone/${PUBLIC_ZONE}`);
    expect(JSON.stringify(bySid.CertificatesReadValidationRecords?.Resource)).not.toContain('Z0EXAMPLEPRIVATE01');
  });

  it("widens DescribeCertificate to the account's certificates only when listeners are audited", () => {
    const statements = certificatesDeploy.iamStatements(configWith({ loadBalancers: [LB] }));
    const describe = statements.find((s) => s.Sid === 'CertificatesDescribe');

    expect(JSON.stringify(describe?.Resource)).toContain(':certificate/*');
  });
});
