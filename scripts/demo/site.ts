/**
 * Demo chapter: site DNS. The site name's alias, which fleetpilot keeps (with its ownership record), points at the
 * load balancer a rebuild replaced (web-old-alb) while the config names the stack's load balancer:
 * the check — what the hourly schedule sends, here invoked by hand as `npm run invoke` does — finds the drift, asks
 * the Route 53 writer, and the alias points at the configured load balancer again, with a warning notification saying
 * what it pointed at. Nothing here depends on another chapter: the old load balancer is this chapter's own.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { OWNER_TTL, ownerName, ownerValue } from '../../functions/site/alias';
import { loadBalancerNameOf } from '../../sim/elbv2-load-balancers';
import { attachSim } from '../../sim/plug';
import type { Chapter } from './chapter';

const OLD_LB = 'web-old-alb';

export const siteDns: Chapter = {
  async run({ sim, timeline, service }) {
    const site = service.site;
    const siteDns = service.siteDns;
    const zone = site ? sim.config.hostedZones[site.zone] : undefined;
    if (!site || !siteDns || !zone) throw new Error(`the example config: ${service.name} has no site with siteDns`);
    const story: string[] = [];
    const lbs = sim.account.elbv2.loadBalancers;
    const name = loadBalancerNameOf(siteDns.loadBalancer);
    const current = lbs.aliasOf(name);
    lbs.create({ name: OLD_LB });
    const old = lbs.aliasOf(OLD_LB);

    timeline.heading(
      `Site DNS: ${site.domain} still points at the load balancer a rebuild replaced; fleetpilot repairs it`,
    );
    const route53 = new Route53Client({ region: sim.account.region, maxAttempts: 1 });
    attachSim(route53, sim.account);
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: site.domain,
                Type: 'A',
                AliasTarget: { HostedZoneId: old.hostedZoneId, DNSName: old.dnsName, EvaluateTargetHealth: true },
              },
            },
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: ownerName(site.domain),
                Type: 'TXT',
                TTL: OWNER_TTL,
                ResourceRecords: [{ Value: ownerValue(service.name) }],
              },
            },
          ],
        },
      }),
    );
    timeline.note(
      `${site.domain} A → alias ${old.dnsName} (${OLD_LB}, replaced by a rebuild); the config names ${name}`,
    );
    timeline.note(`Invoke siteCheck {"action":"check","service":"${service.name}"} (as the hourly schedule does)`);
    const published = sim.account.sns.published.length;
    const run = await sim.lambda.invokeDirect(
      'siteCheck',
      { fleetpilot: 'site', action: 'check', service: service.name, report: 'changes' },
      'site-check-demo',
    );
    if (run.outcome !== 'ok') story.push(`siteCheck: ${run.outcome} ${run.error ?? ''}`);
    await sim.settle(60_000);

    const record = sim.account.route53
      .view()
      .find((z) => z.id === zone.id)
      ?.records.find((r) => r.Name === `${site.domain}.` && r.Type === 'A');
    const target = record?.AliasTarget;
    if (target?.DNSName !== current.dnsName || target.HostedZoneId !== current.hostedZoneId) {
      story.push(`${site.domain} was not repaired: it points at ${target?.DNSName ?? 'nothing'}`);
    } else {
      timeline.note(
        `${site.domain} A → alias ${target.DNSName} (${name}), EvaluateTargetHealth ${target.EvaluateTargetHealth}`,
      );
    }
    const kinds = sim.account.sns.published
      .slice(published)
      .map((m) => m.attributes.kind?.StringValue ?? '')
      .filter((k) => k.startsWith('site.'));
    if (JSON.stringify(kinds) !== JSON.stringify(['site.alias.repaired'])) {
      story.push(`site notifications were ${kinds.join(', ') || 'none'}, not site.alias.repaired`);
    }
    return story;
  },
};
