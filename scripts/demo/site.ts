/**
 * Demo chapter: site DNS. The load balancer was rebuilt: the site name's alias, which fleetpilot wrote for the old
 * one (with its ownership record next to it), still points at the old load balancer. The check — what the hourly
 * schedule sends, here invoked by hand as `npm run invoke` does — finds the drift, asks the Route 53 writer, and the
 * alias points at the configured load balancer again, with a warning notification saying what it pointed at.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ownerName, ownerValue } from '../../functions/site/alias';
import type { ListenerSpec } from '../../sim/elbv2-load-balancers';
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
    lbs.create({ name: OLD_LB });
    const certificate = service.certificates[0];
    const listeners: ListenerSpec[] = [{ protocol: 'HTTP', port: 80, defaultAction: { redirectToHttps: true } }];
    if (certificate) listeners.push({ protocol: 'HTTPS', port: 443, certificate });
    lbs.create({ name: siteDns.loadBalancer, listeners });
    const current = lbs.aliasOf(siteDns.loadBalancer);
    const old = lbs.aliasOf(OLD_LB);

    timeline.heading(
      `Site DNS: ${site.domain} still points at the load balancer a rebuild replaced; fleetpilot repairs it`,
    );
    // Before the rebuild fleetpilot kept the alias on the old load balancer, with its ownership record.
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
                TTL: 300,
                ResourceRecords: [{ Value: ownerValue(service.name) }],
              },
            },
          ],
        },
      }),
    );
    timeline.note(`${site.domain} A → alias ${old.dnsName} (${OLD_LB}); the config names ${siteDns.loadBalancer}`);
    timeline.note(`Invoke siteCheck {"action":"check","service":"${service.name}"} (as the hourly schedule does)`);
    const published = sim.account.sns.published.length;
    const run = await sim.lambda.invokeDirect(
      'siteCheck',
      { fleetpilot: 'site', action: 'check', service: service.name },
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
        `${site.domain} A → alias ${target.DNSName} (${siteDns.loadBalancer}), EvaluateTargetHealth ${target.EvaluateTargetHealth}`,
      );
    }
    const kinds = sim.account.sns.published.slice(published).map((m) => m.attributes.kind?.StringValue);
    if (!kinds.includes('site.alias.repaired')) story.push('no site.alias.repaired notification was sent');
    return story;
  },
};
