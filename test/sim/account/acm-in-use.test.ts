/**
 * ACM's InUseBy on the simulated account follows the load balancers' listeners (sim/acm.ts asks
 * sim/elbv2-load-balancers.ts on every read): a rotation with ModifyListener, SNI certificates added and removed,
 * and what a scenario may declare besides.
 */
import { DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import {
  AddListenerCertificatesCommand,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SimConfigError } from '../../../sim';
import { type Harness, startAccount } from './harness';

const cert = (n: number) => `arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-4000-8000-00000000000${n}`;
const OLD = cert(1);
const NEW = cert(2);
const SNI = cert(3);
const API_DOMAIN = 'arn:aws:apigateway:eu-west-1::/domainnames/example.com';
const WEB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef';
const API = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api/fedcba9876543210';

describe('simulated ACM InUseBy, derived from the listeners', () => {
  let h: Harness;
  afterEach(() => h.done());

  const start = (inUseBy: { old?: string[]; sni?: string[] } = {}) => {
    h = startAccount({
      loadBalancers: [
        {
          name: 'web',
          arn: WEB,
          listeners: [
            { protocol: 'HTTPS', port: 443, certificate: OLD },
            { protocol: 'HTTP', port: 80, defaultAction: { redirectToHttps: true } },
          ],
        },
        { name: 'api', arn: API, type: 'network', listeners: [{ protocol: 'TLS', port: 443, certificate: OLD }] },
      ],
      certificates: [
        { arn: OLD, domainName: 'example.com', ...(inUseBy.old ? { inUseBy: inUseBy.old } : {}) },
        { arn: NEW, domainName: 'example.com' },
        { arn: SNI, domainName: 'shop.example.com', ...(inUseBy.sni ? { inUseBy: inUseBy.sni } : {}) },
      ],
    });
    return h;
  };

  const describe_ = async (arn: string) =>
    (await h.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
  const inUse = async () =>
    Object.fromEntries(
      ((await h.acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? []).map((c) => [
        c.CertificateArn,
        c.InUse,
      ]),
    );

  it('moves InUseBy from the old certificate to the new one when a rotation replaces the default certificate', async () => {
    start();
    const before = { old: await describe_(OLD), new: await describe_(NEW) };

    await h.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: h.account.elbv2.loadBalancers.listenerArnOf('web', 443),
        Certificates: [{ CertificateArn: NEW }],
      }),
    );
    const half = { old: await describe_(OLD), new: await describe_(NEW) };
    await h.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: h.account.elbv2.loadBalancers.listenerArnOf('api', 443),
        Certificates: [{ CertificateArn: NEW }],
      }),
    );
    const after = { old: await describe_(OLD), new: await describe_(NEW) };

    expect(before.old).toMatchObject({ InUseBy: [WEB, API], RenewalEligibility: 'ELIGIBLE' });
    expect(before.new).toMatchObject({ InUseBy: [], RenewalEligibility: 'INELIGIBLE' });
    expect(half.old?.InUseBy).toEqual([API]);
    expect(half.new?.InUseBy).toEqual([WEB]);
    expect(after.old).toMatchObject({ InUseBy: [], RenewalEligibility: 'INELIGIBLE' });
    expect(after.new).toMatchObject({ InUseBy: [WEB, API], RenewalEligibility: 'ELIGIBLE' });
    expect(await inUse()).toEqual({ [OLD]: false, [NEW]: true, [SNI]: false });
  });

  it('lists a load balancer while an SNI certificate is in a listener certificate list, once, before declared users', async () => {
    start({ sni: [API_DOMAIN] });
    const listener = h.account.elbv2.loadBalancers.listenerArnOf('web', 443);
    const before = await describe_(SNI);

    await h.elbv2.send(
      new AddListenerCertificatesCommand({ ListenerArn: listener, Certificates: [{ CertificateArn: SNI }] }),
    );
    // The default certificate in the list as well: the load balancer is still one user.
    await h.elbv2.send(
      new AddListenerCertificatesCommand({ ListenerArn: listener, Certificates: [{ CertificateArn: OLD }] }),
    );
    const added = { sni: await describe_(SNI), old: await describe_(OLD) };
    await h.elbv2.send(
      new RemoveListenerCertificatesCommand({ ListenerArn: listener, Certificates: [{ CertificateArn: SNI }] }),
    );
    const removed = await describe_(SNI);

    expect(before?.InUseBy).toEqual([API_DOMAIN]);
    expect(added.sni?.InUseBy).toEqual([WEB, API_DOMAIN]);
    expect(added.old?.InUseBy).toEqual([WEB, API]);
    expect(removed?.InUseBy).toEqual([API_DOMAIN]);
  });

  it('checks a declared load balancer against its listeners and does not keep it after they change', async () => {
    start({ old: [WEB, API_DOMAIN] });
    const declared = await describe_(OLD);
    h.done();

    expect(() => start({ sni: [WEB] })).toThrow(SimConfigError);
    start({ old: [WEB] });
    await h.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: h.account.elbv2.loadBalancers.listenerArnOf('web', 443),
        Certificates: [{ CertificateArn: NEW }],
      }),
    );

    expect(declared?.InUseBy).toEqual([WEB, API, API_DOMAIN]);
    expect((await describe_(OLD))?.InUseBy).toEqual([API]);
    expect(() => h.account.acm.setInUseBy(SNI, [WEB])).toThrow(/whose listeners do not use it/);
  });
});
