/**
 * The site part of the simulated stack declared from a config (sim/simulation.ts loadBalancersFromConfig): the load
 * balancers the config names, one per name, in front of the service's target groups with an HTTPS :443 listener on
 * the service's certificate and an HTTP :80 redirect; the certificates in ACM with their validation records. The
 * daily audit and the site check find it healthy.
 */
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { loadBalancersFromConfig, type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef';
const TG_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-http/0123456789abcdef';

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

describe('the site part of the simulated stack', () => {
  it('declares the one load balancer the example names three times, with its listeners and target group', () => {
    const config = loadConfig(EXAMPLE);
    const s = startSimulation({ config, seed: 'site-stack' });
    sim = s;
    const certificate = config.services[0]?.certificates[0];

    expect(s.account.elbv2.loadBalancers.view()).toEqual([
      {
        name: 'web',
        dnsName: expect.stringMatching(/^web-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/),
        listeners: [
          { port: 443, protocol: 'HTTPS', defaultCertificate: certificate, certificates: [] },
          { port: 80, protocol: 'HTTP', certificates: [] },
        ],
      },
    ]);
    expect(s.account.elbv2.loadBalancers.arnOf('web')).toBe(LB_ARN);
    expect(s.account.elbv2.loadBalancersOf(TG_ARN)).toEqual([LB_ARN]);
  });

  it('holds the configured certificate in ACM, in use by the load balancer, its validation records in the zone', () => {
    const config = loadConfig(EXAMPLE);
    const s = startSimulation({ config, seed: 'site-stack' });
    sim = s;
    const [certificate] = s.account.acm.view();

    expect(certificate).toMatchObject({
      CertificateArn: config.services[0]?.certificates[0],
      DomainName: 'www.example.com',
      SubjectAlternativeNames: ['www.example.com', 'example.com'],
      Status: 'ISSUED',
      Type: 'AMAZON_ISSUED',
      InUseBy: [LB_ARN],
      RenewalEligibility: 'ELIGIBLE',
    });
    const zone = s.account.route53.view().find((z) => z.id === config.hostedZones.public?.id);
    for (const option of certificate?.DomainValidationOptions ?? []) {
      expect(zone?.records).toContainEqual({
        Name: option.ResourceRecord?.Name,
        Type: 'CNAME',
        TTL: 300,
        ResourceRecords: [{ Value: option.ResourceRecord?.Value }],
      });
    }
    expect(certificate?.DomainValidationOptions).toHaveLength(2);
  });

  it('is found healthy by the daily audit and by the site check (which creates the alias once)', async () => {
    const config = loadConfig(EXAMPLE);
    const s = startSimulation({ config, seed: 'site-stack' });
    sim = s;

    const audit = await s.lambda.invokeDirect(
      'certificatesAudit',
      { fleetpilot: 'certificates', action: 'audit' },
      'a',
    );
    const first = await s.lambda.invokeDirect(
      'siteCheck',
      { fleetpilot: 'site', action: 'check', report: 'changes' },
      'c1',
    );
    await s.settle(60_000);
    const daily = await s.lambda.invokeDirect(
      'siteCheck',
      { fleetpilot: 'site', action: 'check', report: 'all' },
      'c2',
    );

    expect(audit.result).toMatchObject({ status: expect.stringMatching(/^(quiet|heartbeat)$/) });
    expect(first.result).toMatchObject({ status: 'done', results: [{ status: 'checked', loadBalancer: 'web' }] });
    expect(daily.result).toMatchObject({ status: 'done', results: [{ status: 'checked', changes: 0 }] });
    const kinds = s.account.sns.published.map((m) => m.attributes.kind?.StringValue ?? '');
    expect(kinds.filter((k) => k.startsWith('site.') || k.startsWith('certificates.'))).toEqual(
      kinds.includes('certificates.audit.heartbeat')
        ? ['certificates.audit.heartbeat', 'site.alias.created']
        : ['site.alias.created'],
    );
  });

  it('declares two load balancers when the config names two', () => {
    const config = loadConfig(EXAMPLE);
    const service = config.services[0];
    if (!service?.siteDns) throw new Error('the example has no siteDns');
    service.siteDns.loadBalancer = 'web-alb';

    const declared = loadBalancersFromConfig(config, '123456789012', Date.parse('2026-01-05T09:00:00Z'));

    expect(declared.loadBalancers?.map((lb) => [lb.name, lb.targetGroups])).toEqual([
      ['web-alb', ['web-http']],
      ['web', ['web-http']],
    ]);
    expect(declared.loadBalancers?.[0]?.arn).toMatch(
      /^arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer\/app\/web-alb\/[0-9a-f]{16}$/,
    );
    expect(declared.certificates?.[0]?.inUseBy).toEqual([declared.loadBalancers?.[0]?.arn, LB_ARN]);
  });
});
