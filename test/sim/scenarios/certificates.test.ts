/**
 * Certificates end to end on the simulated account, with the example config and the handlers wired from
 * serverless.yml: the DNS validation record of the site's certificate is deleted → ACM's renewal attempt fails and it
 * sends Renewal Action Required → fleetpilot repairs the record through the Route 53 writer → ACM's next attempt
 * renews the certificate → Available → fleetpilot reports it. A repeated event is silent; the notice lives in the
 * certificate's tag. Then the audit and an imported certificate.
 */
import { join } from 'node:path';
import {
  AddListenerCertificatesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { NOTICE_TAG } from '../../../functions/certificates/notice';
import { loadConfig } from '../../../shared/config/load';
import { DAY_MS, PUBLIC_VALIDITY_DAYS } from '../../../sim/acm';
import { checkInvariants } from '../../../sim/invariants';
import { attachSim } from '../../../sim/plug';
import { type Simulation, startSimulation } from '../../../sim/simulation';

/** Virtual days pass in one-second steps (sim/clock.ts): a few real seconds each on a loaded machine. */
jest.setTimeout(120_000);

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

interface Story {
  sim: Simulation;
  arn: string;
  zoneId: string;
  route53: Route53Client;
}

/**
 * The example's certificate (www.example.com, example.com), declared with the stack from the config: on the load
 * balancer's HTTPS listener, its validation records in the public zone. Aged here to 47 days from expiry.
 */
async function start(overrides: { dryRun?: boolean; moreCertificates?: string[] } = {}): Promise<Story> {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  if (!service?.certificateWatch) throw new Error('the example config has no certificateWatch section');
  if (overrides.dryRun) service.dryRun = true;
  service.certificates = [...service.certificates, ...(overrides.moreCertificates ?? [])];
  const s = startSimulation({ config, seed: 'certificates' });
  sim = s;
  const arn = service.certificates[0] ?? '';
  const zoneId = config.hostedZones.public?.id ?? '';
  for (const certificate of service.certificates) {
    s.account.acm.backdate(certificate, Date.now() - (PUBLIC_VALIDITY_DAYS - 47) * DAY_MS);
  }
  const route53 = new Route53Client({ region: s.account.region, maxAttempts: 1 });
  attachSim(route53, s.account);
  await s.settle(60_000);
  return { sim: s, arn, zoneId, route53 };
}

async function change(
  route53: Route53Client,
  zoneId: string,
  action: 'CREATE' | 'DELETE',
  record: { name: string; value: string },
) {
  await route53.send(
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
}

/** The certificates capability's notifications (the site capability also takes Available events: its own tests). */
const kinds = (s: Simulation) =>
  s.account.sns.published
    .map((m) => m.attributes.kind?.StringValue ?? '')
    .filter((kind) => kind.startsWith('certificates.'));

/** The certificates capability's messages (the stack's target health alarms report too). */
const certificateMessages = (s: Simulation) =>
  s.account.sns.published.filter((m) => (m.attributes.kind?.StringValue ?? '').startsWith('certificates.'));

function cnameValue(s: Simulation, zoneId: string, name: string): string | undefined {
  const zone = s.account.route53.view().find((z) => z.id === zoneId);
  return zone?.records.find((r) => r.Type === 'CNAME' && r.Name === name)?.ResourceRecords?.[0]?.Value;
}

/**
 * The deployed rule names the certificates of the config file (resources), fixed at deploy time: the events of a
 * certificate a test adds are delivered here as such a rule would, each once.
 */
async function deliverEventsOf(s: Simulation, arn: string, delivered: Set<string>): Promise<void> {
  for (const event of s.account.emittedEvents().filter((e) => e.resources[0] === arn)) {
    if (delivered.has(event.id)) continue;
    delivered.add(event.id);
    const run = await s.lambda.invokeDirect('certificatesEvent', event, event.id);
    expect(run.error ?? run.outcome).toBe('ok');
  }
}

async function nextDay(s: Simulation): Promise<void> {
  await s.clock.advance(DAY_MS);
  await s.settle(3_600_000);
}

describe('certificates on the simulated account', () => {
  it('repairs a deleted validation record after Renewal Action Required, and the renewal then succeeds', async () => {
    // Arrange
    const { sim: s, arn, zoneId, route53 } = await start();
    const www = s.account.acm.validationRecordOf('www.example.com');
    await change(route53, zoneId, 'DELETE', www);

    // Act: day 1 (46 days left) the renewal fails quietly; day 2 (45 days) ACM asks for action.
    await nextDay(s);
    expect(kinds(s)).toEqual([]);
    await nextDay(s);
    const actionEvent = s.account
      .emittedEvents()
      .find((e) => e['detail-type'] === 'ACM Certificate Renewal Action Required');

    // Assert: repaired through the writer, reported once.
    expect(actionEvent).toBeDefined();
    expect(cnameValue(s, zoneId, www.name)).toBe(www.value);
    expect(kinds(s)).toEqual(['certificates.renewal.action-required']);
    const report = certificateMessages(s)[0]?.message ?? '';
    expect(report).toContain(www.name);

    // A repeated delivery of the same event: silent.
    const again = await s.lambda.invokeDirect('certificatesEvent', actionEvent, 'redelivery');
    expect(again.result).toMatchObject({ status: 'silent' });
    expect(kinds(s)).toHaveLength(1);

    // Day 3: ACM's next attempt finds the record and renews; fleetpilot says so.
    await nextDay(s);
    const renewed = s.account.acm.view().find((c) => c.CertificateArn === arn);
    expect(renewed?.RenewalSummary?.RenewalStatus).toBe('SUCCESS');
    expect(renewed?.NotAfter?.getTime()).toBeGreaterThan(Date.now() + 390 * DAY_MS);
    expect(kinds(s)).toEqual(['certificates.renewal.action-required', 'certificates.certificate.available']);

    // The late duplicate of the old Action Required: stale, silent. The tag remembers the renewal.
    const late = await s.lambda.invokeDirect('certificatesEvent', actionEvent, 'late');
    expect(late.result).toMatchObject({ status: 'silent' });
    expect(kinds(s)).toHaveLength(2);
    const tags = await tagsOf(s, arn);
    expect(tags[NOTICE_TAG]).toMatch(/\/renewed$/);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('in dry run, reports the repair it would make and writes nothing', async () => {
    const { sim: s, zoneId, route53 } = await start({ dryRun: true });
    const www = s.account.acm.validationRecordOf('www.example.com');
    await change(route53, zoneId, 'DELETE', www);

    await nextDay(s);
    await nextDay(s);

    expect(cnameValue(s, zoneId, www.name)).toBeUndefined();
    expect(certificateMessages(s)[0]?.subject).toContain('[dry run]');
    expect(certificateMessages(s)[0]?.message).toContain('UPSERT validation CNAME');
  });

  it('the audit finds an imported certificate near expiry and sends one digest', async () => {
    const { sim: s } = await start();
    const imported = s.account.acm.addCertificate({
      domainName: 'legacy.example.com',
      type: 'IMPORTED',
      notAfter: Date.now() + 6 * DAY_MS,
    });
    const service = s.config.services[0];
    if (!service) throw new Error('no service');
    service.certificates = [...service.certificates, imported];

    const run = await s.lambda.invokeDirect(
      'certificatesAudit',
      { fleetpilot: 'certificates', action: 'audit' },
      'audit-1',
    );

    expect(run.result).toMatchObject({ status: 'attention' });
    expect(kinds(s)).toEqual(['certificates.audit.attention']);
    expect(certificateMessages(s)[0]?.message).toMatch(/imported: re-import before/);
  });
});

describe('certificates and the listener on the simulated account', () => {
  /** What the example's load balancer's HTTPS :443 listener serves. */
  const https = (s: Simulation) =>
    s.account.elbv2.loadBalancers
      .view()
      .find((lb) => lb.name === 'web')
      ?.listeners.find((l) => l.port === 443);
  const everyKind = (s: Simulation) => s.account.sns.published.map((m) => m.attributes.kind?.StringValue ?? '');

  it('rotates a new certificate that covers the names of the one in use onto the listener (Available → ModifyListener)', async () => {
    const { sim: s, arn } = await start();
    expect(https(s)?.defaultCertificate).toBe(arn);

    const replacement = s.account.acm.addCertificate({
      domainName: 'www.example.com',
      subjectAlternativeNames: ['example.com', 'shop.example.com'],
    });
    expect(await s.settle(3_600_000)).toBe(true);

    expect(https(s)).toEqual({ port: 443, protocol: 'HTTPS', defaultCertificate: replacement, certificates: [] });
    expect(everyKind(s)).toContain('site.rotation.done');
    const calls = s.account.faults.calls.filter((c) => c.service === 'elbv2' && c.operation.endsWith('Listener'));
    expect(calls.map((c) => `${c.operation} ${c.outcome}`)).toEqual(['ModifyListener ok']);
  });

  it('does not rotate a new certificate that misses a name of the one in use', async () => {
    const { sim: s, arn } = await start();

    s.account.acm.addCertificate({ domainName: 'www.example.com' });
    expect(await s.settle(3_600_000)).toBe(true);

    expect(https(s)?.defaultCertificate).toBe(arn);
    expect(everyKind(s).filter((k) => k.startsWith('site.'))).toEqual([]);
  });

  it('in dry run, says which listener calls it would make and changes no listener', async () => {
    const { sim: s, arn } = await start({ dryRun: true });

    s.account.acm.addCertificate({ domainName: 'www.example.com', subjectAlternativeNames: ['example.com'] });
    expect(await s.settle(3_600_000)).toBe(true);

    expect(https(s)?.defaultCertificate).toBe(arn);
    const done = s.account.sns.published.find((m) => m.attributes.kind?.StringValue === 'site.rotation.done');
    expect(done?.subject).toContain('[dry run]');
    expect(done?.message).toContain('ModifyListener 443');
  });

  it('repairs a validation record two certificates share, and never deletes it', async () => {
    // A second certificate the config names, for the same names: both validate through the same records.
    const second = 'arn:aws:acm:eu-west-1:123456789012:certificate/1b2c3d4e-5f60-789a-bcde-f0123456789a';
    const { sim: s, arn, zoneId, route53 } = await start({ moreCertificates: [second] });
    // In use (so eligible for managed renewal) as well: in the HTTPS listener's certificate list (SNI).
    const lbs = s.account.elbv2.loadBalancers;
    const elbv2 = new ElasticLoadBalancingV2Client({ region: s.account.region, maxAttempts: 1 });
    attachSim(elbv2, s.account);
    await elbv2.send(
      new AddListenerCertificatesCommand({
        ListenerArn: lbs.listenerArnOf('web', 443),
        Certificates: [{ CertificateArn: second }],
      }),
    );
    s.account.acm.setInUseBy(second, [lbs.arnOf('web')]);
    const shared = s.account.acm.validationRecordOf('example.com');
    const names = (c: string) =>
      s.account.acm
        .view()
        .find((d) => d.CertificateArn === c)
        ?.DomainValidationOptions?.map((o) => o.ResourceRecord?.Name);
    expect(names(arn)).toContain(shared.name);
    expect(names(second)).toContain(shared.name);
    const deletes: string[] = [];
    s.account.onCall((call) => {
      const changes = (call.input as { ChangeBatch?: { Changes?: { Action?: string }[] } }).ChangeBatch?.Changes ?? [];
      if (call.operation === 'ChangeResourceRecordSets' && changes.some((c) => c.Action === 'DELETE')) {
        deletes.push(JSON.stringify(changes));
      }
    });
    await change(route53, zoneId, 'DELETE', shared);
    deletes.length = 0; // the cleanup script's own delete

    const delivered = new Set<string>();
    await nextDay(s);
    await deliverEventsOf(s, second, delivered);
    await nextDay(s); // 45 days: both certificates' renewals ask for action
    await deliverEventsOf(s, second, delivered);
    expect(kinds(s).filter((k) => k === 'certificates.renewal.action-required')).toHaveLength(2);
    expect(cnameValue(s, zoneId, shared.name)).toBe(shared.value);
    await nextDay(s);

    for (const certificate of [arn, second]) {
      const detail = s.account.acm.view().find((c) => c.CertificateArn === certificate);
      expect(detail?.RenewalSummary?.RenewalStatus).toBe('SUCCESS');
    }
    expect(cnameValue(s, zoneId, shared.name)).toBe(shared.value);
    expect(deletes).toEqual([]);
  });

  it('escalates an imported certificate near expiry with its re-import deadline, once per threshold', async () => {
    const { sim: s } = await start();
    const imported = s.account.acm.addCertificate({
      domainName: 'legacy.example.com',
      type: 'IMPORTED',
      notBefore: Date.now() - 300 * DAY_MS,
      notAfter: Date.now() + 7.5 * DAY_MS,
    });
    const service = s.config.services[0];
    if (!service) throw new Error('no service');
    service.certificates = [...service.certificates, imported];

    const delivered = new Set<string>();
    await nextDay(s); // 6 days left: the 7-day threshold
    await deliverEventsOf(s, imported, delivered);
    await nextDay(s); // 5 days left: still the 7-day threshold, nothing new
    await deliverEventsOf(s, imported, delivered);
    expect(delivered.size).toBe(2);

    const escalations = s.account.sns.published.filter(
      (m) => m.attributes.kind?.StringValue === 'certificates.imported.reimport-due',
    );
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.attributes.severity?.StringValue).toBe('critical'); // 7 days or less
    expect(escalations[0]?.message).toContain('re-import');
    const expiry =
      s.account.acm
        .view()
        .find((c) => c.CertificateArn === imported)
        ?.NotAfter?.toISOString() ?? '';
    expect(escalations[0]?.message).toContain(expiry);
  });
});

async function tagsOf(s: Simulation, arn: string): Promise<Record<string, string>> {
  const { ACMClient, ListTagsForCertificateCommand } = await import('@aws-sdk/client-acm');
  const acm = new ACMClient({ region: s.account.region, maxAttempts: 1 });
  attachSim(acm, s.account);
  const { Tags = [] } = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
  return Object.fromEntries(Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}
