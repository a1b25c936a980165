import {
  AddListenerCertificatesCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyListenerCommand,
  OperationNotPermittedException,
  RemoveListenerCertificatesCommand,
  TooManyCertificatesException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { MAX_LISTENER_CERTIFICATES } from '../../../sim/elbv2-load-balancers';
import { type Harness, rejectionOf, startAccount } from './harness';

const cert = (n: number) =>
  `arn:aws:acm:eu-west-1:123456789012:certificate/${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

describe('simulated ELBv2 load balancers, listeners and listener certificates', () => {
  let h: Harness;
  let https: string;
  let lbArn: string;

  beforeEach(() => {
    h = startAccount({
      targetGroups: [{ name: 'web-http' }],
      loadBalancers: [
        {
          name: 'web-alb',
          ipAddressType: 'dualstack',
          targetGroups: ['web-http'],
          listeners: [
            { protocol: 'HTTP', port: 80, defaultAction: { redirectToHttps: true } },
            {
              protocol: 'HTTPS',
              port: 443,
              certificate: cert(1),
              extraCertificates: [cert(2)],
              defaultAction: { forwardTo: 'web-http' },
            },
          ],
        },
        { name: 'api-nlb', type: 'network', scheme: 'internal' },
      ],
    });
    lbArn = h.account.elbv2.loadBalancers.arnOf('web-alb');
    https = h.account.elbv2.loadBalancers.listenerArnOf('web-alb', 443);
  });
  afterEach(() => h.done());

  it('describes load balancers by name with their DNS name and the canonical hosted zone of their type and region', async () => {
    const out = await h.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-alb', 'api-nlb'] }));

    const [alb, nlb] = out.LoadBalancers ?? [];
    expect(alb).toMatchObject({
      LoadBalancerArn: expect.stringMatching(
        /^arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer\/app\/web-alb\/[0-9a-f]{16}$/,
      ),
      DNSName: expect.stringMatching(/^web-alb-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/),
      CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
      Scheme: 'internet-facing',
      Type: 'application',
      IpAddressType: 'dualstack',
      State: { Code: 'active' },
    });
    expect(nlb).toMatchObject({
      DNSName: expect.stringMatching(/^api-nlb-[0-9a-f]{16}\.elb\.eu-west-1\.amazonaws\.com$/),
      CanonicalHostedZoneId: 'Z2IFOLAFXWLO4F',
      Scheme: 'internal',
      Type: 'network',
    });
    expect(nlb?.SecurityGroups).toBeUndefined();
  });

  it('refuses an unknown name or ARN with LoadBalancerNotFound, and names with ARNs together with ValidationError', async () => {
    const byName = await rejectionOf(h.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-alb', 'nope'] })));
    const byArn = await rejectionOf(
      h.elbv2.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff')] }),
      ),
    );
    const both = await rejectionOf(
      h.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['web-alb'], LoadBalancerArns: [lbArn] })),
    );

    expect(byName).toBeInstanceOf(LoadBalancerNotFoundException);
    expect(byArn).toBeInstanceOf(LoadBalancerNotFoundException);
    expect(both.name).toBe('ValidationError');
    expect(both.$metadata?.httpStatusCode).toBe(400);
  });

  it('attaches the declared target groups to the load balancer', async () => {
    const out = await h.elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));

    expect(out.TargetGroups?.map((g) => [g.TargetGroupName, g.LoadBalancerArns])).toEqual([['web-http', [lbArn]]]);
  });

  it('describes listeners with the default certificate only, and a redirect to HTTPS on port 80', async () => {
    const out = await h.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));

    const [http, secure] = out.Listeners ?? [];
    expect(http?.DefaultActions?.[0]).toMatchObject({
      Type: 'redirect',
      RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
    });
    expect(http?.Certificates).toBeUndefined();
    expect(secure).toMatchObject({ Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: cert(1) }] });
    expect(secure?.DefaultActions?.[0]?.Type).toBe('forward');
  });

  it('lists the default certificate and the certificate list, the default twice when it is also in the list', async () => {
    await h.elbv2.send(
      new AddListenerCertificatesCommand({ ListenerArn: https, Certificates: [{ CertificateArn: cert(1) }] }),
    );

    const out = await h.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: https }));

    expect(out.Certificates).toEqual([
      { CertificateArn: cert(1), IsDefault: true },
      { CertificateArn: cert(2), IsDefault: false },
      { CertificateArn: cert(1), IsDefault: false },
    ]);
  });

  it('refuses to remove the default certificate (OperationNotPermitted) and removes a listed one', async () => {
    const refused = await rejectionOf(
      h.elbv2.send(
        new RemoveListenerCertificatesCommand({ ListenerArn: https, Certificates: [{ CertificateArn: cert(1) }] }),
      ),
    );
    await h.elbv2.send(
      new RemoveListenerCertificatesCommand({ ListenerArn: https, Certificates: [{ CertificateArn: cert(2) }] }),
    );

    expect(refused).toBeInstanceOf(OperationNotPermittedException);
    expect(h.account.elbv2.loadBalancers.view()[1]?.listeners[1]).toMatchObject({
      defaultCertificate: cert(1),
      certificates: [],
    });
  });

  it('replaces the default with ModifyListener; the old default leaves the listener unless it is listed', async () => {
    const out = await h.elbv2.send(
      new ModifyListenerCommand({ ListenerArn: https, Certificates: [{ CertificateArn: cert(3) }] }),
    );
    const two = await rejectionOf(
      h.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: https,
          Certificates: [{ CertificateArn: cert(4) }, { CertificateArn: cert(5) }],
        }),
      ),
    );

    expect(out.Listeners?.[0]?.Certificates).toEqual([{ CertificateArn: cert(3) }]);
    const listed = await h.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: https }));
    expect(listed.Certificates?.map((c) => c.CertificateArn)).toEqual([cert(3), cert(2)]);
    expect(two.name).toBe('ValidationError');
  });

  it('refuses certificates on an HTTP listener and an unknown listener', async () => {
    const http = h.account.elbv2.loadBalancers.listenerArnOf('web-alb', 80);
    const onHttp = await rejectionOf(
      h.elbv2.send(
        new AddListenerCertificatesCommand({ ListenerArn: http, Certificates: [{ CertificateArn: cert(3) }] }),
      ),
    );
    const unknown = await rejectionOf(
      h.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: `${https}0` })),
    );

    expect(onHttp.name).toBe('ValidationError');
    expect(unknown).toBeInstanceOf(ListenerNotFoundException);
  });

  it(`allows ${MAX_LISTENER_CERTIFICATES} listed certificates per load balancer, then TooManyCertificates`, async () => {
    const more = Array.from({ length: MAX_LISTENER_CERTIFICATES - 1 }, (_, i) => ({ CertificateArn: cert(100 + i) }));
    await h.elbv2.send(new AddListenerCertificatesCommand({ ListenerArn: https, Certificates: more }));

    const error = await rejectionOf(
      h.elbv2.send(
        new AddListenerCertificatesCommand({ ListenerArn: https, Certificates: [{ CertificateArn: cert(999) }] }),
      ),
    );

    expect(error).toBeInstanceOf(TooManyCertificatesException);
    const listed = await h.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: https }));
    expect(listed.Certificates?.filter((c) => !c.IsDefault)).toHaveLength(MAX_LISTENER_CERTIFICATES);
  });
});
