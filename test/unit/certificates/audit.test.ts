/**
 * The daily audit on aws-sdk-client-mock: one digest when something needs attention (expiry, missing validation
 * record, site not covered, HTTP :80 not redirecting, certificates found on the watched listeners), nothing when all
 * is well, a heartbeat when configured and due.
 */
import { DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { heartbeatDue } from '../../../functions/certificates/audit';
import { watchedServices } from '../../../functions/certificates/flow';
import { makeCertificateAuditHandler } from '../../../functions/certificates/handlers';
import {
  acm,
  amazonIssued,
  CERT,
  configWith,
  elbv2,
  LB,
  makeDeps,
  OTHER_CERT,
  route53,
  sqs,
  VALIDATION,
} from './harness';

const REQUEST = { fleetpilot: 'certificates', action: 'audit' };

beforeEach(() => {
  acm.reset();
  elbv2.reset();
  route53.reset();
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [
      { Name: VALIDATION.name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: VALIDATION.value }] },
    ],
    IsTruncated: false,
    MaxItems: 1,
  });
});

function listeners(http80Redirects: boolean, httpsCertificate = CERT): void {
  elbv2.on(DescribeListenersCommand).resolves({
    Listeners: [
      { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: httpsCertificate }] },
      {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: http80Redirects
          ? [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }]
          : [{ Type: 'forward', TargetGroupArn: 'tg' }],
      },
    ],
  });
}

describe('the daily certificate audit', () => {
  it('sends nothing when all is well and no heartbeat is configured', async () => {
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(200) });
    listeners(true);
    const { deps, notifier } = makeDeps(configWith({ loadBalancers: [LB] }));

    const result = await makeCertificateAuditHandler(deps)(REQUEST);

    expect(result).toEqual({ status: 'quiet', checked: 1 });
    expect(notifier.sent).toHaveLength(0);
  });

  it('sends one digest listing every problem, at the worst severity found', async () => {
    // Arrange: the configured certificate expires in 5 days and its validation record is gone; the listener serves
    // another certificate that does not cover www.example.com; :80 forwards instead of redirecting.
    acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({ Certificate: amazonIssued(5) });
    acm.on(DescribeCertificateCommand, { CertificateArn: OTHER_CERT }).resolves({
      Certificate: amazonIssued(200, {
        CertificateArn: OTHER_CERT,
        Status: 'EXPIRED',
        SubjectAlternativeNames: ['api.example.org'],
        DomainValidationOptions: [],
      }),
    });
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 1 });
    listeners(false, OTHER_CERT);
    const { deps, notifier } = makeDeps(configWith({ loadBalancers: [LB] }));

    // Act
    const result = await makeCertificateAuditHandler(deps)(REQUEST);

    // Assert
    expect(notifier.sent).toHaveLength(1);
    const digest = notifier.sent[0];
    expect(digest?.kind).toBe('certificates.audit.attention');
    expect(digest?.severity).toBe('critical');
    const problems = (digest?.facts ?? []).map(([, v]) => v).join('\n');
    expect(problems).toMatch(/HTTP :80 listener does not redirect/);
    expect(problems).toMatch(/expires in 5 days/);
    expect(problems).toMatch(/validation CNAME .* missing — repaired/);
    expect(problems).toMatch(/status EXPIRED/);
    expect(result).toMatchObject({ status: 'attention' });
    expect(acm).toHaveReceivedCommandWith(DescribeCertificateCommand, { CertificateArn: OTHER_CERT });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('lists a configured certificate ACM does not have in the digest, and does not throw for a retry', async () => {
    acm.on(DescribeCertificateCommand, { CertificateArn: CERT }).resolves({ Certificate: amazonIssued(200) });
    acm
      .on(DescribeCertificateCommand, { CertificateArn: OTHER_CERT })
      .rejects(
        Object.assign(new Error(`Could not find certificate ${OTHER_CERT}.`), { name: 'ResourceNotFoundException' }),
      );
    const { deps, notifier } = makeDeps(configWith({}, { certificates: [CERT, OTHER_CERT] }));

    const result = await makeCertificateAuditHandler(deps)(REQUEST);

    expect(result).toMatchObject({ status: 'attention' });
    expect(notifier.sent.map((n) => n.kind)).toEqual(['certificates.audit.attention']);
    expect(notifier.sent[0]?.severity).toBe('critical');
    expect(notifier.sent[0]?.facts).toEqual([
      [`1. web ${OTHER_CERT}`, expect.stringMatching(/^critical: not found in ACM/)],
    ]);
  });

  it('still leaves another error of ACM to the Lambda retry', async () => {
    acm
      .on(DescribeCertificateCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { deps, notifier } = makeDeps(configWith({}));

    await expect(makeCertificateAuditHandler(deps)(REQUEST)).rejects.toThrow('Rate exceeded');
    expect(notifier.sent.map((n) => n.kind)).toEqual(['certificates.step.retrying']);
  });

  it('finds the site name not covered when no certificate names it (a wildcard covers one label only)', async () => {
    acm.on(DescribeCertificateCommand).resolves({
      Certificate: amazonIssued(200, { SubjectAlternativeNames: ['example.com', '*.shop.example.com'] }),
    });
    const { deps, notifier } = makeDeps(configWith({}));

    await makeCertificateAuditHandler(deps)(REQUEST);

    expect(notifier.sent[0]?.facts.map(([, v]) => v)).toContain(
      'critical: no valid certificate of the service covers the site name',
    );
  });

  it('sends the weekly heartbeat on Mondays in the audit time zone only', async () => {
    const config = configWith({ heartbeat: 'weekly', audit: { timezone: 'Pacific/Auckland' } });
    const service = watchedServices(config)[0];
    if (!service) throw new Error('no watched service');
    // 2026-11-29 is a Sunday in UTC; 20:00 UTC is already Monday 09:00 in Auckland.
    expect(heartbeatDue(service, Date.parse('2026-11-29T20:00:00Z'))).toBe(true);
    expect(heartbeatDue(service, Date.parse('2026-11-29T08:00:00Z'))).toBe(false);

    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(200) });
    const { deps, notifier } = makeDeps(configWith({ heartbeat: 'daily' }));
    const result = await makeCertificateAuditHandler(deps)(REQUEST);

    expect(result).toEqual({ status: 'heartbeat', checked: 1 });
    expect(notifier.sent[0]?.kind).toBe('certificates.audit.heartbeat');
  });

  it('refuses any other input', async () => {
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateAuditHandler(deps)({ fleetpilot: 'ami-refresh', action: 'bake' });

    expect(result).toMatchObject({ status: 'rejected' });
    expect(notifier.sent[0]?.kind).toBe('certificates.event.invalid');
  });
});
