import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
} from '@aws-sdk/client-route-53';
import { type Harness, rejectionOf, startAccount } from './harness';

describe('simulated Route 53', () => {
  let h: Harness;
  let zoneId: string;

  beforeEach(() => {
    h = startAccount({
      zones: [
        {
          name: 'example.com',
          records: [{ Name: 'www.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.1.10' }] }],
        },
      ],
    });
    zoneId = h.account.route53.zoneIdOf('example.com.');
  });
  afterEach(() => h.done());

  const records = () => h.account.route53.view()[0]?.records;

  it('rejects a whole batch when one change is invalid, leaving the zone unchanged', async () => {
    const before = records();
    const error = await rejectionOf(
      h.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: `/hostedzone/${zoneId}`,
          ChangeBatch: {
            Changes: [
              {
                Action: 'CREATE',
                ResourceRecordSet: {
                  Name: 'api.example.com',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '10.0.1.11' }],
                },
              },
              {
                Action: 'CREATE',
                ResourceRecordSet: {
                  Name: 'www.example.com.',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '10.0.1.12' }],
                },
              },
              {
                Action: 'DELETE',
                ResourceRecordSet: {
                  Name: 'old.example.com',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '10.0.1.13' }],
                },
              },
            ],
          },
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidChangeBatch);
    expect((error as InvalidChangeBatch).messages).toEqual([
      "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists",
      "Tried to delete resource record set [name='old.example.com.', type='A'] but it was not found",
    ]);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(records()).toEqual(before);
  });

  it('refuses a DELETE whose values differ from the current record', async () => {
    const error = await rejectionOf(
      h.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'DELETE',
                ResourceRecordSet: {
                  Name: 'WWW.example.com',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '10.9.9.9' }],
                },
              },
            ],
          },
        }),
      ),
    );
    expect(error.message).toBe(
      "Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do not match the current values",
    );
  });

  it('refuses names outside the zone and unknown zones', async () => {
    const outside = await rejectionOf(
      h.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: {
                  Name: 'www.example.org',
                  Type: 'A',
                  TTL: 60,
                  ResourceRecords: [{ Value: '10.0.0.1' }],
                },
              },
            ],
          },
        }),
      ),
    );
    expect(outside.message).toBe('RRSet with DNS name www.example.org. is not permitted in zone example.com.');
    const missing = await rejectionOf(h.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })));
    expect(missing).toBeInstanceOf(NoSuchHostedZone);
  });

  it('applies an UPSERT at once and reports the change PENDING, then INSYNC after propagation', async () => {
    const out = await h.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'www.example.com',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.1.99' }],
              },
            },
          ],
        },
      }),
    );
    expect(out.ChangeInfo?.Status).toBe('PENDING');
    expect(out.ChangeInfo?.Id).toMatch(/^\/change\/C[A-Z0-9]+$/);
    expect(records()?.find((r) => r.Name === 'www.example.com.')?.ResourceRecords).toEqual([{ Value: '10.0.1.99' }]);
    await h.clock.advance(30_000);
    const later = await h.route53.send(new GetChangeCommand({ Id: out.ChangeInfo?.Id }));
    expect(later.ChangeInfo?.Status).toBe('INSYNC');
  });

  it('lists records by reversed-label name then type, paging with StartRecordName/Type and MaxItems', async () => {
    await h.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'a.b.example.com',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.0.1' }],
              },
            },
            {
              Action: 'CREATE',
              ResourceRecordSet: { Name: 'z.example.com', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"x"' }] },
            },
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'z.example.com',
                Type: 'A',
                TTL: 60,
                ResourceRecords: [{ Value: '10.0.0.2' }],
              },
            },
          ],
        },
      }),
    );
    await h.clock.advance(1_000);
    const first = await h.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 3 }));
    expect(first.ResourceRecordSets?.map((r) => `${r.Name} ${r.Type}`)).toEqual([
      'example.com. NS',
      'example.com. SOA',
      'a.b.example.com. A',
    ]);
    expect(first).toMatchObject({ IsTruncated: true, NextRecordName: 'www.example.com.', NextRecordType: 'A' });
    await h.clock.advance(1_000);
    const second = await h.route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: first.NextRecordName,
        StartRecordType: first.NextRecordType,
      }),
    );
    expect(second.ResourceRecordSets?.map((r) => `${r.Name} ${r.Type}`)).toEqual([
      'www.example.com. A',
      'z.example.com. A',
      'z.example.com. TXT',
    ]);
    expect(second.IsTruncated).toBe(false);
  });

  it('throttles more than five requests a second with Throttling, which the SDK retries with back-off', async () => {
    const calls = Array.from({ length: 8 }, () =>
      h.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId })),
    );
    // Let the back-offs run on the virtual clock.
    const settled = Promise.allSettled(calls);
    await h.clock.advance(60_000);
    const results = await settled;
    const attempts = results.map((r) => (r.status === 'fulfilled' ? r.value.$metadata.attempts : -1));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(attempts.filter((a) => a === 1)).toHaveLength(5);
    expect(attempts.some((a) => (a ?? 0) > 1)).toBe(true);
    const throttled = h.account.faults.calls.filter((c) => c.service === 'route53' && c.outcome === 'Throttling');
    expect(throttled.length).toBeGreaterThanOrEqual(3);
  });

  it('gives up after maxAttempts and surfaces the Throttling error as the SDK would', async () => {
    h.account.faults.throttle({ service: 'route53', operations: ['ListResourceRecordSets'], rate: 1 });
    const pending = rejectionOf(h.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId })));
    await h.clock.advance(60_000);
    const error = await pending;
    expect(error.name).toBe('Throttling');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$metadata?.attempts).toBe(3);
  });
});
