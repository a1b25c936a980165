/**
 * The daily audit (EventBridge Scheduler): every watched certificate (services[].certificates) and every certificate
 * on the watched load balancers' HTTPS listeners — expiry against the thresholds, status, renewal, validation records
 * present (repaired through the writer when configured), the site name covered, and HTTP :80 redirecting to HTTPS
 * (a listener on port 80 whose default action is a redirect with Protocol HTTPS; ELB user guide, "Listener rules",
 * redirect actions). One digest when something needs attention, nothing otherwise, or a heartbeat when configured.
 */
import { DescribeListenersCommand, type Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError } from '../../shared/errors';
import type { Severity } from '../../shared/notify/notifier';
import { type CertificatesDeps, mutationsFor, type WatchedService, watchedServices } from './flow';
import { type CertificateFacts, covers, describeCertificate } from './inspect';
import { reachedThreshold, severityFor } from './notice';
import { report } from './report';
import { checkRecords, repairRecords } from './validation';

export interface Finding {
  severity: Severity;
  service: string;
  subject: string;
  problem: string;
}

export type AuditResult =
  | { status: 'attention'; findings: Finding[] }
  | { status: 'heartbeat'; checked: number }
  | { status: 'quiet'; checked: number };

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

function redirectsToHttps(l: Listener): boolean {
  const action = l.DefaultActions?.find((a) => a.Type === 'redirect');
  return action?.RedirectConfig?.Protocol === 'HTTPS';
}

export async function runAudit(deps: CertificatesDeps, correlationId: string): Promise<AuditResult> {
  const findings: Finding[] = [];
  let checked = 0;
  const services = watchedServices(deps.config);
  for (const service of services) {
    checked += await auditService(deps, service, findings, correlationId);
  }
  const ports = { notifier: deps.notifier, log: deps.log, region: deps.config.region };
  if (findings.length > 0) {
    const worst = findings.reduce<Severity>((w, f) => (RANK[f.severity] > RANK[w] ? f.severity : w), 'info');
    await report(ports, {
      severity: worst,
      kind: 'certificates.audit.attention',
      title: `Certificate audit: ${findings.length} thing(s) need attention`,
      summary: `The daily audit checked ${checked} certificate(s); these need attention.`,
      facts: findings.map((f, i) => [`${i + 1}. ${f.service} ${f.subject}`, `${f.severity}: ${f.problem}`]),
      correlationId,
    });
    return { status: 'attention', findings };
  }
  if (services.some((s) => heartbeatDue(s, deps.clock.now()))) {
    await report(ports, {
      severity: 'info',
      kind: 'certificates.audit.heartbeat',
      title: 'Certificate audit: all is well',
      summary: `The audit checked ${checked} certificate(s): none near expiry, validation records in place, sites covered.`,
      facts: [],
      correlationId,
    });
    return { status: 'heartbeat', checked };
  }
  return { status: 'quiet', checked };
}

/** weekly: on Mondays in the audit's time zone. */
export function heartbeatDue(service: WatchedService, now: number): boolean {
  const { heartbeat, audit } = service.certificateWatch;
  if (heartbeat === 'daily') return true;
  if (heartbeat === 'off') return false;
  const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: audit.timezone }).format(now);
  return weekday === 'Mon';
}

async function auditService(
  deps: CertificatesDeps,
  service: WatchedService,
  findings: Finding[],
  correlationId: string,
): Promise<number> {
  const watch = service.certificateWatch;
  const add = (severity: Severity, subject: string, problem: string) =>
    findings.push({ severity, service: service.name, subject, problem });
  const arns = new Set(service.certificates);
  for (const lb of watch.loadBalancers) {
    const { Listeners = [] } = await deps.clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb }));
    const lbName = lb.split('/').at(-2) ?? lb;
    for (const l of Listeners) {
      if (l.Protocol === 'HTTPS')
        for (const c of l.Certificates ?? []) if (c.CertificateArn) arns.add(c.CertificateArn);
    }
    const http80 = Listeners.find((l) => l.Port === 80 && l.Protocol === 'HTTP');
    if (http80 && !redirectsToHttps(http80)) {
      add('warning', lbName, 'the HTTP :80 listener does not redirect to HTTPS');
    }
  }
  const mutations = mutationsFor(deps, service);
  const all: CertificateFacts[] = [];
  for (const arn of [...arns].sort()) {
    let facts: CertificateFacts;
    try {
      facts = await describeCertificate(deps.clients.acm, arn, deps.clock.now());
    } catch (error) {
      // A configured certificate that ACM does not have: a retry cannot help, the digest says it.
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      add('critical', arn, 'not found in ACM (deleted, or of another account or region): fix services[].certificates');
      continue;
    }
    all.push(facts);
    const name = facts.names[0] ?? arn;
    if (facts.status !== 'ISSUED') add('critical', name, `status ${facts.status}`);
    const reached = reachedThreshold(watch.thresholds, facts.daysLeft ?? Number.POSITIVE_INFINITY);
    if (facts.status === 'ISSUED' && reached !== undefined) {
      const imported = facts.type === 'IMPORTED';
      add(
        severityFor(watch.thresholds, reached, imported),
        name,
        imported
          ? `imported: re-import before ${facts.notAfter?.toISOString()} (${facts.daysLeft} days)`
          : `expires in ${facts.daysLeft} days (${facts.notAfter?.toISOString()})`,
      );
    }
    if (facts.renewalStatus === 'PENDING_VALIDATION' || facts.renewalStatus === 'FAILED') {
      add('warning', name, `renewal ${facts.renewalStatus}${facts.renewalReason ? ` (${facts.renewalReason})` : ''}`);
    }
    if (facts.type === 'AMAZON_ISSUED' && facts.validationMethod === 'DNS') {
      const checks = await checkRecords(deps.clients.route53, deps.config.hostedZones, facts.validation);
      const repaired = watch.repairValidation
        ? await repairRecords(
            { sqs: deps.clients.sqs, dnsQueueUrl: deps.dnsQueueUrl },
            checks,
            mutations,
            `${service.name} certificate audit ${correlationId}`,
            service.name,
          )
        : [];
      for (const c of checks.filter((c) => c.state === 'missing' || c.state === 'wrong')) {
        add(
          'warning',
          name,
          `validation CNAME ${c.name} ${c.state}${repaired.includes(c.name) ? (mutations.dryRun ? ' (dry run: would be repaired)' : ' — repaired') : ''}`,
        );
      }
    }
  }
  if (service.site && !all.some((f) => f.status === 'ISSUED' && covers(f.names, service.site?.domain ?? ''))) {
    add('critical', service.site.domain, 'no valid certificate of the service covers the site name');
  }
  return all.length;
}
