import {
  type Change,
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  InvalidInput,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { type Harness, rejectionOf, startAccount } from './harness';

describe('simulated Route 53 alias records', () => {
  let h: Harness;
  let zoneId: string;
  let lb: { dnsName: string; hostedZoneId: string };

  beforeEach(() => {
    h = startAccount({
      zones: [{ name: 'example.com' }],
      loadBalancers: [{ name: 'web-alb' }],
      route53: { rateLimit: false },
    });
    zoneId = h.account.route53.zoneIdOf('example.com');
    lb = h.account.elbv2.loadBalancers.aliasOf('web-alb');
  });
  afterEach(() => h.done());

  const change = (...changes: Change[]) =>
    h.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
  const aliasTo = (dnsName: string, hostedZoneId = lb.hostedZoneId, type: 'A' | 'AAAA' = 'A'): Change => ({
    Action: 'UPSERT',
    ResourceRecordSet: {
      Name: 'www.example.com',
      Type: type,
      AliasTarget: { HostedZoneId: hostedZoneId, DNSName: dnsName, EvaluateTargetHealth: true },
    },
  });

  it('creates an alias to a load balancer (with or without "dualstack.") and lists it back', async () => {
    await change(aliasTo(lb.dnsName), aliasTo(`dualstack.${lb.dnsName}`, lb.hostedZoneId, 'AAAA'));

    const out = await h.route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: 'www.example.com', MaxItems: 2 }),
    );

    expect(out.ResourceRecordSets).toEqual([
      {
        Name: 'www.example.com.',
        Type: 'A',
        AliasTarget: { HostedZoneId: lb.hostedZoneId, DNSName: lb.dnsName, EvaluateTargetHealth: true },
      },
      {
        Name: 'www.example.com.',
        Type: 'AAAA',
        AliasTarget: { HostedZoneId: lb.hostedZoneId, DNSName: `dualstack.${lb.dnsName}`, EvaluateTargetHealth: true },
      },
    ]);
  });

  it('refuses an alias with TTL or ResourceRecords, and a record with neither, as InvalidInput', async () => {
    const both = aliasTo(lb.dnsName);
    if (both.ResourceRecordSet) both.ResourceRecordSet.TTL = 60;
    const neither: Change = { Action: 'UPSERT', ResourceRecordSet: { Name: 'www.example.com', Type: 'A' } };

    const errors = [await rejectionOf(change(both)), await rejectionOf(change(neither))];

    expect(errors.map((e) => e.constructor)).toEqual([InvalidInput, InvalidInput]);
    expect(errors[0]?.message).toMatch(
      /^Invalid request: Expected exactly one of \[AliasTarget, all of \[TTL, and ResourceRecords\]/,
    );
    expect(h.account.route53.view()[0]?.records.map((r) => r.Type)).toEqual(['NS', 'SOA']);
  });

  it('refuses an alias whose target is not in the target zone (wrong canonical zone or an unknown name)', async () => {
    const wrongZone = await rejectionOf(change(aliasTo(lb.dnsName, 'Z2IFOLAFXWLO4F')));
    const unknown = await rejectionOf(change(aliasTo('gone-1234567890.eu-west-1.elb.amazonaws.com')));

    expect(wrongZone).toBeInstanceOf(InvalidChangeBatch);
    expect((unknown as InvalidChangeBatch).messages).toEqual([
      `Tried to create an alias that targets gone-1234567890.eu-west-1.elb.amazonaws.com., type A in zone ${lb.hostedZoneId}, but the alias target name does not lie within the target zone`,
    ]);
  });

  it('accepts an alias to a record of the same zone, and refuses a DELETE naming another alias target', async () => {
    await change({
      Action: 'CREATE',
      ResourceRecordSet: { Name: 'origin.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
    });
    await change(aliasTo('origin.example.com', zoneId));
    const deleteOther: Change = { ...aliasTo(lb.dnsName), Action: 'DELETE' };

    const error = await rejectionOf(change(deleteOther));
    await change({ ...aliasTo('origin.example.com.', zoneId), Action: 'DELETE' });

    expect((error as InvalidChangeBatch).messages?.[0]).toMatch(
      /but the values provided do not match the current values$/,
    );
    expect(h.account.route53.view()[0]?.records.map((r) => r.Name)).toEqual([
      'example.com.',
      'example.com.',
      'origin.example.com.',
    ]);
  });

  it('refuses an alias next to a CNAME of the same name, as for any record', async () => {
    await change({
      Action: 'CREATE',
      ResourceRecordSet: {
        Name: 'www.example.com',
        Type: 'CNAME',
        TTL: 60,
        ResourceRecords: [{ Value: 'shop.example.net' }],
      },
    });

    const error = await rejectionOf(change(aliasTo(lb.dnsName)));

    expect((error as InvalidChangeBatch).messages?.[0]).toMatch(/conflicting RRSet of type {2}CNAME/);
  });
});
