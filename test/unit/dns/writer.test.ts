import {
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  Route53Client,
  Route53ServiceException,
  ThrottlingException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import type { DnsChange, DnsRequest } from '../../../shared/dns/request';
import { MIN_MS_BETWEEN_CALLS, writeChanges } from '../../../shared/dns/writer';
import { manualClock } from '../../helpers/manual-clock';
import { aRecord, type FakeZones, fakeRoute53 } from '../../helpers/route53-zone';

const ZONE_A = 'ZAAAAAAAAAAAAAAAAAAAA';
const ZONE_B = 'ZBBBBBBBBBBBBBBBBBBBB';
const ZONE_C = 'ZCCCCCCCCCCCCCCCCCCCC';

const r53 = mockClient(Route53Client);
let zones: FakeZones;
const clock = manualClock(Date.parse('2026-11-25T12:00:00Z'));
const ports = () => ({ route53: new Route53Client({ region: 'us-east-1' }), clock });

const change = (action: DnsChange['action'], zoneId: string, name: string, value: string, ttl = 60): DnsChange => ({
  action,
  zoneId,
  name,
  type: 'A',
  ttl,
  values: [value],
});
const request = (what: string, ...changes: DnsChange[]): DnsRequest => ({ what, changes });

beforeEach(() => {
  r53.reset();
  zones = fakeRoute53(r53);
  clock.sleeps.length = 0;
});

describe('writeChanges (the one Route 53 writer)', () => {
  it('writes a batch of many requests with one ChangeResourceRecordSets per hosted zone', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      request(
        `launch ${i}`,
        change('UPSERT', ZONE_A, `i${i}.internal.example.com`, `10.0.0.${i}`),
        change('UPSERT', ZONE_B, `i${i}.example.com`, `203.0.113.${i}`),
      ),
    );

    const report = await writeChanges(requests, ports());

    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, { HostedZoneId: ZONE_A });
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, { HostedZoneId: ZONE_B });
    expect(report.calls).toBe(2);
    expect(zones.records(ZONE_A)).toHaveLength(40);
    expect(zones.records(ZONE_B)).toHaveLength(40);
    expect(report.outcomes[7]).toEqual({
      applied: ['i7.internal.example.com', 'i7.example.com'],
      gone: [],
      foreign: [],
      failed: [],
    });
  });

  it('splits a refused batch until only the bad change fails, and applies the rest', async () => {
    const requests = Array.from({ length: 8 }, (_, i) =>
      request(
        `launch ${i}`,
        change('UPSERT', ZONE_A, `i${i}.internal.example.com`, i === 5 ? '10.0.0.999' : `10.0.0.${i}`),
      ),
    );

    const report = await writeChanges(requests, ports());

    expect(report.outcomes[5]?.applied).toEqual([]);
    expect(report.outcomes[5]?.failed).toEqual([
      {
        name: 'i5.internal.example.com',
        reason: expect.stringMatching(/^InvalidChangeBatch: ARRDATAIllegalIPv4Address/),
      },
    ]);
    for (const i of [0, 1, 2, 3, 4, 6, 7]) expect(report.outcomes[i]?.applied).toEqual([`i${i}.internal.example.com`]);
    expect(zones.records(ZONE_A).map((s) => s.Name)).not.toContain('i5.internal.example.com.');
    expect(zones.records(ZONE_A)).toHaveLength(7);
    // 8 → 4 + 4 → (2 + 2) → (1 + 1): one refused call per level on the bad change's side, log2(8) levels.
    expect(report.calls).toBe(1 + 2 + 2 + 2);
  });

  it('reports a refused DELETE of a record that is already gone as gone, even when Route 53 lists another name next', async () => {
    zones.put(ZONE_A, aRecord('j-after.internal.example.com', '10.0.0.8'));
    zones.put(ZONE_A, aRecord('a-before.internal.example.com', '10.0.0.7'));

    const report = await writeChanges(
      [request('terminate', change('DELETE', ZONE_A, 'i-missing.internal.example.com', '10.0.0.1'))],
      ports(),
    );

    expect(report.outcomes[0]).toEqual({
      applied: [],
      gone: ['i-missing.internal.example.com'],
      foreign: [],
      failed: [],
    });
    expect(r53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE_A,
      StartRecordName: 'i-missing.internal.example.com',
      StartRecordType: 'A',
    });
    expect(zones.records(ZONE_A)).toHaveLength(2);
  });

  it('leaves a record alone when Route 53 holds other values under its name now (foreign)', async () => {
    zones.put(ZONE_A, aRecord('i-1.internal.example.com', '10.9.9.9'));

    const report = await writeChanges(
      [request('terminate', change('DELETE', ZONE_A, 'i-1.internal.example.com', '10.0.0.1'))],
      ports(),
    );

    expect(report.outcomes[0]).toEqual({ applied: [], gone: [], foreign: ['i-1.internal.example.com'], failed: [] });
    expect(zones.records(ZONE_A)).toEqual([aRecord('i-1.internal.example.com', '10.9.9.9')]);
  });

  it('deletes our values when the record holds them under another TTL', async () => {
    zones.put(ZONE_A, aRecord('i-1.internal.example.com', '10.0.0.1', 300));

    const report = await writeChanges(
      [request('terminate', change('DELETE', ZONE_A, 'i-1.internal.example.com', '10.0.0.1', 60))],
      ports(),
    );

    expect(report.outcomes[0]?.applied).toEqual(['i-1.internal.example.com']);
    expect(zones.records(ZONE_A)).toEqual([]);
  });

  it.each([
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })],
    [
      'Throttling (Route 53 error code the SDK has no class for)',
      () =>
        new Route53ServiceException({
          name: 'Throttling',
          message: 'Rate exceeded',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
  ])('leaves a request for redelivery when Route 53 still throttles after the SDK retries: %s', async (_, error) => {
    r53.on(ChangeResourceRecordSetsCommand, { HostedZoneId: ZONE_B }).rejects(error());

    const report = await writeChanges(
      [
        request('only A', change('UPSERT', ZONE_A, 'i-1.internal.example.com', '10.0.0.1')),
        request(
          'A and B',
          change('UPSERT', ZONE_A, 'i-2.internal.example.com', '10.0.0.2'),
          change('UPSERT', ZONE_B, 'i-2.example.com', '203.0.113.2'),
        ),
      ],
      ports(),
    );

    expect(report.outcomes[0]?.applied).toEqual(['i-1.internal.example.com']);
    expect(report.outcomes[1]).toBeUndefined();
  });

  it('leaves a refused DELETE for redelivery when the read that explains it is throttled', async () => {
    r53.on(ListResourceRecordSetsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    const report = await writeChanges(
      [
        request('upsert', change('UPSERT', ZONE_B, 'i-1.example.com', '203.0.113.1')),
        request('delete', change('DELETE', ZONE_A, 'i-missing.internal.example.com', '10.0.0.1')),
      ],
      ports(),
    );

    expect(report.outcomes[0]?.applied).toEqual(['i-1.example.com']);
    expect(report.outcomes[1]).toBeUndefined();
  });

  it('keeps its Route 53 calls at least MIN_MS_BETWEEN_CALLS apart on the injected clock', async () => {
    const times: number[] = [];
    r53.on(ChangeResourceRecordSetsCommand).callsFake(async () => {
      times.push(clock.now());
      return { ChangeInfo: { Id: '/change/C', Status: 'PENDING', SubmittedAt: new Date(0) } };
    });

    await writeChanges(
      [ZONE_A, ZONE_B, ZONE_C].map((zone, i) =>
        request(`r${i}`, change('UPSERT', zone, `i${i}.example.com`, `10.0.0.${i}`)),
      ),
      ports(),
    );

    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(MIN_MS_BETWEEN_CALLS);
    }
    expect(clock.sleeps).toEqual([MIN_MS_BETWEEN_CALLS, MIN_MS_BETWEEN_CALLS]);
  });

  it('refuses nothing it need not: a bad change in one zone does not hold up another zone', async () => {
    r53
      .on(ChangeResourceRecordSetsCommand, { HostedZoneId: ZONE_C })
      .rejects(new InvalidChangeBatch({ message: 'zone is locked', $metadata: {} }));

    const report = await writeChanges(
      [
        request('c', change('UPSERT', ZONE_C, 'x.example.com', '10.0.0.1')),
        request('a', change('UPSERT', ZONE_A, 'y.example.com', '10.0.0.2')),
      ],
      ports(),
    );

    expect(report.outcomes[0]?.failed).toEqual([
      { name: 'x.example.com', reason: 'InvalidChangeBatch: zone is locked' },
    ]);
    expect(report.outcomes[1]?.applied).toEqual(['y.example.com']);
  });
});
