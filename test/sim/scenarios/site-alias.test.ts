/**
 * Site DNS end to end on the simulated account, with the example config (siteDns: the load balancer `web` by ARN,
 * repair; the stack declares it from the config): the site name's alias, which fleetpilot made before a rebuild,
 * still points at the old load balancer → the check (as the hourly schedule or `npm run invoke` sends it) asks the
 * Route 53 writer → the alias points at `web` again. A record
 * someone else made at the site name (no ownership record) is left alone and reported, and a missing alias is created
 * with its ownership record. Asserted on Route 53's final state and the notifications sent.
 */
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { ownerName, ownerValue } from '../../../functions/site/alias';
import { loadConfig } from '../../../shared/config/load';
import { loadBalancerNameOf } from '../../../sim/elbv2-load-balancers';
import { attachSim } from '../../../sim/plug';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

interface Site {
  sim: Simulation;
  domain: string;
  zoneId: string;
  current: { dnsName: string; hostedZoneId: string };
  old: { dnsName: string; hostedZoneId: string };
}

function start(): Site {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  if (!service?.site || !service.siteDns) throw new Error('the example config has no site with siteDns');
  const zone = config.hostedZones[service.site.zone];
  if (!zone) throw new Error('the example site zone is not configured');
  sim = startSimulation({ config, seed: 'site-alias' });
  const lbs = sim.account.elbv2.loadBalancers;
  lbs.create({ name: 'web-old-alb' });
  return {
    sim,
    domain: service.site.domain,
    zoneId: zone.id,
    current: lbs.aliasOf(loadBalancerNameOf(service.siteDns.loadBalancer)),
    old: lbs.aliasOf('web-old-alb'),
  };
}

/** Someone (fleetpilot before the rebuild, or another team) wrote these records earlier. */
async function recordsWrittenEarlier(site: Site, records: ResourceRecordSet[]): Promise<void> {
  const route53 = new Route53Client({ region: site.sim.account.region, maxAttempts: 1 });
  attachSim(route53, site.sim.account);
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: site.zoneId,
      ChangeBatch: { Changes: records.map((r) => ({ Action: 'CREATE', ResourceRecordSet: r })) },
    }),
  );
}

async function check(site: Site, report: 'all' | 'changes' = 'all'): Promise<void> {
  const run = await site.sim.lambda.invokeDirect(
    'siteCheck',
    { fleetpilot: 'site', action: 'check', service: 'web', report },
    'site-check-1',
  );
  expect(run.outcome).toBe('ok');
  expect(await site.sim.settle(60_000)).toBe(true);
}

const recordsAt = (site: Site, name: string) =>
  (site.sim.account.route53.view().find((z) => z.id === site.zoneId)?.records ?? []).filter(
    (r) => r.Name === `${name}.`,
  );
/** The site capability's notifications (the stack's target health alarms report too). */
const kinds = (s: Simulation) =>
  s.account.sns.published.map((m) => m.attributes.kind?.StringValue ?? '').filter((k) => k.startsWith('site.'));
const siteMessages = (s: Simulation) =>
  s.account.sns.published.filter((m) => (m.attributes.kind?.StringValue ?? '').startsWith('site.'));

const alias = (site: Site, to: { dnsName: string; hostedZoneId: string }): ResourceRecordSet => ({
  Name: site.domain,
  Type: 'A',
  AliasTarget: { HostedZoneId: to.hostedZoneId, DNSName: to.dnsName, EvaluateTargetHealth: true },
});

describe('site alias on the simulated account', () => {
  it('repairs its alias that drifted to an old load balancer, through the Route 53 writer', async () => {
    const site = start();
    await recordsWrittenEarlier(site, [
      alias(site, site.old),
      { Name: ownerName(site.domain), Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: ownerValue('web') }] },
    ]);

    await check(site);

    expect(recordsAt(site, site.domain)).toEqual([
      {
        Name: `${site.domain}.`,
        Type: 'A',
        AliasTarget: {
          HostedZoneId: site.current.hostedZoneId,
          DNSName: site.current.dnsName,
          EvaluateTargetHealth: true,
        },
      },
    ]);
    expect(kinds(site.sim)).toEqual(['site.alias.repaired']);
    const writes = site.sim.account.faults.calls.filter((c) => c.operation === 'ChangeResourceRecordSets');
    expect(writes.map((c) => c.outcome)).toEqual(['ok', 'ok']); // the set-up's and the writer's
  });

  it('leaves a record someone else made at the site name alone, and reports it', async () => {
    const site = start();
    const foreign: ResourceRecordSet = {
      Name: site.domain,
      Type: 'A',
      TTL: 300,
      ResourceRecords: [{ Value: '192.0.2.80' }],
    };
    await recordsWrittenEarlier(site, [foreign]);

    await check(site);

    expect(recordsAt(site, site.domain)).toEqual([{ ...foreign, Name: `${site.domain}.` }]);
    expect(recordsAt(site, ownerName(site.domain))).toEqual([]);
    expect(kinds(site.sim)).toEqual(['site.alias.foreign']);
    const published = siteMessages(site.sim)[0]?.message ?? '';
    expect(published).toContain('192.0.2.80');
  });

  it('creates a missing alias with its ownership record, and a second check finds it in sync and says nothing', async () => {
    const site = start();

    await check(site);
    await check(site);

    expect(recordsAt(site, site.domain)).toEqual([
      {
        Name: `${site.domain}.`,
        Type: 'A',
        AliasTarget: {
          HostedZoneId: site.current.hostedZoneId,
          DNSName: site.current.dnsName,
          EvaluateTargetHealth: true,
        },
      },
    ]);
    expect(recordsAt(site, ownerName(site.domain))).toEqual([
      { Name: `${ownerName(site.domain)}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: ownerValue('web') }] },
    ]);
    expect(kinds(site.sim)).toEqual(['site.alias.created']);
  });

  it('says a missing load balancer in the daily report only, not every hour', async () => {
    const site = start();
    const service = site.sim.config.services[0];
    if (!service?.siteDns) throw new Error('no siteDns');
    service.siteDns.loadBalancer = 'web-gone';

    await check(site, 'changes'); // hourly
    await check(site, 'changes');
    expect(kinds(site.sim)).toEqual([]);

    await check(site, 'all'); // the daily report
    expect(kinds(site.sim)).toEqual(['site.config.mismatch']);
    expect(siteMessages(site.sim)[0]?.attributes.severity?.StringValue).toBe('critical');
    expect(recordsAt(site, site.domain)).toEqual([]);
  });
});
