/**
 * The certificate event handler on aws-sdk-client-mock: what it says (type, validation, renewal, names, listeners,
 * site names), thresholds and duplicates (the notice tag), validation repair through the writer's queue (one change
 * per shared record, never a DELETE), imported certificates, and dry run.
 */
import {
  AddTagsToCertificateCommand,
  DescribeCertificateCommand,
  ListTagsForCertificateCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-acm';
import { DescribeListenersCommand, DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { makeCertificateEventHandler } from '../../../functions/certificates/handlers';
import { NOTICE_TAG } from '../../../functions/certificates/notice';
import { loadEvent } from '../../helpers/events';
import {
  acm,
  acmEvent,
  amazonIssued,
  CERT,
  configWith,
  DAY,
  DNS_QUEUE,
  elbv2,
  LB,
  makeDeps,
  NOW,
  PUBLIC_ZONE,
  route53,
  sqs,
  VALIDATION,
} from './harness';

const APPROACHING = 'ACM Certificate Approaching Expiration';
const ACTION = 'ACM Certificate Renewal Action Required';

beforeEach(() => {
  acm.reset();
  elbv2.reset();
  route53.reset();
  sqs.reset();
  acm.on(AddTagsToCertificateCommand).resolves({});
  acm.on(ListTagsForCertificateCommand).resolves({ Tags: [] });
  elbv2
    .on(DescribeLoadBalancersCommand)
    .resolves({ LoadBalancers: [{ LoadBalancerArn: LB, LoadBalancerName: 'web-alb' }] });
  elbv2.on(DescribeListenersCommand).resolves({
    Listeners: [{ ListenerArn: `${LB}/l1`, Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: CERT }] }],
  });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

function validationRecordPresent(value = VALIDATION.value): void {
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [{ Name: VALIDATION.name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: value }] }],
    IsTruncated: false,
    MaxItems: 1,
  });
}

function validationRecordMissing(): void {
  // Route 53 lists from the start name on: the next record is another one.
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [{ Name: 'www.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] }],
    IsTruncated: false,
    MaxItems: 1,
  });
}

const dnsRequests = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((e) => JSON.parse(e.MessageBody ?? '{}') as { payload: { changes: Array<Record<string, unknown>> } });

describe('certificate events', () => {
  it('says what matters at a threshold and remembers it in the notice tag', async () => {
    // Arrange
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(14) });
    validationRecordPresent();
    const { deps, notifier } = makeDeps(configWith({}));

    // Act
    const result = await makeCertificateEventHandler(deps)(
      acmEvent(APPROACHING, { DaysToExpiry: 14, CommonName: 'example.com' }),
    );

    // Assert
    expect(result).toEqual({ status: 'notified', kind: 'certificates.expiry.approaching', repaired: [] });
    const sent = notifier.sent[0];
    expect(sent?.severity).toBe('warning');
    const facts = Object.fromEntries(sent?.facts ?? []);
    expect(facts).toMatchObject({
      Type: 'Amazon-issued',
      Validation: 'DNS',
      Renewal: 'ELIGIBLE',
      Names: 'example.com, *.example.com',
      'Used by': 'web-alb :443 HTTPS (default certificate)',
      'Site names': 'www.example.com',
    });
    expect(acm).toHaveReceivedCommandWith(AddTagsToCertificateCommand, {
      CertificateArn: CERT,
      Tags: [{ Key: NOTICE_TAG, Value: `${new Date(NOW + 14 * DAY).toISOString().slice(0, 10)}/expiring-14` }],
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('stays silent for a duplicate or a daily repeat within the same threshold', async () => {
    // Arrange: fleetpilot already announced the 14-day threshold of this NotAfter.
    const cert = amazonIssued(12);
    const notAfter = cert.NotAfter?.toISOString().slice(0, 10);
    acm.on(DescribeCertificateCommand).resolves({ Certificate: cert });
    acm.on(ListTagsForCertificateCommand).resolves({ Tags: [{ Key: NOTICE_TAG, Value: `${notAfter}/expiring-14` }] });
    validationRecordPresent();
    const { deps, notifier } = makeDeps(configWith({}));

    // Act
    const result = await makeCertificateEventHandler(deps)(
      acmEvent(APPROACHING, { DaysToExpiry: 12, CommonName: 'example.com' }),
    );

    // Assert
    expect(result).toMatchObject({ status: 'silent' });
    expect(notifier.sent).toHaveLength(0);
    expect(acm).not.toHaveReceivedCommand(AddTagsToCertificateCommand);
  });

  it('says nothing above the widest threshold (ACM starts its daily events at 45 days)', async () => {
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(40) });
    validationRecordPresent();
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)(acmEvent(APPROACHING, { DaysToExpiry: 40 }));

    expect(result).toMatchObject({ status: 'silent', reason: 'nothing new (no threshold reached, or stale)' });
    expect(notifier.sent).toHaveLength(0);
  });

  it('repairs a missing validation record once for the names that share it, and never deletes', async () => {
    // Arrange: example.com and *.example.com share one validation record; it was deleted.
    acm.on(DescribeCertificateCommand).resolves({
      Certificate: amazonIssued(45, {
        RenewalSummary: {
          RenewalStatus: 'PENDING_VALIDATION',
          UpdatedAt: new Date(NOW),
          DomainValidationOptions: amazonIssued(45).DomainValidationOptions,
        },
      }),
    });
    validationRecordMissing();
    const { deps, notifier } = makeDeps(configWith({}));

    // Act
    const result = await makeCertificateEventHandler(deps)(
      acmEvent(ACTION, {
        RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION',
        DaysToExpiry: 45,
        CommonName: 'example.com',
      }),
    );

    // Assert
    expect(result).toEqual({
      status: 'notified',
      kind: 'certificates.renewal.action-required',
      repaired: [VALIDATION.name],
    });
    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: PUBLIC_ZONE,
      StartRecordName: VALIDATION.name,
      StartRecordType: 'CNAME',
    });
    const changes = dnsRequests().flatMap((r) => r.payload.changes);
    expect(changes).toEqual([
      {
        action: 'UPSERT',
        zoneId: PUBLIC_ZONE,
        name: VALIDATION.name,
        type: 'CNAME',
        ttl: 300,
        values: [VALIDATION.value],
      },
    ]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: DNS_QUEUE });
    expect(
      notifier.sent[0]?.facts.some(([label, value]) => label === 'Validation example.com' && value.includes('missing')),
    ).toBe(true);
  });

  it('rewrites a validation record that holds another value', async () => {
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(45) });
    validationRecordPresent('_stale.acm-validations.aws.');
    const { deps } = makeDeps(configWith({}));

    await makeCertificateEventHandler(deps)(
      acmEvent(ACTION, { RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION', DaysToExpiry: 45 }),
    );

    expect(dnsRequests().flatMap((r) => r.payload.changes.map((c) => c.values))).toEqual([[VALIDATION.value]]);
  });

  it('reports only, in dry run: no record request and no tag', async () => {
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(45) });
    validationRecordMissing();
    const { deps, notifier } = makeDeps(configWith({}, { dryRun: true }));

    await makeCertificateEventHandler(deps)(
      acmEvent(ACTION, { RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION', DaysToExpiry: 45 }),
    );

    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(acm).not.toHaveReceivedCommand(AddTagsToCertificateCommand);
    expect(notifier.sent[0]?.title).toMatch(/^\[dry run\]/);
    expect(Object.fromEntries(notifier.sent[0]?.facts ?? [])['Dry run: would have']).toMatch(/UPSERT validation CNAME/);
  });

  it('leaves validation alone when repairValidation is off, and says so', async () => {
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(45) });
    validationRecordMissing();
    const { deps, notifier } = makeDeps(configWith({ repairValidation: false }));

    const result = await makeCertificateEventHandler(deps)(
      acmEvent(ACTION, { RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION', DaysToExpiry: 45 }),
    );

    expect(result).toMatchObject({ repaired: [] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(notifier.sent).toHaveLength(1);
  });

  it('escalates an imported certificate with its re-import deadline', async () => {
    const imported = amazonIssued(30, {
      Type: 'IMPORTED',
      DomainValidationOptions: undefined,
      RenewalEligibility: 'INELIGIBLE',
    });
    acm.on(DescribeCertificateCommand).resolves({ Certificate: imported });
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)(acmEvent(APPROACHING, { DaysToExpiry: 30 }));

    expect(result).toMatchObject({ kind: 'certificates.imported.reimport-due' });
    expect(notifier.sent[0]?.severity).toBe('warning');
    expect(Object.fromEntries(notifier.sent[0]?.facts ?? [])['Re-import deadline']).toBe(
      imported.NotAfter?.toISOString(),
    );
    expect(route53).not.toHaveReceivedCommand(ListResourceRecordSetsCommand);
  });

  it('stays silent for a late Renewal Action Required once the renewal has succeeded', async () => {
    acm.on(DescribeCertificateCommand).resolves({
      Certificate: amazonIssued(395, {
        RenewalSummary: { RenewalStatus: 'SUCCESS', UpdatedAt: new Date(NOW), DomainValidationOptions: [] },
      }),
    });
    validationRecordPresent();
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)(
      acmEvent(ACTION, { RenewalStatusReason: 'PENDING_DOMAIN_VALIDATION', DaysToExpiry: 45 }),
    );

    expect(result).toMatchObject({ status: 'silent' });
    expect(notifier.sent).toHaveLength(0);
  });

  it("answers AWS's older Approaching Expiration sample for a watched certificate", async () => {
    const legacy = loadEvent<{ resources: string[] }>('acm-certificate-approaching-expiration-legacy');
    legacy.resources = [CERT];
    acm.on(DescribeCertificateCommand).resolves({ Certificate: amazonIssued(30) });
    validationRecordPresent();
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)(legacy);

    expect(result).toMatchObject({ status: 'notified', kind: 'certificates.expiry.approaching' });
    expect(notifier.sent[0]?.severity).toBe('info');
  });

  it('ignores a certificate no service watches', async () => {
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)(
      acmEvent(
        APPROACHING,
        { DaysToExpiry: 3 },
        'e-2',
        'arn:aws:acm:eu-west-1:123456789012:certificate/99999999-2222-3333-4444-555555555555',
      ),
    );

    expect(result).toMatchObject({ status: 'ignored' });
    expect(acm).not.toHaveReceivedCommand(DescribeCertificateCommand);
    expect(notifier.sent).toHaveLength(0);
  });

  it('rejects a malformed event with a warning, changing nothing', async () => {
    const { deps, notifier } = makeDeps(configWith({}));

    const result = await makeCertificateEventHandler(deps)({
      source: 'aws.acm',
      'detail-type': 'ACM Certificate Expired',
    });

    expect(result).toMatchObject({ status: 'rejected' });
    expect(notifier.sent[0]?.kind).toBe('certificates.event.invalid');
    expect(acm).not.toHaveReceivedCommand(DescribeCertificateCommand);
  });

  it('rethrows an AWS error for Lambda to retry, after a warning', async () => {
    acm
      .on(DescribeCertificateCommand)
      .rejects(new ResourceNotFoundException({ message: `Could not find certificate ${CERT}.`, $metadata: {} }));
    const { deps, notifier } = makeDeps(configWith({}));

    await expect(
      makeCertificateEventHandler(deps)(acmEvent('ACM Certificate Expired', { DaysToExpiry: 0 })),
    ).rejects.toThrow(ResourceNotFoundException);
    expect(notifier.sent[0]?.kind).toBe('certificates.step.retrying');
  });
});
