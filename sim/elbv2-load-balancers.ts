/**
 * Simulated ELBv2 load balancers, listeners and listener certificates (the part of sim/elbv2.ts that is not target
 * groups). Elbv2Service routes these operations here.
 *
 * Modelled, per the ELBv2 API reference (DescribeLoadBalancers, DescribeListeners, DescribeListenerCertificates,
 * AddListenerCertificates, RemoveListenerCertificates, ModifyListener):
 * - A load balancer has an ARN `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<16 hex>`,
 *   a DNSName (ALB `[internal-]<name>-<digits>.<region>.elb.amazonaws.com`, NLB `<name>-<hex>.elb.<region>.amazonaws.com`)
 *   and the CanonicalHostedZoneId of its type and region (AWS General Reference, "Elastic Load Balancing endpoints
 *   and quotas": one Route 53 zone id per region for ALBs and one for NLBs), Scheme, Type, IpAddressType
 *   (ipv4 | dualstack), SecurityGroups (ALB only), State active.
 * - DescribeLoadBalancers: by LoadBalancerArns or Names (not both: ValidationError), at most 20 names;
 *   LoadBalancerNotFoundException "One or more load balancers not found".
 * - DescribeListeners: by LoadBalancerArn or ListenerArns; a listener's `Certificates` holds its default certificate
 *   only. ListenerNotFoundException "One or more listeners not found".
 * - DescribeListenerCertificates: the default certificate (IsDefault true) and the certificate list (IsDefault
 *   false); "If the default certificate is also in the certificate list, it appears twice in the results"
 *   (API reference, DescribeListenerCertificates).
 * - AddListenerCertificates: adds to the certificate list; HTTPS/TLS listeners only; at most 25 certificates per
 *   load balancer besides the default ones (ELB user guide, "Quotas for your Application Load Balancers":
 *   certificates per load balancer, not counting default certificates) — TooManyCertificatesException.
 *   Adding a certificate already in the list is a no-op.
 * - RemoveListenerCertificates: one certificate per call; "You can't remove the default certificate for a listener.
 *   To replace the default certificate, call ModifyListener" (API reference) — OperationNotPermittedException.
 * - ModifyListener: Certificates must be exactly one certificate for an HTTPS/TLS listener (ValidationError
 *   otherwise); the old default leaves the listener unless it is also in the certificate list.
 *
 * - ACM's InUseBy of a certificate lists the load balancers whose listeners use it (`usersOf`, which sim/acm.ts asks
 *   on every read), so a listener change shows in ACM at once.
 *
 * Approximated: certificate ARNs are not checked against ACM (CertificateNotFoundException is never raised; sim ACM
 * is modelled apart); the OperationNotPermitted and ValidationError texts are ours (AWS documents the codes, not the
 * texts); removing a certificate that is not in the list succeeds silently; no pagination (Marker) and no
 * listener rules beyond the default actions.
 */
import {
  type Action,
  type AddListenerCertificatesCommandInput,
  type AddListenerCertificatesCommandOutput,
  type Certificate,
  type DescribeListenerCertificatesCommandInput,
  type DescribeListenerCertificatesCommandOutput,
  type DescribeListenersCommandInput,
  type DescribeListenersCommandOutput,
  type DescribeLoadBalancersCommandInput,
  type DescribeLoadBalancersCommandOutput,
  ElasticLoadBalancingV2ServiceException,
  type Listener,
  ListenerNotFoundException,
  type LoadBalancer,
  LoadBalancerNotFoundException,
  type ModifyListenerCommandInput,
  type ModifyListenerCommandOutput,
  OperationNotPermittedException,
  type RemoveListenerCertificatesCommandInput,
  type RemoveListenerCertificatesCommandOutput,
  TooManyCertificatesException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { byCodeUnit, cloneData, type SimContext } from './context';
import { SimConfigError, serviceError } from './errors';

export interface ListenerSpec {
  protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'TLS';
  port: number;
  /** Default certificate ARN (HTTPS and TLS listeners). */
  certificate?: string;
  /** The listener's certificate list besides the default (SNI). */
  extraCertificates?: string[];
  /** Default action: redirect to HTTPS on 443 (HTTP listeners), or forward to this target group (by name). */
  defaultAction?: { redirectToHttps: true } | { forwardTo: string };
}

export interface LoadBalancerSpec {
  name: string;
  /** A fixed ARN (a stack declared from a fleetpilot config); it must name this account, region, type and `name`. */
  arn?: string;
  type?: 'application' | 'network';
  scheme?: 'internet-facing' | 'internal';
  ipAddressType?: 'ipv4' | 'dualstack';
  /** Security groups by name or id (groups the account has; see StackSpec.securityGroups); default `sg-0sim`. */
  securityGroups?: string[];
  vpcId?: string;
  listeners?: ListenerSpec[];
  /** Target groups (by name) this load balancer sends traffic to. */
  targetGroups?: string[];
}

/**
 * Route 53 hosted zone ids of load balancers per region (AWS General Reference, "Elastic Load Balancing endpoints and
 * quotas", columns "Route 53 Hosted Zone ID" for Application and Network Load Balancers).
 */
export const CANONICAL_HOSTED_ZONES: Readonly<Record<string, { application: string; network: string }>> = {
  'us-east-1': { application: 'Z35SXDOTRQ7X7K', network: 'Z26RNL4JYFTOTI' },
  'us-west-2': { application: 'Z1H1FL5HABSF5', network: 'Z18D5FSROUN65G' },
  'eu-west-1': { application: 'Z32O12XQLNTSW2', network: 'Z2IFOLAFXWLO4F' },
  'eu-central-1': { application: 'Z215JYRZR1TBD5', network: 'Z3F0SRJ5LGBH90' },
};

/** A load balancer's name from a reference to it: an ARN (`…:loadbalancer/app|net/<name>/<id>`) or the name itself. */
export const loadBalancerNameOf = (ref: string): string =>
  ref.startsWith('arn:') ? (ref.split(':loadbalancer/')[1]?.split('/')[1] ?? ref) : ref;

/** Certificates per load balancer, not counting default certificates (ALB quota, default 25). */
export const MAX_LISTENER_CERTIFICATES = 25;
const MAX_NAMES = 20;

interface SimListener {
  arn: string;
  loadBalancerArn: string;
  protocol: ListenerSpec['protocol'];
  port: number;
  defaultCertificate?: string;
  certificates: string[];
  defaultActions: Action[];
}

interface SimLoadBalancer {
  arn: string;
  name: string;
  type: 'application' | 'network';
  scheme: 'internet-facing' | 'internal';
  ipAddressType: 'ipv4' | 'dualstack';
  securityGroups: string[];
  vpcId: string;
  dnsName: string;
  canonicalHostedZoneId: string;
  createdAt: number;
  listeners: SimListener[];
}

export type LoadBalancerOperations = {
  DescribeLoadBalancers: readonly [DescribeLoadBalancersCommandInput, DescribeLoadBalancersCommandOutput];
  DescribeListeners: readonly [DescribeListenersCommandInput, DescribeListenersCommandOutput];
  DescribeListenerCertificates: readonly [
    DescribeListenerCertificatesCommandInput,
    DescribeListenerCertificatesCommandOutput,
  ];
  AddListenerCertificates: readonly [AddListenerCertificatesCommandInput, AddListenerCertificatesCommandOutput];
  RemoveListenerCertificates: readonly [
    RemoveListenerCertificatesCommandInput,
    RemoveListenerCertificatesCommandOutput,
  ];
  ModifyListener: readonly [ModifyListenerCommandInput, ModifyListenerCommandOutput];
};

const validation = (message: string): Error =>
  serviceError(ElasticLoadBalancingV2ServiceException, { code: 'ValidationError', message });
const lbNotFound = (): Error =>
  serviceError(LoadBalancerNotFoundException, { message: 'One or more load balancers not found' });
const listenerNotFound = (): Error =>
  serviceError(ListenerNotFoundException, { message: 'One or more listeners not found' });

export class LoadBalancers {
  private readonly balancers = new Map<string, SimLoadBalancer>();

  constructor(
    private readonly ctx: SimContext,
    /** Target group name → ARN, and attaching a group to a load balancer (sim/elbv2.ts). */
    private readonly targetGroups: {
      arnOf(name: string): string;
      attach(groupArn: string, lbArn: string): void;
      /** A security group's id from its name (or id), as CreateLoadBalancer takes ids. */
      securityGroupIdOf(nameOrId: string): string;
    },
  ) {}

  // ---- sim-side API ----

  create(spec: LoadBalancerSpec): string {
    if ([...this.balancers.values()].some((lb) => lb.name === spec.name)) {
      throw new SimConfigError(`duplicate load balancer ${spec.name}`);
    }
    const type = spec.type ?? 'application';
    const zones = CANONICAL_HOSTED_ZONES[this.ctx.region];
    if (!zones) {
      throw new SimConfigError(
        `no load balancer hosted zone id known for ${this.ctx.region} (known: ${Object.keys(CANONICAL_HOSTED_ZONES).join(', ')})`,
      );
    }
    const prefix = `arn:aws:elasticloadbalancing:${this.ctx.region}:${this.ctx.accountId}:loadbalancer/${type === 'application' ? 'app' : 'net'}/${spec.name}/`;
    const arn = spec.arn ?? `${prefix}${this.ctx.ids.hex(16)}`;
    if (!arn.startsWith(prefix)) throw new SimConfigError(`load balancer ARN ${arn} does not start with ${prefix}`);
    const scheme = spec.scheme ?? 'internet-facing';
    const dnsName =
      type === 'application'
        ? `${scheme === 'internal' ? 'internal-' : ''}${spec.name}-${1_000_000_000 + this.ctx.ids.int(999_999_999)}.${this.ctx.region}.elb.amazonaws.com`
        : `${spec.name}-${this.ctx.ids.hex(16)}.elb.${this.ctx.region}.amazonaws.com`;
    const lb: SimLoadBalancer = {
      arn,
      name: spec.name,
      type,
      scheme,
      ipAddressType: spec.ipAddressType ?? 'ipv4',
      securityGroups:
        type === 'application'
          ? spec.securityGroups
            ? spec.securityGroups.map((group) => this.targetGroups.securityGroupIdOf(group))
            : ['sg-0sim']
          : [],
      vpcId: spec.vpcId ?? 'vpc-0sim',
      dnsName,
      canonicalHostedZoneId: zones[type],
      createdAt: this.ctx.now(),
      listeners: [],
    };
    this.balancers.set(arn, lb);
    for (const name of spec.targetGroups ?? []) this.targetGroups.attach(this.targetGroups.arnOf(name), arn);
    for (const listener of spec.listeners ?? []) this.addListener(lb, listener);
    return arn;
  }

  arnOf(name: string): string {
    const lb = [...this.balancers.values()].find((candidate) => candidate.name === name);
    if (!lb) throw new SimConfigError(`unknown load balancer ${name}`);
    return lb.arn;
  }

  /** The load balancer's DNS name and canonical hosted zone id (what an alias record points at). */
  aliasOf(name: string): { dnsName: string; hostedZoneId: string } {
    const lb = this.balancers.get(this.arnOf(name));
    if (!lb) throw new SimConfigError(`unknown load balancer ${name}`);
    return { dnsName: lb.dnsName, hostedZoneId: lb.canonicalHostedZoneId };
  }

  /** Route 53's question: is there a load balancer with this canonical zone and DNS name? */
  isAliasTarget(hostedZoneId: string, dnsName: string): boolean {
    const name = dnsName.toLowerCase().replace(/\.$/, '');
    return [...this.balancers.values()].some(
      (lb) => lb.canonicalHostedZoneId === hostedZoneId && lb.dnsName.toLowerCase() === name,
    );
  }

  /**
   * ACM's question for a certificate's InUseBy: the load balancers (ARNs, in ARN order) with a listener that has the
   * certificate as its default or in its certificate list. Asked on every read, so it follows every listener change.
   */
  usersOf(certificateArn: string): string[] {
    return [...this.balancers.values()]
      .filter((lb) =>
        lb.listeners.some((l) => l.defaultCertificate === certificateArn || l.certificates.includes(certificateArn)),
      )
      .map((lb) => lb.arn)
      .sort(byCodeUnit);
  }

  /** Whether an ARN names a load balancer (of any account: the shape, not this account's table). */
  isLoadBalancerArn(arn: string): boolean {
    return /^arn:[\w-]+:elasticloadbalancing:[^:]*:\d*:loadbalancer\//.test(arn);
  }

  listenerArnOf(lbName: string, port: number): string {
    const lb = this.balancers.get(this.arnOf(lbName));
    const listener = lb?.listeners.find((candidate) => candidate.port === port);
    if (!listener) throw new SimConfigError(`load balancer ${lbName} has no listener on port ${port}`);
    return listener.arn;
  }

  view(): Array<{
    name: string;
    dnsName: string;
    listeners: Array<{ port: number; protocol: string; defaultCertificate?: string; certificates: string[] }>;
  }> {
    return [...this.balancers.values()]
      .sort((a, b) => byCodeUnit(a.name, b.name))
      .map((lb) => ({
        name: lb.name,
        dnsName: lb.dnsName,
        listeners: lb.listeners.map((l) => ({
          port: l.port,
          protocol: l.protocol,
          ...(l.defaultCertificate !== undefined ? { defaultCertificate: l.defaultCertificate } : {}),
          certificates: [...l.certificates],
        })),
      }));
  }

  // ---- operations ----

  describeLoadBalancers(input: DescribeLoadBalancersCommandInput) {
    if (input.LoadBalancerArns?.length && input.Names?.length) {
      throw validation('Load balancer names and load balancer ARNs cannot be specified at the same time');
    }
    if ((input.Names?.length ?? 0) > MAX_NAMES) {
      throw validation(`Member must have length less than or equal to ${MAX_NAMES}`);
    }
    let selected = [...this.balancers.values()].sort((a, b) => byCodeUnit(a.name, b.name));
    if (input.LoadBalancerArns?.length) {
      const found = input.LoadBalancerArns.map((arn) => this.balancers.get(arn));
      if (found.some((lb) => lb === undefined)) throw lbNotFound();
      selected = found.filter((lb): lb is SimLoadBalancer => lb !== undefined);
    } else if (input.Names?.length) {
      const found = input.Names.map((name) => selected.find((lb) => lb.name === name));
      if (found.some((lb) => lb === undefined)) throw lbNotFound();
      selected = found.filter((lb): lb is SimLoadBalancer => lb !== undefined);
    }
    return { LoadBalancers: selected.map((lb) => this.toSdk(lb)) };
  }

  describeListeners(input: DescribeListenersCommandInput) {
    if (input.LoadBalancerArn !== undefined && input.ListenerArns?.length) {
      throw validation('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    }
    if (input.LoadBalancerArn !== undefined) {
      const lb = this.balancers.get(input.LoadBalancerArn);
      if (!lb) throw lbNotFound();
      return { Listeners: lb.listeners.map((l) => this.listenerToSdk(l)) };
    }
    if (!input.ListenerArns?.length) throw validation('A load balancer ARN or listener ARNs must be specified');
    return { Listeners: input.ListenerArns.map((arn) => this.listenerToSdk(this.mustListener(arn))) };
  }

  describeListenerCertificates(input: DescribeListenerCertificatesCommandInput) {
    const listener = this.mustListener(input.ListenerArn);
    const certificates: Certificate[] = [
      ...(listener.defaultCertificate !== undefined
        ? [{ CertificateArn: listener.defaultCertificate, IsDefault: true }]
        : []),
      ...listener.certificates.map((arn) => ({ CertificateArn: arn, IsDefault: false })),
    ];
    return { Certificates: certificates };
  }

  addListenerCertificates(input: AddListenerCertificatesCommandInput) {
    const listener = this.mustListener(input.ListenerArn);
    this.mustBeSecure(listener);
    const arns = (input.Certificates ?? []).map((c) => c.CertificateArn ?? '');
    if (arns.length === 0 || arns.some((arn) => arn === '')) throw validation('A certificate ARN must be specified');
    const lb = this.balancers.get(listener.loadBalancerArn);
    const inUse = new Set(lb?.listeners.flatMap((l) => l.certificates) ?? []);
    const added = arns.filter((arn) => !listener.certificates.includes(arn));
    const after = new Set([...inUse, ...added]);
    if (after.size > MAX_LISTENER_CERTIFICATES) {
      throw serviceError(TooManyCertificatesException, {
        message: `You've reached the limit on the number of certificates per load balancer (${MAX_LISTENER_CERTIFICATES})`,
      });
    }
    listener.certificates.push(...new Set(added));
    return { Certificates: arns.map((arn) => ({ CertificateArn: arn, IsDefault: false })) };
  }

  removeListenerCertificates(input: RemoveListenerCertificatesCommandInput) {
    const listener = this.mustListener(input.ListenerArn);
    const arns = (input.Certificates ?? []).map((c) => c.CertificateArn ?? '');
    if (arns.length !== 1 || arns[0] === '') throw validation('Exactly one certificate must be specified');
    const [arn] = arns as [string];
    if (arn === listener.defaultCertificate) {
      throw serviceError(OperationNotPermittedException, {
        message: 'The default certificate of a listener cannot be removed; replace it with ModifyListener',
      });
    }
    listener.certificates = listener.certificates.filter((candidate) => candidate !== arn);
    return {};
  }

  modifyListener(input: ModifyListenerCommandInput) {
    const listener = this.mustListener(input.ListenerArn);
    if (input.Port !== undefined) listener.port = input.Port;
    if (input.Protocol !== undefined) listener.protocol = input.Protocol as ListenerSpec['protocol'];
    if (input.DefaultActions !== undefined) listener.defaultActions = cloneData(input.DefaultActions);
    if (input.Certificates !== undefined) {
      this.mustBeSecure(listener);
      const [only, ...more] = input.Certificates;
      if (!only?.CertificateArn || more.length > 0) {
        throw validation('A listener must have exactly one default certificate');
      }
      listener.defaultCertificate = only.CertificateArn;
    }
    return { Listeners: [this.listenerToSdk(listener)] };
  }

  // ---- helpers ----

  private addListener(lb: SimLoadBalancer, spec: ListenerSpec): void {
    const secure = spec.protocol === 'HTTPS' || spec.protocol === 'TLS';
    if (secure !== (spec.certificate !== undefined)) {
      throw new SimConfigError(`listener ${lb.name}:${spec.port}: a default certificate exactly when HTTPS or TLS`);
    }
    const suffix = lb.arn.split(':loadbalancer/')[1] ?? '';
    const action = spec.defaultAction;
    const defaultActions: Action[] =
      action && 'redirectToHttps' in action
        ? [
            {
              Type: 'redirect',
              Order: 1,
              RedirectConfig: {
                Protocol: 'HTTPS',
                Port: '443',
                Host: '#{host}',
                Path: '/#{path}',
                Query: '#{query}',
                StatusCode: 'HTTP_301',
              },
            },
          ]
        : action && 'forwardTo' in action
          ? [{ Type: 'forward', Order: 1, TargetGroupArn: this.targetGroups.arnOf(action.forwardTo) }]
          : [];
    lb.listeners.push({
      arn: `arn:aws:elasticloadbalancing:${this.ctx.region}:${this.ctx.accountId}:listener/${suffix}/${this.ctx.ids.hex(16)}`,
      loadBalancerArn: lb.arn,
      protocol: spec.protocol,
      port: spec.port,
      ...(spec.certificate !== undefined ? { defaultCertificate: spec.certificate } : {}),
      certificates: [...(spec.extraCertificates ?? [])],
      defaultActions,
    });
  }

  private mustBeSecure(listener: SimListener): void {
    if (listener.protocol !== 'HTTPS' && listener.protocol !== 'TLS') {
      throw validation(`Certificates are supported only by HTTPS and TLS listeners, not ${listener.protocol}`);
    }
  }

  private mustListener(arn: string | undefined): SimListener {
    for (const lb of this.balancers.values()) {
      const listener = lb.listeners.find((candidate) => candidate.arn === arn);
      if (listener) return listener;
    }
    throw listenerNotFound();
  }

  private toSdk(lb: SimLoadBalancer): LoadBalancer {
    return {
      LoadBalancerArn: lb.arn,
      DNSName: lb.dnsName,
      CanonicalHostedZoneId: lb.canonicalHostedZoneId,
      CreatedTime: new Date(lb.createdAt),
      LoadBalancerName: lb.name,
      Scheme: lb.scheme,
      VpcId: lb.vpcId,
      State: { Code: 'active' },
      Type: lb.type,
      AvailabilityZones: [],
      ...(lb.type === 'application' ? { SecurityGroups: [...lb.securityGroups] } : {}),
      IpAddressType: lb.ipAddressType,
    };
  }

  private listenerToSdk(listener: SimListener): Listener {
    return {
      ListenerArn: listener.arn,
      LoadBalancerArn: listener.loadBalancerArn,
      Port: listener.port,
      Protocol: listener.protocol,
      ...(listener.defaultCertificate !== undefined
        ? {
            Certificates: [{ CertificateArn: listener.defaultCertificate }],
            SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          }
        : {}),
      DefaultActions: cloneData(listener.defaultActions),
    };
  }
}
