/**
 * Demo chapter: certificates. The site's certificate (www.example.com, example.com; the example config's ARN) is 47
 * days from expiry with its DNS validation records in place. Someone's cleanup script deletes one record; ACM's
 * renewal attempts fail, and at 45 days it sends "Renewal Action Required"; fleetpilot reads the certificate, finds the
 * record missing in the public zone and UPSERTs it through the Route 53 writer; ACM's next daily attempt renews the
 * certificate ("Available", RENEWAL), which fleetpilot reports. A repeated delivery of the first event is silent.
 */
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DAY_MS } from '../../sim/acm';
import { attachSim } from '../../sim/plug';
import { type Chapter, HOUR } from './chapter';

export const certificates: Chapter = {
  async run({ sim, timeline, service }) {
    const story: string[] = [];
    const arn = service.certificates[0];
    const zoneId = Object.values(sim.config.hostedZones).find((z) => !z.private)?.id;
    if (!arn || !zoneId || !service.certificateWatch) {
      return ['the example config has no certificate, public zone or certificateWatch section for the demo service'];
    }
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

    timeline.heading('Certificates: a deleted validation record is repaired before the renewal fails for good');
    sim.account.acm.addCertificate({
      arn,
      domainName: 'www.example.com',
      subjectAlternativeNames: ['example.com'],
      exported: true,
      notBefore: Date.now() - 348 * DAY_MS,
    });
    const www = sim.account.acm.validationRecordOf('www.example.com');
    for (const name of ['www.example.com', 'example.com'])
      await write('CREATE', sim.account.acm.validationRecordOf(name));
    timeline.note(`certificate ${arn.split('/').pop()} for www.example.com, example.com: 47 days left, DNS validated`);
    await write('DELETE', www);
    timeline.note(`a cleanup script deletes the validation record ${www.name} (CNAME)`);

    const published = sim.account.sns.published.length;
    const kinds = () => sim.account.sns.published.slice(published).map((m) => m.attributes.kind?.StringValue ?? '');
    const settled: boolean[] = [];
    for (let day = 1; day <= 3; day++) {
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
    const certificate = sim.account.acm.view().find((c) => c.CertificateArn === arn);
    if (back !== www.value) story.push(`the validation record ${www.name} was not repaired`);
    if (certificate?.RenewalSummary?.RenewalStatus !== 'SUCCESS') {
      story.push(`the certificate did not renew (${certificate?.RenewalSummary?.RenewalStatus ?? 'no renewal'})`);
    }
    const expected = ['certificates.renewal.action-required', 'certificates.certificate.available'];
    if (JSON.stringify(kinds()) !== JSON.stringify(expected)) {
      story.push(`certificate notifications were ${kinds().join(', ') || 'none'}, not ${expected.join(', ')}`);
    }
    if (settled.includes(false)) story.push('the certificate days did not settle within their time limit');
    return story;
  },
};
