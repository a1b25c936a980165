/**
 * Listener rotation (opt-in, `siteDns.rotation`): when ACM says a certificate is available ("ACM Certificate
 * Available") and it covers every name of a certificate in use on a configured listener, put it in that
 * certificate's place:
 *
 * 1. the old one is the listener's default: ModifyListener with the new one as default (AddListenerCertificates
 *    cannot make a default: ELBv2 API reference, AddListenerCertificates / ModifyListener);
 *    the old one is in the certificate list (SNI): AddListenerCertificates with the new one;
 * 2. then RemoveListenerCertificates of the old one from the list, once it is no longer the default (the default
 *    cannot be removed that way: "You can't remove the default certificate for a listener", API reference).
 *
 * Refused (reported, nothing changed): the new certificate is not ISSUED; it does not cover every name of the old one
 * (wildcards as TLS matches them: `*.example.com` covers one label, not `example.com` nor `a.b.example.com` — RFC 6125,
 * section 6.4.3); it expires no later than the old one. A managed renewal keeps the certificate's ARN, so its
 * "Available" event finds the certificate already in place: nothing to do, and nothing said.
 */
import { type ACMClient, type CertificateDetail, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import {
  AddListenerCertificatesCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Notifier } from '../../shared/notify/notifier';
import type { Mutations } from '../../shared/runtime/mutations';
import { findLoadBalancer, type SiteTarget } from './alias';
import { report } from './report';

export interface RotationPorts {
  acm: ACMClient;
  elbv2: ElasticLoadBalancingV2Client;
  notifier: Notifier;
  log: {
    info(message: string, fields: Record<string, unknown>): void;
    error(message: string, fields: Record<string, unknown>): void;
  };
  mutations: Mutations;
}

/** One listener's rotation: the certificate replaced, and the steps made (or, in dry run, that would have been). */
export interface RotationStep {
  listener: string;
  port: number;
  replaced: string;
  wasDefault: boolean;
  steps: string[];
}

export interface RotationRefusal {
  listener: string;
  port: number;
  certificate: string;
  reason: string;
}

export interface RotationResult {
  service: string;
  rotated: RotationStep[];
  refused: RotationRefusal[];
}

/** The names a certificate covers: its DomainName and subject alternative names, lower case. */
export const namesOf = (c: CertificateDetail): string[] => [
  ...new Set([c.DomainName ?? '', ...(c.SubjectAlternativeNames ?? [])].filter(Boolean).map((n) => n.toLowerCase())),
];

/** Does a certificate name match a host name? `*` stands for exactly one whole left-most label. */
export function nameCovers(certName: string, host: string): boolean {
  const name = certName.toLowerCase();
  const wanted = host.toLowerCase();
  if (name === wanted) return true;
  if (!name.startsWith('*.')) return false;
  const dot = wanted.indexOf('.');
  return dot > 0 && wanted.slice(dot + 1) === name.slice(2);
}

/** Does the new certificate cover every name of the old one (a wildcard of the old only by the same wildcard)? */
export const coversAll = (newNames: readonly string[], oldNames: readonly string[]): boolean =>
  oldNames.every((old) => newNames.some((n) => nameCovers(n, old)));

/** Rotates `certificateArn` onto the service's configured listeners where it replaces a certificate in use. */
export async function rotateCertificate(
  target: SiteTarget,
  certificateArn: string,
  ports: RotationPorts,
  correlationId: string,
): Promise<RotationResult> {
  const rotation = target.siteDns.rotation;
  const result: RotationResult = { service: target.service, rotated: [], refused: [] };
  if (!rotation) return result;
  const lb = await findLoadBalancer(ports.elbv2, target.siteDns.loadBalancer);
  if (!lb?.LoadBalancerArn) {
    await report(ports, {
      severity: 'critical',
      kind: 'site.config.mismatch',
      title: `Certificate rotation: load balancer ${target.siteDns.loadBalancer} not found`,
      summary: 'No listener was changed. Fix services[].siteDns.loadBalancer.',
      facts: [['Certificate', certificateArn]],
      service: target.service,
      correlationId,
    });
    return result;
  }
  const details = new Map<string, CertificateDetail>();
  const describe = async (arn: string): Promise<CertificateDetail> => {
    const known = details.get(arn);
    if (known) return known;
    const out = await ports.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
    const detail = out.Certificate ?? {};
    details.set(arn, detail);
    return detail;
  };
  const listeners =
    (await ports.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
  const configured = listeners.filter(
    (l) => rotation.listenerPorts.includes(l.Port ?? -1) && (l.Protocol === 'HTTPS' || l.Protocol === 'TLS'),
  );
  for (const listener of configured) {
    const listenerArn = listener.ListenerArn ?? '';
    const port = listener.Port ?? 0;
    const certificates =
      (await ports.elbv2.send(new DescribeListenerCertificatesCommand({ ListenerArn: listenerArn }))).Certificates ??
      [];
    const defaultArn = certificates.find((c) => c.IsDefault)?.CertificateArn;
    const listed = new Set(certificates.filter((c) => !c.IsDefault).map((c) => c.CertificateArn ?? ''));
    // The new one already in place (a managed renewal keeps its ARN; a repeated event): nothing to do.
    const olds = [...new Set(certificates.map((c) => c.CertificateArn ?? ''))].filter(
      (arn) => arn !== '' && arn !== certificateArn,
    );
    if (olds.length === 0) continue;
    const fresh = await describe(certificateArn);
    for (const old of olds) {
      const previous = await describe(old);
      if (!coversAll(namesOf(fresh), namesOf(previous))) continue; // Not a replacement of this one: not ours to judge.
      const refusal = refusalOf(fresh, previous);
      if (refusal) {
        result.refused.push({ listener: listenerArn, port, certificate: old, reason: refusal });
        continue;
      }
      const wasDefault = old === defaultArn;
      const steps: string[] = [];
      const step = async (description: string, call: () => Promise<unknown>) => {
        await ports.mutations.run(description, call);
        steps.push(description);
      };
      if (wasDefault && defaultArn !== certificateArn) {
        await step(`ModifyListener ${port}: default certificate ${certificateArn} (was ${old})`, () =>
          ports.elbv2.send(
            new ModifyListenerCommand({ ListenerArn: listenerArn, Certificates: [{ CertificateArn: certificateArn }] }),
          ),
        );
      } else if (!wasDefault && !listed.has(certificateArn) && defaultArn !== certificateArn) {
        await step(`AddListenerCertificates ${port}: ${certificateArn}`, () =>
          ports.elbv2.send(
            new AddListenerCertificatesCommand({
              ListenerArn: listenerArn,
              Certificates: [{ CertificateArn: certificateArn }],
            }),
          ),
        );
        listed.add(certificateArn);
      }
      if (listed.has(old)) {
        // No longer the default (or never was): it can leave the list.
        await step(`RemoveListenerCertificates ${port}: ${old}`, () =>
          ports.elbv2.send(
            new RemoveListenerCertificatesCommand({
              ListenerArn: listenerArn,
              Certificates: [{ CertificateArn: old }],
            }),
          ),
        );
        listed.delete(old);
      }
      result.rotated.push({ listener: listenerArn, port, replaced: old, wasDefault, steps });
    }
  }
  await reportRotation(
    target,
    lb.LoadBalancerName ?? target.siteDns.loadBalancer,
    certificateArn,
    result,
    ports,
    correlationId,
  );
  return result;
}

function refusalOf(fresh: CertificateDetail, previous: CertificateDetail): string | undefined {
  if (fresh.Status !== 'ISSUED') return `the new certificate is ${fresh.Status ?? 'in an unknown state'}, not ISSUED`;
  const newEnd = fresh.NotAfter?.getTime() ?? 0;
  const oldEnd = previous.NotAfter?.getTime() ?? 0;
  if (newEnd <= oldEnd) {
    return `the new certificate expires ${fresh.NotAfter?.toISOString() ?? '(unknown)'}, not later than the one in use (${previous.NotAfter?.toISOString() ?? 'unknown'})`;
  }
  return undefined;
}

async function reportRotation(
  target: SiteTarget,
  lbName: string,
  certificateArn: string,
  result: RotationResult,
  ports: RotationPorts,
  correlationId: string,
): Promise<void> {
  if (result.rotated.length > 0) {
    await report(
      ports,
      {
        severity: 'info',
        kind: 'site.rotation.done',
        title: `Certificate rotated onto ${result.rotated.length} listener(s) of ${lbName}`,
        summary: `${certificateArn} replaces the certificate(s) it renews; the old ones are off the listeners.`,
        facts: result.rotated.flatMap((r) =>
          r.steps.map((s, i): [string, string] => [`Port ${r.port} step ${i + 1}`, s]),
        ),
        service: target.service,
        correlationId,
      },
      ports.mutations,
    );
  }
  if (result.refused.length > 0) {
    await report(ports, {
      severity: 'warning',
      kind: 'site.rotation.refused',
      title: `Certificate not rotated onto ${lbName}`,
      summary: `${certificateArn} covers the names of a certificate in use, but was not put in its place.`,
      facts: result.refused.map((r): [string, string] => [`Port ${r.port} (${r.certificate})`, r.reason]),
      service: target.service,
      correlationId,
    });
  }
}
