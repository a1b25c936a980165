/**
 * Demo chapter: certificates. The site's certificate (www.example.com, example.com: the example config's ARN, on the
 * load balancer's HTTPS listener) is 47 days from expiry, its DNS validation records in place. Someone's cleanup
 * script deletes one record; ACM's renewal attempts fail, and at 45 days it sends "Renewal Action Required";
 * fleetpilot reads the certificate, finds the record missing in the public zone and UPSERTs it through the Route 53
 * writer; ACM's next daily attempt renews the certificate ("Available", RENEWAL: same ARN), which fleetpilot reports.
 * A repeated delivery of the first event is silent. Then the team requests a replacement covering one more name
 * (shop.example.com); ACM issues it ("Available", ISSUANCE: a new ARN) and fleetpilot rotates it onto the listener in
 * place of the one it replaces (siteDns.rotation). Nothing here depends on another chapter.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DAY_MS, PUBLIC_VALIDITY_DAYS } from '../../sim/acm';
import { loadBalancerNameOf } from '../../sim/elbv2-load-balancers';
import { attachSim } from '../../sim/plug';
import { type Chapter, HOUR } from './chapter';

const DAYS_LEFT = 47;

export const certificates: Chapter = {
  async run({ sim, timeline, service }) {
    const story: string[] = [];
    const arn = service.certificates[0];
    const zoneId = Object.values(sim.config.hostedZones).find((z) => !z.private)?.id;
    const lbRef = service.siteDns?.loadBalancer;
    if (!arn || !zoneId || !service.certificateWatch || !lbRef || !service.siteDns?.rotation) {
      return ['the example config has no certificate, public zone, certificateWatch or siteDns rotation for the demo'];
    }
    const lbName = loadBalancerNameOf(lbRef);
    const route53 = new Route53Client({ region: sim.account.region, maxAttempts: 1 });
    attachSim(route53, sim.account);
    const write = async (action: 'CREATE' | 'DELETE', record: { name: string; value: string }) =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: action,
                ResourceRecordSet: {
                  Name: record.name,
                  Type: 'CNAME',
                  TTL: 300,
                  ResourceRecords: [{ Value: record.value }],
                },
              },
            ],
          },
        }),
      );
    const acm = sim.account.acm;
    const https = () =>
      sim.account.elbv2.loadBalancers
        .view()
        .find((lb) => lb.name === lbName)
        ?.listeners.find((l) => l.port === 443);
    const short = (a: string | undefined) => a?.split('/').pop() ?? 'none';

    timeline.heading(
      'Certificates: a deleted validation record is repaired, the renewal succeeds, a replacement is rotated in',
    );
    // The account has been running for most of the certificate's life: 47 of its 395 days are left.
    acm.backdate(arn, Date.now() - (PUBLIC_VALIDITY_DAYS - DAYS_LEFT) * DAY_MS);
    const www = acm.validationRecordOf('www.example.com');
    timeline.note(
      `certificate ${short(arn)} (www.example.com, example.com) on ${lbName} :443: ${DAYS_LEFT} days left, DNS validated`,
    );
    await write('DELETE', www);
    timeline.note(`a cleanup script deletes the validation record ${www.name} (CNAME)`);

    const published = sim.account.sns.published.length;
    const kinds = () =>
      sim.account.sns.published
        .slice(published)
        .map((m) => m.attributes.kind?.StringValue ?? '')
        .filter((k) => k.startsWith('certificates.') || k.startsWith('site.rotation.'));
    const settled: boolean[] = [];
    const renewed = () => acm.view().find((c) => c.CertificateArn === arn)?.RenewalSummary?.RenewalStatus === 'SUCCESS';
    for (let day = 1; day <= 4 && !renewed(); day++) {
      await sim.clock.advance(DAY_MS);
      settled.push(await sim.settle(HOUR));
      timeline.note(`day ${day}: ACM's daily check done; ${kinds().length} certificate notification(s) so far`);
    }
    const action = sim.account
      .emittedEvents()
      .find((e) => e['detail-type'] === 'ACM Certificate Renewal Action Required' && e.resources[0] === arn);
    if (action) {
      const again = await sim.lambda.invokeDirect('certificatesEvent', action, 'demo-redelivery');
      timeline.note(`the Renewal Action Required event delivered again: ${JSON.stringify(again.result)}`);
    } else {
      story.push('ACM sent no Renewal Action Required');
    }
    const zone = sim.account.route53.view().find((z) => z.id === zoneId);
    const back = zone?.records.find((r) => r.Name === www.name)?.ResourceRecords?.[0]?.Value;
    if (back !== www.value) story.push(`the validation record ${www.name} was not repaired`);
    const certificate = acm.view().find((c) => c.CertificateArn === arn);
    if (certificate?.RenewalSummary?.RenewalStatus !== 'SUCCESS') {
      story.push(`the certificate did not renew (${certificate?.RenewalSummary?.RenewalStatus ?? 'no renewal'})`);
    }

    // A renewal keeps the ARN: the listener already serves it. A replacement with one more name is a new certificate.
    const shop = acm.validationRecordOf('shop.example.com');
    await write('CREATE', shop);
    await sim.clock.advance(HOUR);
    const replacement = acm.addCertificate({
      domainName: 'www.example.com',
      subjectAlternativeNames: ['example.com', 'shop.example.com'],
    });
    timeline.note(
      `the team requests ${short(replacement)} for www.example.com, example.com, shop.example.com (validation record ${shop.name} added; the other two are shared with ${short(arn)}); ACM issues it`,
    );
    settled.push(await sim.settle(HOUR));
    const listener = https();
    if (listener?.defaultCertificate !== replacement || listener.certificates.includes(arn)) {
      story.push(
        `the replacement was not rotated onto ${lbName} :443 (default ${short(listener?.defaultCertificate)}, list ${listener?.certificates.map(short).join(', ') || 'empty'})`,
      );
    } else {
      timeline.note(`${lbName} :443 serves ${short(replacement)}; ${short(arn)} is off the listener`);
    }
    for (const name of ['www.example.com', 'example.com']) {
      const record = acm.validationRecordOf(name);
      const present =
        zone &&
        sim.account.route53
          .view()
          .find((z) => z.id === zoneId)
          ?.records.some((r) => r.Name === record.name);
      if (!present) story.push(`the shared validation record ${record.name} is gone`);
    }

    const expected = [
      'certificates.renewal.action-required',
      'certificates.certificate.available',
      'site.rotation.done',
    ];
    if (JSON.stringify(kinds()) !== JSON.stringify(expected)) {
      story.push(`certificate notifications were ${kinds().join(', ') || 'none'}, not ${expected.join(', ')}`);
    }
    if (settled.includes(false)) story.push('the certificate days did not settle within their time limit');
    return story;
  },
};
