/**
 * What a certificate is and where it is used, from ACM and ELB (never from the event): DescribeCertificate, and for
 * each load balancer in InUseBy, DescribeLoadBalancers and DescribeListeners (ELB API reference: a listener's
 * Certificates list holds only its default certificate; one used through SNI shows as "additional").
 */
import { type ACMClient, DescribeCertificateCommand, type DomainValidation } from '@aws-sdk/client-acm';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

const DAY_MS = 86_400_000;

export interface ValidationRecord {
  domain: string;
  name: string;
  value: string;
}

export interface CertificateFacts {
  arn: string;
  status: string;
  type: 'AMAZON_ISSUED' | 'IMPORTED' | 'PRIVATE' | 'UNKNOWN';
  validationMethod: 'DNS' | 'EMAIL' | 'none';
  eligibility: string;
  renewalStatus?: string;
  renewalReason?: string;
  names: string[];
  notAfter?: Date;
  daysLeft?: number;
  validation: ValidationRecord[];
  inUseBy: string[];
}

export async function describeCertificate(acm: ACMClient, arn: string, now: number): Promise<CertificateFacts> {
  const { Certificate: c } = await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
  const options: DomainValidation[] = c?.RenewalSummary?.DomainValidationOptions ?? c?.DomainValidationOptions ?? [];
  const method = options[0]?.ValidationMethod;
  const type = c?.Type;
  const notAfter = c?.NotAfter;
  const seen = new Set<string>();
  const validation: ValidationRecord[] = [];
  for (const o of options) {
    const r = o.ResourceRecord;
    if (!r?.Name || !r.Value || seen.has(r.Name)) continue;
    seen.add(r.Name);
    validation.push({ domain: o.DomainName ?? '', name: r.Name, value: r.Value });
  }
  return {
    arn,
    status: c?.Status ?? 'UNKNOWN',
    type: type === 'AMAZON_ISSUED' || type === 'IMPORTED' || type === 'PRIVATE' ? type : 'UNKNOWN',
    validationMethod: method === 'DNS' || method === 'EMAIL' ? method : 'none',
    eligibility: c?.RenewalEligibility ?? 'UNKNOWN',
    ...(c?.RenewalSummary?.RenewalStatus ? { renewalStatus: c.RenewalSummary.RenewalStatus } : {}),
    ...(c?.RenewalSummary?.RenewalStatusReason ? { renewalReason: c.RenewalSummary.RenewalStatusReason } : {}),
    names: c?.SubjectAlternativeNames ?? (c?.DomainName ? [c.DomainName] : []),
    ...(notAfter ? { notAfter, daysLeft: Math.floor((notAfter.getTime() - now) / DAY_MS) } : {}),
    validation,
    inUseBy: c?.InUseBy ?? [],
  };
}

const isLoadBalancer = (arn: string): boolean => /:elasticloadbalancing:[^:]*:\d*:loadbalancer\//.test(arn);

/** "web-alb :443 HTTPS" for every listener of a load balancer in InUseBy that serves the certificate. */
export async function listenersUsing(elbv2: ElasticLoadBalancingV2Client, facts: CertificateFacts): Promise<string[]> {
  const balancers = facts.inUseBy.filter(isLoadBalancer);
  if (balancers.length === 0) return [];
  const { LoadBalancers = [] } = await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: balancers }));
  const out: string[] = [];
  for (const lb of LoadBalancers) {
    const name = lb.LoadBalancerName ?? lb.LoadBalancerArn ?? '?';
    const { Listeners = [] } = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const serving = Listeners.filter((l) => (l.Certificates ?? []).some((c) => c.CertificateArn === facts.arn));
    if (serving.length === 0) out.push(`${name} (additional certificate of a listener)`);
    for (const l of serving) out.push(`${name} :${l.Port} ${l.Protocol} (default certificate)`);
  }
  return out;
}

/** Does one of the certificate's names cover `domain`? A wildcard covers exactly one label, never the apex. */
export function covers(names: readonly string[], domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  return names.some((raw) => {
    const n = raw.toLowerCase().replace(/\.$/, '');
    if (n === d) return true;
    if (!n.startsWith('*.')) return false;
    const rest = n.slice(2);
    const dot = d.indexOf('.');
    return dot > 0 && d.slice(dot + 1) === rest;
  });
}
