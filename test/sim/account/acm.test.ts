/**
 * The simulated ACM (sim/acm.ts) through real SDK clients: DescribeCertificate fields, errors as ACM sends them,
 * ListCertificates filters and paging, tags, the account's DaysBeforeExpiry, one validation record per name shared by
 * certificates, managed renewal that needs the CNAME in Route 53, and the events on ACM's documented schedule.
 */
import {
  AddTagsToCertificateCommand,
  DescribeCertificateCommand,
  GetAccountConfigurationCommand,
  InvalidArnException,
  InvalidTagException,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  PutAccountConfigurationCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-acm';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { DAY_MS } from '../../../sim/acm';
import { type Harness, rejectionOf, startAccount } from './harness';

/** Virtual days pass in one-second steps (sim/clock.ts): a few real seconds each on a loaded machine. */
jest.setTimeout(120_000);

const START = Date.parse('2026-01-05T09:00:00.000Z');
/** A user ACM knows but the sim does not model (load balancers come from their listeners: acm-in-use.test.ts). */
const API_DOMAIN = 'arn:aws:apigateway:eu-west-1::/domainnames/example.com';

describe('simulated ACM', () => {
  let h: Harness;
  afterEach(() => h.done());

  const acmEvents = () =>
    h.account.emittedEvents().filter((e) => e.source === 'aws.acm') as Array<{
      'detail-type': string;
      resources: string[];
      detail: Record<string, unknown>;
    }>;

  async function writeValidationRecord(name: string, value: string): Promise<void> {
    await h.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: h.account.route53.zoneIdOf('example.com.'),
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: value }] },
            },
          ],
        },
      }),
    );
  }

  it('describes an Amazon-issued DNS-validated certificate with its validation records, shared by names and certificates', async () => {
    h = startAccount({ zones: [{ name: 'example.com' }] });
    const first = h.account.acm.addCertificate({
      domainName: 'example.com',
      subjectAlternativeNames: ['*.example.com'],
      inUseBy: [API_DOMAIN],
    });
    const second = h.account.acm.addCertificate({
      domainName: 'www.example.com',
      subjectAlternativeNames: ['example.com'],
    });

    const { Certificate: c } = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: first }));
    const { Certificate: d } = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: second }));

    expect(c).toMatchObject({
      CertificateArn: first,
      DomainName: 'example.com',
      SubjectAlternativeNames: ['example.com', '*.example.com'],
      Type: 'AMAZON_ISSUED',
      Status: 'ISSUED',
      InUseBy: [API_DOMAIN],
      RenewalEligibility: 'ELIGIBLE',
    });
    expect(c?.NotAfter?.getTime()).toBe(START + 395 * DAY_MS);
    const records = (c?.DomainValidationOptions ?? []).map((o) => o.ResourceRecord);
    expect(records[0]).toEqual(records[1]);
    expect(records[0]?.Name).toMatch(/^_[0-9a-f]{32}\.example\.com\.$/);
    expect(records[0]?.Value).toMatch(/\.acm-validations\.aws\.$/);
    expect(d?.DomainValidationOptions?.[1]?.ResourceRecord).toEqual(records[0]);
    expect(d?.RenewalEligibility).toBe('INELIGIBLE');
    expect(acmEvents().map((e) => [e['detail-type'], e.detail.Action])).toEqual([
      ['ACM Certificate Available', 'ISSUANCE'],
      ['ACM Certificate Available', 'ISSUANCE'],
    ]);
  });

  it('refuses ARNs as ACM does: malformed, of another account, unknown', async () => {
    h = startAccount({});

    const malformed = await rejectionOf(h.acm.send(new DescribeCertificateCommand({ CertificateArn: 'nope' })));
    const foreign = await rejectionOf(
      h.acm.send(
        new DescribeCertificateCommand({ CertificateArn: 'arn:aws:acm:eu-west-1:999999999999:certificate/abc' }),
      ),
    );
    const unknown = await rejectionOf(
      h.acm.send(
        new DescribeCertificateCommand({ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }),
      ),
    );

    expect(malformed).toBeInstanceOf(ValidationException);
    expect(foreign).toBeInstanceOf(InvalidArnException);
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect((unknown as Error).message).toBe(
      'Could not find certificate arn:aws:acm:eu-west-1:123456789012:certificate/abc.',
    );
  });

  it('lists with status and key-type filters, RSA 2048 by default, and pages with NextToken', async () => {
    h = startAccount({});
    const arns = [1, 2, 3].map((i) => h.account.acm.addCertificate({ domainName: `s${i}.example.com` }));
    h.account.acm.addCertificate({ domainName: 'ec.example.com', keyAlgorithm: 'EC_prime256v1' });
    h.account.acm.addCertificate({ domainName: 'old.example.com', notBefore: START - 400 * DAY_MS });

    const page1 = await h.acm.send(new ListCertificatesCommand({ CertificateStatuses: ['ISSUED'], MaxItems: 2 }));
    const page2 = await h.acm.send(
      new ListCertificatesCommand({ CertificateStatuses: ['ISSUED'], MaxItems: 2, NextToken: page1.NextToken }),
    );
    const ec = await h.acm.send(new ListCertificatesCommand({ Includes: { keyTypes: ['EC_prime256v1'] } }));
    const expired = await h.acm.send(new ListCertificatesCommand({ CertificateStatuses: ['EXPIRED'] }));

    const listed = [...(page1.CertificateSummaryList ?? []), ...(page2.CertificateSummaryList ?? [])];
    expect(listed.map((s) => s.CertificateArn).sort()).toEqual([...arns].sort());
    expect(page2.NextToken).toBeUndefined();
    expect(ec.CertificateSummaryList?.map((s) => s.DomainName)).toEqual(['ec.example.com']);
    expect(expired.CertificateSummaryList?.map((s) => s.DomainName)).toEqual(['old.example.com']);
  });

  it('keeps tags, refusing the reserved aws: prefix', async () => {
    h = startAccount({});
    const arn = h.account.acm.addCertificate({ domainName: 'example.com', tags: { team: 'web' } });

    await h.acm.send(
      new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: [{ Key: 'fleetpilot:notice', Value: 'x' }] }),
    );
    const reserved = await rejectionOf(
      h.acm.send(new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: [{ Key: 'aws:owner', Value: 'x' }] })),
    );
    const { Tags } = await h.acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));

    expect(Tags).toEqual([
      { Key: 'team', Value: 'web' },
      { Key: 'fleetpilot:notice', Value: 'x' },
    ]);
    expect(reserved).toBeInstanceOf(InvalidTagException);
  });

  it('keeps DaysBeforeExpiry (default 45, 1–45) and sends Approaching Expiration daily from it', async () => {
    h = startAccount({});
    h.account.acm.addCertificate({ domainName: 'example.com', type: 'IMPORTED', notAfter: START + 12 * DAY_MS });

    const before = await h.acm.send(new GetAccountConfigurationCommand({}));
    const bad = await rejectionOf(
      h.acm.send(
        new PutAccountConfigurationCommand({ IdempotencyToken: 't1', ExpiryEvents: { DaysBeforeExpiry: 60 } }),
      ),
    );
    await h.acm.send(
      new PutAccountConfigurationCommand({ IdempotencyToken: 't2', ExpiryEvents: { DaysBeforeExpiry: 10 } }),
    );
    await h.clock.advance(5 * DAY_MS);

    expect(before.ExpiryEvents?.DaysBeforeExpiry).toBe(45);
    expect(bad).toBeInstanceOf(ValidationException);
    const days = acmEvents()
      .filter((e) => e['detail-type'] === 'ACM Certificate Approaching Expiration')
      .map((e) => e.detail.DaysToExpiry);
    expect(days).toEqual([10, 9, 8, 7]);
  });

  it('renews a DNS-validated certificate only while its validation CNAME resolves, with events on the way', async () => {
    h = startAccount({ zones: [{ name: 'example.com' }] });
    const arn = h.account.acm.addCertificate({
      domainName: 'example.com',
      inUseBy: [API_DOMAIN],
      notBefore: START - 349 * DAY_MS,
    });
    // A day later 45 days are left: the renewal attempt fails (nobody wrote the record) and ACM asks for action.
    await h.clock.advance(DAY_MS);
    const blocked = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    const required = acmEvents().filter((e) => e['detail-type'] === 'ACM Certificate Renewal Action Required');

    const record = h.account.acm.validationRecordOf('example.com');
    await writeValidationRecord(record.name, record.value);
    await h.clock.advance(DAY_MS);
    const renewed = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));

    expect(blocked.Certificate?.RenewalSummary?.RenewalStatus).toBe('PENDING_VALIDATION');
    expect(required.map((e) => e.detail)).toEqual([
      {
        CertificateType: 'AMAZON_ISSUED',
        CommonName: 'example.com',
        DomainValidationMethod: 'DNS',
        RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION',
        DaysToExpiry: 45,
        CertificateExpirationDate: '2026-02-20T09:00:00Z',
      },
    ]);
    expect(renewed.Certificate?.RenewalSummary?.RenewalStatus).toBe('SUCCESS');
    expect(renewed.Certificate?.NotAfter?.getTime()).toBe(START + 2 * DAY_MS + 395 * DAY_MS);
    expect(acmEvents().at(-1)).toMatchObject({
      'detail-type': 'ACM Certificate Available',
      detail: { Action: 'RENEWAL' },
    });
  });

  it('renews an e-mail-validated certificate only after the owner approves, and a private one on its own', async () => {
    h = startAccount({});
    const email = h.account.acm.addCertificate({
      domainName: 'mail.example.com',
      validationMethod: 'EMAIL',
      inUseBy: [API_DOMAIN],
      notBefore: START - 349 * DAY_MS,
    });
    const internal = h.account.acm.addCertificate({
      domainName: 'api.internal.example.com',
      type: 'PRIVATE',
      exported: true,
      notBefore: START - 349 * DAY_MS,
    });

    await h.clock.advance(DAY_MS);
    const waiting = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: email }));
    const required = acmEvents().filter((e) => e['detail-type'] === 'ACM Certificate Renewal Action Required');
    h.account.acm.approveEmailRenewal(email);
    await h.clock.advance(DAY_MS);
    const approved = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: email }));

    expect(waiting.Certificate?.RenewalSummary?.RenewalStatus).toBe('PENDING_VALIDATION');
    expect(waiting.Certificate?.DomainValidationOptions?.[0]?.ValidationEmails).toContain('admin@mail.example.com');
    expect(required.map((e) => [e.resources[0], e.detail.DomainValidationMethod])).toEqual([[email, 'EMAIL']]);
    expect(approved.Certificate?.RenewalSummary?.RenewalStatus).toBe('SUCCESS');
    const renewals = acmEvents()
      .filter((e) => e.detail.Action === 'RENEWAL')
      .map((e) => e.resources[0]);
    expect(renewals).toEqual([internal, email]);
  });

  it('never renews an imported certificate, and sends no Expired event for it', async () => {
    h = startAccount({});
    const arn = h.account.acm.addCertificate({
      domainName: 'example.com',
      type: 'IMPORTED',
      notAfter: START + 2 * DAY_MS,
    });
    const issued = h.account.acm.addCertificate({
      domainName: 'b.example.com',
      notBefore: START - 394 * DAY_MS,
      notAfter: START + 2 * DAY_MS,
    });

    await h.clock.advance(3 * DAY_MS);
    const { Certificate } = await h.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));

    expect(Certificate).toMatchObject({ Status: 'EXPIRED', RenewalEligibility: 'INELIGIBLE' });
    expect(
      acmEvents()
        .filter((e) => e['detail-type'] === 'ACM Certificate Expired')
        .map((e) => e.resources[0]),
    ).toEqual([issued]);
  });
});
