import { ACMClient, type CertificateDetail, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  AddListenerCertificatesCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import type { SiteTarget } from '../../../functions/site/alias';
import { makeSiteRotateHandler } from '../../../functions/site/handlers';
import { coversAll, nameCovers, rotateCertificate } from '../../../functions/site/rotation';
import type { FleetpilotConfig } from '../../../shared/config/schema';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { createMutations } from '../../../shared/runtime/mutations';
import { loadEvent } from '../../helpers/events';
import { type RecordingNotifier, recordingNotifier } from '../../helpers/recording-notifier';

const acm = mockClient(ACMClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);

const cert = (id: string) => `arn:aws:acm:eu-west-1:123456789012:certificate/${id}-0000-4000-8000-000000000000`;
const OLD = cert('0a1b2c3d');
const NEW = cert('1b2c3d4e');
const OTHER = cert('2c3d4e5f');
const LB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-alb/0123456789abcdef';
const HTTPS =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-alb/0123456789abcdef/aaaaaaaaaaaaaaaa';
const HTTP =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web-alb/0123456789abcdef/bbbbbbbbbbbbbbbb';

const target: SiteTarget = {
  service: 'web',
  domain: 'www.example.com',
  zoneId: 'Z0EXAMPLEPUBLIC001',
  siteDns: {
    loadBalancer: 'web-alb',
    mode: 'repair',
    adopt: false,
    evaluateTargetHealth: true,
    rotation: { listenerPorts: [443] },
  },
};

const detail = (arn: string, names: string[], notAfter: string, status: CertificateDetail['Status'] = 'ISSUED') => {
  acm.on(DescribeCertificateCommand, { CertificateArn: arn }).resolves({
    Certificate: {
      CertificateArn: arn,
      DomainName: names[0],
      SubjectAlternativeNames: names,
      Status: status,
      NotAfter: new Date(notAfter),
    },
  });
};

function listenerHolds(certificates: { arn: string; isDefault: boolean }[]) {
  elbv2.on(DescribeListenerCertificatesCommand, { ListenerArn: HTTPS }).resolves({
    Certificates: certificates.map((c) => ({ CertificateArn: c.arn, IsDefault: c.isDefault })),
  });
}

let notifier: RecordingNotifier;

const ports = (dryRun = false) => ({
  acm: new ACMClient({}),
  elbv2: new ElasticLoadBalancingV2Client({}),
  notifier,
  log: { info: () => undefined, error: () => undefined },
  mutations: createMutations(dryRun, { info: () => undefined }),
});

beforeEach(() => {
  acm.reset();
  elbv2.reset();
  notifier = recordingNotifier();
  elbv2
    .on(DescribeLoadBalancersCommand)
    .resolves({ LoadBalancers: [{ LoadBalancerArn: LB_ARN, LoadBalancerName: 'web-alb' }] });
  elbv2.on(DescribeListenersCommand, { LoadBalancerArn: LB_ARN }).resolves({
    Listeners: [
      { ListenerArn: HTTP, Port: 80, Protocol: 'HTTP' },
      { ListenerArn: HTTPS, Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: OLD }] },
    ],
  });
  elbv2.on(ModifyListenerCommand).resolves({});
  elbv2.on(AddListenerCertificatesCommand).resolves({});
  elbv2.on(RemoveListenerCertificatesCommand).resolves({});
  detail(OLD, ['www.example.com', 'example.com'], '2026-12-20T00:00:00Z');
  detail(NEW, ['example.com', '*.example.com'], '2027-12-20T00:00:00Z');
});

describe('certificate names', () => {
  it('match a wildcard on exactly one left-most label', () => {
    expect(nameCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(nameCovers('*.example.com', 'example.com')).toBe(false);
    expect(nameCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(nameCovers('WWW.example.com', 'www.EXAMPLE.com')).toBe(true);
    expect(coversAll(['*.example.com'], ['www.example.com', 'example.com'])).toBe(false);
    expect(coversAll(['example.com', '*.example.com'], ['www.example.com', 'example.com'])).toBe(true);
  });
});

describe('listener rotation', () => {
  it('makes the new certificate the default, then removes the old one from the list once it is no longer the default', async () => {
    listenerHolds([
      { arn: OLD, isDefault: true },
      { arn: OLD, isDefault: false },
    ]);

    const result = await rotateCertificate(target, NEW, ports(), 'evt-1');

    expect(result.rotated).toEqual([
      {
        listener: HTTPS,
        port: 443,
        replaced: OLD,
        wasDefault: true,
        steps: [expect.stringMatching(/^ModifyListener 443/), expect.stringMatching(/^RemoveListenerCertificates 443/)],
      },
    ]);
    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: HTTPS,
      Certificates: [{ CertificateArn: NEW }],
    });
    expect(elbv2).toHaveReceivedCommandWith(RemoveListenerCertificatesCommand, {
      ListenerArn: HTTPS,
      Certificates: [{ CertificateArn: OLD }],
    });
    expect(elbv2).not.toHaveReceivedCommand(AddListenerCertificatesCommand);
    // Order: the old one leaves the list only after it stopped being the default.
    const calls = elbv2.calls().map((c) => c.args[0].constructor.name);
    expect(calls.indexOf('ModifyListenerCommand')).toBeLessThan(calls.indexOf('RemoveListenerCertificatesCommand'));
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.rotation.done']);
    expect(notifier.sent[0]?.facts.map(([label]) => label)).toEqual(['Port 443 step 1', 'Port 443 step 2']);
  });

  it('adds the new certificate to the list in place of a non-default one, then removes the old', async () => {
    listenerHolds([
      { arn: OTHER, isDefault: true },
      { arn: OLD, isDefault: false },
    ]);
    detail(OTHER, ['shop.example.net'], '2027-06-01T00:00:00Z');

    const result = await rotateCertificate(target, NEW, ports(), 'evt-2');

    expect(result.rotated.map((r) => [r.replaced, r.wasDefault, r.steps.length])).toEqual([[OLD, false, 2]]);
    expect(elbv2).toHaveReceivedCommandWith(AddListenerCertificatesCommand, {
      Certificates: [{ CertificateArn: NEW }],
    });
    expect(elbv2).toHaveReceivedCommandWith(RemoveListenerCertificatesCommand, {
      Certificates: [{ CertificateArn: OLD }],
    });
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('does nothing, silently, when the certificate is already the one in use (a managed renewal keeps its ARN)', async () => {
    listenerHolds([{ arn: NEW, isDefault: true }]);

    const result = await rotateCertificate(target, NEW, ports(), 'evt-3');

    expect(result.rotated).toEqual([]);
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(notifier.sent).toEqual([]);
  });

  it('leaves a certificate whose names the new one does not cover', async () => {
    listenerHolds([{ arn: OTHER, isDefault: true }]);
    detail(OTHER, ['shop.example.net'], '2026-12-01T00:00:00Z');

    const result = await rotateCertificate(target, NEW, ports(), 'evt-4');

    expect(result).toEqual({ service: 'web', rotated: [], refused: [] });
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('refuses a new certificate that expires no later than the one in use', async () => {
    listenerHolds([{ arn: OLD, isDefault: true }]);
    detail(NEW, ['example.com', '*.example.com'], '2026-11-30T00:00:00Z');

    const result = await rotateCertificate(target, NEW, ports(), 'evt-5');

    expect(result.refused).toEqual([
      {
        listener: HTTPS,
        port: 443,
        certificate: OLD,
        reason: expect.stringContaining('not later than the one in use'),
      },
    ]);
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.rotation.refused']);
  });

  it('refuses a certificate that is not issued', async () => {
    listenerHolds([{ arn: OLD, isDefault: true }]);
    detail(NEW, ['example.com', '*.example.com'], '2027-12-20T00:00:00Z', 'PENDING_VALIDATION');

    const result = await rotateCertificate(target, NEW, ports(), 'evt-6');

    expect(result.refused[0]?.reason).toBe('the new certificate is PENDING_VALIDATION, not ISSUED');
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('touches only the configured ports', async () => {
    listenerHolds([{ arn: OLD, isDefault: true }]);

    await rotateCertificate(
      { ...target, siteDns: { ...target.siteDns, rotation: { listenerPorts: [8443] } } },
      NEW,
      ports(),
      'e',
    );

    expect(elbv2).not.toHaveReceivedCommand(DescribeListenerCertificatesCommand);
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('in dry run makes no listener change and reports the steps it would have made', async () => {
    listenerHolds([{ arn: OLD, isDefault: true }]);

    const result = await rotateCertificate(target, NEW, ports(true), 'evt-7');

    expect(result.rotated[0]?.steps).toEqual([expect.stringMatching(/^ModifyListener 443/)]);
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(notifier.sent[0]?.title).toMatch(/^\[dry run\] /);
  });
});

describe('the rotation handler', () => {
  const config = {
    region: 'eu-west-1',
    dryRun: false,
    notifications: { topicName: 't', emails: [] },
    hostedZones: { public: { id: 'Z0EXAMPLEPUBLIC001', domain: 'example.com', private: false } },
    services: [
      {
        name: 'web',
        autoScalingGroup: 'web-asg',
        targetGroups: [],
        certificates: [],
        site: { domain: 'www.example.com', zone: 'public' },
        siteDns: target.siteDns,
      },
    ],
  } as unknown as FleetpilotConfig;
  const handler = () =>
    makeSiteRotateHandler({
      config,
      clients: { acm: new ACMClient({}), elbv2: new ElasticLoadBalancingV2Client({}), sns: {} },
      notifier,
      clock: { now: () => 0, sleep: async () => undefined },
      continuationQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/c',
      dnsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/d',
      log: { debug: () => undefined, info: () => undefined, error: () => undefined, warn: () => undefined },
    } as unknown as HandlerDeps<never>);

  it("rotates on AWS's sample Certificate Available event (with a real certificate ARN)", async () => {
    listenerHolds([{ arn: OLD, isDefault: true }]);
    const event = loadEvent<{ resources: string[] }>('acm-certificate-available');
    event.resources = [NEW];

    const result = await handler()(event);

    expect(result).toMatchObject({ status: 'done', results: [{ service: 'web', rotated: [{ replaced: OLD }] }] });
    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, { Certificates: [{ CertificateArn: NEW }] });
  });

  it('rejects the sample as published (its ARN is a placeholder) and changes nothing', async () => {
    const result = await handler()(loadEvent('acm-certificate-available'));

    expect(result).toMatchObject({ status: 'rejected' });
    expect(acm).not.toHaveReceivedCommand(DescribeCertificateCommand);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.event.invalid']);
  });
});
