/**
 * The invariants of sim/invariants.ts can fail: a settled account satisfies them, and each violating state put into
 * the account by hand (a record left behind, a record missing or wrong, a target missing, unhealthy or left behind)
 * is reported by the invariant that guards it. Expected names are written out here, not rendered by product code.
 */
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { loadConfig } from '../../../shared/config/load';
import { attachSim } from '../../../sim';
import { apps } from '../../../sim/apps';
import { checkInvariants, type InvariantInput, invariants } from '../../../sim/invariants';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;
const ZONE = 'Z0EXAMPLEPRIVATE01';
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-http/0123456789abcdef';

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

/** A settled account with two instances in service (checked to satisfy every invariant) and a Route 53 client. */
async function settled(): Promise<{ s: Simulation; route53: Route53Client; ids: string[] }> {
  const s = startSimulation({ config: loadConfig(EXAMPLE), seed: 3, initialCapacity: 2 });
  sim = s;
  expect(await s.settle(HOUR)).toBe(true);
  expect(checkInvariants(s)).toEqual([]);
  const route53 = new Route53Client({ region: s.config.region });
  attachSim(route53, s.account);
  return { s, route53, ids: inService(s) };
}

const inService = (s: Simulation) =>
  s.account.autoscaling
    .view()
    .flatMap((g) => g.instances)
    .filter((i) => i.lifecycleState === 'InService')
    .map((i) => i.id);

const violations = (s: InvariantInput, name: keyof typeof invariants) => invariants[name](s);

function instanceOf(s: Simulation, id: string) {
  const instance = s.account.ec2.get(id);
  if (!instance) throw new Error(`no instance ${id}`);
  return instance;
}

async function change(route53: Route53Client, action: 'UPSERT' | 'DELETE', set: ResourceRecordSet) {
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE,
      ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: set }] },
    }),
  );
}

const aRecord = (name: string, value: string, ttl = 60): ResourceRecordSet => ({
  Name: name,
  Type: 'A',
  TTL: ttl,
  ResourceRecords: [{ Value: value }],
});

describe('invariants report a violating account', () => {
  it('noRecordForGoneInstances: a record left behind for a terminated instance, even at a reused address', async () => {
    const { s, route53, ids } = await settled();
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);
    expect(await s.settle(HOUR)).toBe(true);
    const [gone] = ids.filter((id) => !inService(s).includes(id));
    const [kept] = inService(s);
    if (!gone || !kept) throw new Error('scale-in left no gone and no kept instance');
    const keptIp = instanceOf(s, kept).privateIp;
    expect(violations(s, 'noRecordForGoneInstances')).toEqual([]);

    // The gone instance's name, but pointing at an address an in-service instance holds.
    await change(route53, 'UPSERT', aRecord(`${gone}.web.internal.example.com`, keptIp));

    expect(violations(s, 'noRecordForGoneInstances')).toEqual([
      `${gone}.web.internal.example.com. has the shape of a web name but no in-service instance owns it`,
    ]);

    // And a record at an address nobody in service holds.
    await change(route53, 'UPSERT', aRecord('eu-west-1c-10-0-3-250.web.internal.example.com', '10.0.3.250'));

    expect(violations(s, 'noRecordForGoneInstances').sort()).toEqual(
      [
        `${gone}.web.internal.example.com. has the shape of a web name but no in-service instance owns it`,
        'eu-west-1c-10-0-3-250.web.internal.example.com. A 10.0.3.250 points at no in-service instance',
        'eu-west-1c-10-0-3-250.web.internal.example.com. has the shape of a web name but no in-service instance owns it',
      ].sort(),
    );
  });

  it('everyInServiceInstanceRegisteredAndNamed: an InService instance missing its record', async () => {
    const { s, route53, ids } = await settled();
    const id = ids[0] ?? '';
    const { privateIp, availabilityZone } = instanceOf(s, id);
    const dashedName = `${availabilityZone}-${privateIp.replaceAll('.', '-')}.web.internal.example.com`;

    await change(route53, 'DELETE', aRecord(dashedName, privateIp));

    expect(violations(s, 'everyInServiceInstanceRegisteredAndNamed')).toEqual([
      `${id} is InService but ${dashedName} points at nothing, not ${privateIp}`,
    ]);
  });

  it('everyInServiceInstanceRegisteredAndNamed: a record with another value or another TTL', async () => {
    const { s, route53, ids } = await settled();
    const [first, second] = ids.map((id) => instanceOf(s, id));
    if (!first || !second) throw new Error('expected two instances');

    await change(route53, 'UPSERT', aRecord(`${first.id}.web.internal.example.com`, second.privateIp));
    await change(route53, 'UPSERT', aRecord(`${second.id}.web.internal.example.com`, second.privateIp, 300));

    expect(violations(s, 'everyInServiceInstanceRegisteredAndNamed')).toEqual([
      `${first.id} is InService but ${first.id}.web.internal.example.com points at ${second.privateIp}, not ${first.privateIp}`,
      `${second.id} is InService but ${second.id}.web.internal.example.com has TTL 300, not 60`,
    ]);
  });

  it('everyInServiceInstanceRegisteredAndNamed: an InService instance not registered, or unhealthy, in its target group', async () => {
    const { s, ids } = await settled();
    const [deregistered, broken] = ids;
    if (!deregistered || !broken) throw new Error('expected two instances');

    s.account.elbv2.deregister(TG, deregistered);
    s.account.apps.set(broken, apps.broken(500));

    expect(violations(s, 'everyInServiceInstanceRegisteredAndNamed')).toEqual([
      `${deregistered} is InService but draining in web-http`,
    ]);

    // Past the 300 s deregistration delay and enough failed health checks (interval 10 s, threshold 2).
    await s.clock.advance(310_000);

    expect(violations(s, 'everyInServiceInstanceRegisteredAndNamed').sort()).toEqual(
      [
        `${deregistered} is InService but not registered in web-http`,
        `${broken} is InService but unhealthy in web-http`,
      ].sort(),
    );
  });

  it('noTargetForGoneInstances: a target left in the group for an instance that is not in service', async () => {
    const { s, ids } = await settled();
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);
    expect(await s.settle(HOUR)).toBe(true);
    const [gone] = ids.filter((id) => !inService(s).includes(id));
    if (!gone) throw new Error('scale-in left no gone instance');
    expect(violations(s, 'noTargetForGoneInstances')).toEqual([]);

    s.account.elbv2.register(TG, gone);

    expect(violations(s, 'noTargetForGoneInstances')).toEqual([
      `${gone} is initial in web-http but not InService in web`,
    ]);
  });
});
