/**
 * Certificates end to end on the simulated account, with the example config and the handlers wired from
 * serverless.yml: the DNS validation record of the site's certificate is deleted → ACM's renewal attempt fails and it
 * sends Renewal Action Required → fleetpilot repairs the record through the Route 53 writer → ACM's next attempt
 * renews the certificate → Available → fleetpilot reports it. A repeated event is silent; the notice lives in the
 * certificate's tag. Then the audit and an imported certificate.
 */
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { NOTICE_TAG } from '../../../functions/certificates/notice';
import { loadConfig } from '../../../shared/config/load';
import { DAY_MS } from '../../../sim/acm';
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

/** The example's certificate for www.example.com and example.com, 47 days from expiry, with its records in place. */
async function start(overrides: { dryRun?: boolean } = {}): Promise<Story> {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  if (!service?.certificateWatch) throw new Error('the example config has no certificateWatch section');
  if (overrides.dryRun) service.dryRun = true;
  const s = startSimulation({ config, seed: 'certificates' });
  sim = s;
  const arn = service.certificates[0] ?? '';
  const zoneId = config.hostedZones.public?.id ?? '';
  s.account.acm.addCertificate({
    arn,
    domainName: 'www.example.com',
    subjectAlternativeNames: ['example.com'],
    // Eligible for managed renewal: exported (the simulated account has no load balancer to put it on here).
    exported: true,
    notBefore: Date.now() - 348 * DAY_MS,
  });
  const route53 = new Route53Client({ region: s.account.region, maxAttempts: 1 });
  attachSim(route53, s.account);
  for (const name of ['www.example.com', 'example.com']) {
    const record = s.account.acm.validationRecordOf(name);
    await change(route53, zoneId, 'CREATE', record);
  }
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

function cnameValue(s: Simulation, zoneId: string, name: string): string | undefined {
  const zone = s.account.route53.view().find((z) => z.id === zoneId);
  return zone?.records.find((r) => r.Type === 'CNAME' && r.Name === name)?.ResourceRecords?.[0]?.Value;
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
    const report = s.account.sns.published[0]?.message ?? '';
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
    expect(s.account.acm.view().length).toBe(1);
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
    expect(s.account.sns.published[0]?.subject).toContain('[dry run]');
    expect(s.account.sns.published[0]?.message).toContain('UPSERT validation CNAME');
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
    expect(s.account.sns.published[0]?.message).toMatch(/imported: re-import before/);
  });
});

async function tagsOf(s: Simulation, arn: string): Promise<Record<string, string>> {
  const { ACMClient, ListTagsForCertificateCommand } = await import('@aws-sdk/client-acm');
  const acm = new ACMClient({ region: s.account.region, maxAttempts: 1 });
  attachSim(acm, s.account);
  const { Tags = [] } = await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
  return Object.fromEntries(Tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}
