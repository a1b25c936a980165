import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { type DnsChange, dnsRequestSchema } from '../../../shared/dns/request';
import { MAX_RECORDS_PER_BATCH, packBatches, writeChanges } from '../../../shared/dns/writer';
import { manualClock } from '../../helpers/manual-clock';

const ZONE = 'Z0EXAMPLEPUBLIC001';
const ALB_ZONE = 'Z32O12XQLNTSW2';
const r53 = mockClient(Route53Client);
const clock = manualClock(Date.parse('2026-11-25T12:00:00Z'));
const ports = () => ({ route53: new Route53Client({ region: 'us-east-1' }), clock });

const aliasChange = (
  action: DnsChange['action'],
  name: string,
  dnsName = 'web-1.eu-west-1.elb.amazonaws.com',
): DnsChange => ({
  action,
  zoneId: ZONE,
  name,
  type: 'A',
  values: [],
  alias: { hostedZoneId: ALB_ZONE, dnsName, evaluateTargetHealth: true },
});

beforeEach(() => r53.reset());

describe('alias changes in a DNS request', () => {
  it('parse without ttl and values; a plain record still needs both', () => {
    const ok = dnsRequestSchema.safeParse({
      what: 'site',
      changes: [{ ...aliasChange('UPSERT', 'www.example.com'), values: undefined }],
    });
    const withTtl = dnsRequestSchema.safeParse({
      what: 'site',
      changes: [{ ...aliasChange('UPSERT', 'www.example.com'), ttl: 60 }],
    });
    const txtAlias = dnsRequestSchema.safeParse({
      what: 'site',
      changes: [{ ...aliasChange('UPSERT', 'www.example.com'), type: 'TXT' }],
    });
    const plainWithoutTtl = dnsRequestSchema.safeParse({
      what: 'x',
      changes: [{ action: 'UPSERT', zoneId: ZONE, name: 'a.example.com', type: 'A', values: ['10.0.0.1'] }],
    });

    expect(ok.success && ok.data.changes[0]?.values).toEqual([]);
    expect(withTtl.success).toBe(false);
    expect(txtAlias.success).toBe(false);
    expect(plainWithoutTtl.success).toBe(false);
  });
});

describe('the writer with alias changes', () => {
  it('counts an alias as one record (an UPSERT twice) with no value characters when packing', () => {
    const entries = Array.from({ length: MAX_RECORDS_PER_BATCH }, (_, i) => ({
      request: i,
      change: aliasChange('UPSERT', `s${i}.example.com`),
    }));

    const batches = packBatches(entries);

    expect(batches.map((b) => b.length)).toEqual([MAX_RECORDS_PER_BATCH / 2, MAX_RECORDS_PER_BATCH / 2]);
  });

  it('sends AliasTarget without TTL or ResourceRecords', async () => {
    r53
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } });

    const report = await writeChanges([{ what: 'site', changes: [aliasChange('UPSERT', 'www.example.com')] }], ports());

    expect(report.outcomes).toEqual([{ applied: ['www.example.com'], gone: [], foreign: [], failed: [] }]);
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: 'fleetpilot',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'www.example.com',
              Type: 'A',
              AliasTarget: {
                HostedZoneId: ALB_ZONE,
                DNSName: 'web-1.eu-west-1.elb.amazonaws.com',
                EvaluateTargetHealth: true,
              },
            },
          },
        ],
      },
    });
  });

  it.each([
    [
      'points elsewhere now',
      { HostedZoneId: ALB_ZONE, DNSName: 'web-2.eu-west-1.elb.amazonaws.com.', EvaluateTargetHealth: true },
      'foreign',
    ],
    ['is gone', undefined, 'gone'],
  ] as const)('tells a refused alias DELETE whose record %s', async (_what, target, expected) => {
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(new InvalidChangeBatch({ message: 'values do not match', $metadata: {} }));
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: target
        ? [{ Name: 'www.example.com.', Type: 'A', AliasTarget: target }]
        : [{ Name: 'zz.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] }],
    });

    const report = await writeChanges([{ what: 'site', changes: [aliasChange('DELETE', 'www.example.com')] }], ports());

    expect(report.outcomes[0]?.[expected]).toEqual(['www.example.com']);
  });

  it('reports a refused alias DELETE of the very target Route 53 holds as a failure', async () => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(new InvalidChangeBatch({ message: 'refused', $metadata: {} }));
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: 'www.example.com.',
          Type: 'A',
          AliasTarget: {
            HostedZoneId: ALB_ZONE,
            DNSName: 'WEB-1.eu-west-1.elb.amazonaws.com.',
            EvaluateTargetHealth: true,
          },
        },
      ],
    });

    const report = await writeChanges([{ what: 'site', changes: [aliasChange('DELETE', 'www.example.com')] }], ports());

    expect(report.outcomes[0]?.failed).toEqual([{ name: 'www.example.com', reason: 'InvalidChangeBatch: refused' }]);
  });
});
