/**
 * Demo chapter: site DNS. The stack serves www.example.com from the configured load balancer, the alias in place as
 * fleetpilot keeps it. Then a rebuild script points the name back at the load balancer it replaced (web-old-alb):
 * the check — what the hourly schedule sends, here invoked by hand as `npm run invoke` does — finds the drift, asks
 * the Route 53 writer, and the alias points at the configured load balancer again, with a warning notification saying
 * what it pointed at. Nothing here depends on another chapter: the old load balancer is this chapter's own.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { attachSim } from '../../sim/plug';
import type { Chapter } from './chapter';

const OLD_LB = 'web-old-alb';

/** A load balancer's name from the config's reference (an ARN `…:loadbalancer/app/<name>/<id>`, or the name). */
export const loadBalancerName = (ref: string): string =>
  ref.startsWith('arn:') ? (ref.split(':loadbalancer/')[1]?.split('/')[1] ?? ref) : ref;

export const siteDns: Chapter = {
  async run({ sim, timeline, service }) {
    const site = service.site;
    const siteDns = service.siteDns;
    const zone = site ? sim.config.hostedZones[site.zone] : undefined;
    if (!site || !siteDns || !zone) throw new Error(`the example config: ${service.name} has no site with siteDns`);
    const story: string[] = [];
    const lbs = sim.account.elbv2.loadBalancers;
    const name = loadBalancerName(siteDns.loadBalancer);
    const current = lbs.aliasOf(name);
    lbs.create({ name: OLD_LB });
    const old = lbs.aliasOf(OLD_LB);

    timeline.heading(
      `Site DNS: ${site.domain} is pointed back at a load balancer a rebuild replaced; fleetpilot repairs it`,
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
          ],
        },
      }),
    );
    timeline.note(`a rebuild script: ${site.domain} A → alias ${old.dnsName} (${OLD_LB}); the config names ${name}`);
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
