/**
 * The core of the certificate functions, given its ports: an ACM event → DescribeCertificate → repair validation
 * records → decide whether to speak (notice.ts) → one notification that says what matters.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { ACMClient } from '@aws-sdk/client-acm';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isDryRun } from '../../shared/config/lookup';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { Notifier } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';
import { createMutations, type Mutations } from '../../shared/runtime/mutations';
import type { CertificateWatchConfig } from './config';
import type { AcmEvent } from './events';
import { type CertificateFacts, covers, describeCertificate, listenersUsing } from './inspect';
import { type NoticeState, reachedThreshold, readNotice, severityFor, shouldNotify, writeNotice } from './notice';
import { type CertificateNotice, report } from './report';
import { checkRecords, type RecordCheck, repairRecords } from './validation';

export interface CertificatesDeps {
  config: FleetpilotConfig;
  clients: { acm: ACMClient; elbv2: ElasticLoadBalancingV2Client; route53: Route53Client; sqs: SQSClient };
  notifier: Notifier;
  clock: Clock;
  dnsQueueUrl: string;
  log: Logger;
}

export type WatchedService = ServiceConfig & { certificateWatch: CertificateWatchConfig };

export type StepResult =
  | { status: 'notified'; kind: string; repaired: string[] }
  | { status: 'silent'; reason: string; repaired: string[] }
  | { status: 'ignored'; reason: string };

export function watchedServices(config: FleetpilotConfig): WatchedService[] {
  return config.services.filter((s): s is WatchedService => s.certificateWatch !== undefined);
}

const day = (d: Date | undefined): string => (d ? d.toISOString().slice(0, 10) : 'none');

/** The facts every certificate notification carries. */
export function certificateFacts(
  facts: CertificateFacts,
  listeners: readonly string[],
  sites: readonly string[],
): Array<readonly [string, string]> {
  const typeText = { AMAZON_ISSUED: 'Amazon-issued', IMPORTED: 'imported', PRIVATE: 'private', UNKNOWN: 'unknown' };
  return [
    ['Certificate', facts.arn],
    ['Type', typeText[facts.type]],
    ['Validation', facts.validationMethod === 'none' ? 'none (not Amazon-issued)' : facts.validationMethod],
    ['Status', facts.status],
    [
      'Renewal',
      `${facts.eligibility}${facts.renewalStatus ? `, ${facts.renewalStatus}` : ''}${facts.renewalReason ? ` (${facts.renewalReason})` : ''}`,
    ],
    ['Names', facts.names.join(', ') || '-'],
    ['Expires', facts.notAfter ? `${facts.notAfter.toISOString()} (${facts.daysLeft} days)` : '-'],
    ['Used by', listeners.join('; ') || facts.inUseBy.join(', ') || 'nothing'],
    ['Site names', sites.join(', ') || '-'],
  ];
}

function recordFacts(checks: readonly RecordCheck[], repaired: readonly string[]): Array<readonly [string, string]> {
  return checks
    .filter((c) => c.state !== 'ok')
    .map((c) => [
      `Validation ${c.domain}`,
      `${c.name} CNAME ${c.value}: ${c.state}${repaired.includes(c.name) ? ' → UPSERT asked of the Route 53 writer' : ''}`,
    ]);
}

/** The current notice for an event, or undefined when the event says nothing worth a notice. */
function noticeStateFor(
  event: AcmEvent,
  facts: CertificateFacts,
  thresholds: readonly number[],
): NoticeState | undefined {
  const notAfter = day(facts.notAfter);
  switch (event.type) {
    case 'approaching': {
      const t = reachedThreshold(thresholds, facts.daysLeft ?? event.daysToExpiry ?? Number.POSITIVE_INFINITY);
      return t === undefined ? undefined : { notAfter, state: `expiring-${t}` };
    }
    case 'action-required':
      // A late or repeated event about a renewal that has succeeded since says nothing any more.
      if (facts.renewalStatus === 'SUCCESS' || facts.renewalStatus === 'PENDING_AUTO_RENEWAL') return undefined;
      return {
        notAfter,
        state: `action-${event.renewalStatusReason ?? facts.renewalReason ?? 'UNKNOWN'}-${event.daysToExpiry ?? facts.daysLeft ?? 0}`,
      };
    case 'expired':
      return facts.status === 'EXPIRED' ? { notAfter, state: 'expired' } : undefined;
    case 'available':
      return { notAfter, state: 'renewed' };
  }
}

export async function onCertificateEvent(event: AcmEvent, deps: CertificatesDeps): Promise<StepResult> {
  const service = watchedServices(deps.config).find((s) => s.certificates.includes(event.certificateArn));
  if (!service) return { status: 'ignored', reason: `certificate ${event.certificateArn} is not a watched one` };
  const watch = service.certificateWatch;
  const mutations = createMutations(isDryRun(deps.config, service), deps.log);
  const facts = await describeCertificate(deps.clients.acm, event.certificateArn, deps.clock.now());

  const current = noticeStateFor(event, facts, watch.thresholds);
  const previous = await readNotice(deps.clients.acm, facts.arn);
  const speak = current !== undefined && shouldNotify(previous, current);

  // Validation records are checked when ACM asks for action, and whenever fleetpilot speaks anyway (the notice then
  // says whether they are in place). A daily Approaching Expiration that says nothing new costs two reads only.
  let checks: RecordCheck[] = [];
  let repaired: string[] = [];
  if (
    (speak || event.type === 'action-required') &&
    facts.type === 'AMAZON_ISSUED' &&
    facts.validationMethod === 'DNS'
  ) {
    checks = await checkRecords(deps.clients.route53, deps.config.hostedZones, facts.validation);
    if (watch.repairValidation) {
      repaired = await repairRecords(
        { sqs: deps.clients.sqs, dnsQueueUrl: deps.dnsQueueUrl },
        checks,
        mutations,
        `${service.name} certificate ${facts.arn} validation`,
        service.name,
      );
    }
  }
  if (!speak && repaired.length === 0) {
    return {
      status: 'silent',
      reason: current ? 'already notified' : 'nothing new (no threshold reached, or stale)',
      repaired,
    };
  }
  const listeners = await listenersUsing(deps.clients.elbv2, facts);
  const sites = deps.config.services
    .filter((s) => s.site && s.certificates.includes(facts.arn) && covers(facts.names, s.site.domain))
    .map((s) => s.site?.domain ?? '');
  const notice = speak && current ? buildNotice(event, facts, watch, current) : repairedNotice(facts);
  await report(
    { notifier: deps.notifier, log: deps.log, region: deps.config.region },
    {
      ...notice,
      facts: [...notice.facts, ...certificateFacts(facts, listeners, sites), ...recordFacts(checks, repaired)],
      service: service.name,
      correlationId: event.eventId,
    },
    mutations,
    facts.arn,
  );
  if (speak && current) await writeNotice(deps.clients.acm, facts.arn, current, mutations);
  return { status: 'notified', kind: notice.kind, repaired };
}

type Draft = Omit<CertificateNotice, 'service' | 'correlationId'>;

function repairedNotice(facts: CertificateFacts): Draft {
  return {
    severity: 'warning',
    kind: 'certificates.validation.repaired',
    title: `Validation record of ${facts.names[0] ?? facts.arn} repaired`,
    summary: 'A DNS validation record ACM needs to renew this certificate was missing or wrong; it was written again.',
    facts: [],
  };
}

function buildNotice(
  event: AcmEvent,
  facts: CertificateFacts,
  watch: CertificateWatchConfig,
  state: NoticeState,
): Draft {
  const name = facts.names[0] ?? facts.arn;
  const days = facts.daysLeft ?? event.daysToExpiry ?? 0;
  switch (event.type) {
    case 'approaching': {
      const reached = Number(state.state.replace('expiring-', ''));
      if (facts.type === 'IMPORTED') {
        return {
          severity: severityFor(watch.thresholds, reached, true),
          kind: 'certificates.imported.reimport-due',
          title: `Imported certificate ${name} expires in ${days} days: re-import it`,
          summary: `ACM cannot renew an imported certificate. Re-import a new one under the same ARN before ${facts.notAfter?.toISOString() ?? 'it expires'}, or every listener using it serves an expired certificate.`,
          facts: [['Re-import deadline', facts.notAfter?.toISOString() ?? '-']],
        };
      }
      const auto = facts.eligibility === 'ELIGIBLE' && facts.validationMethod !== 'EMAIL';
      return {
        severity: severityFor(watch.thresholds, reached, false),
        kind: 'certificates.expiry.approaching',
        title: `Certificate ${name} expires in ${days} days`,
        summary: auto
          ? 'ACM renews it automatically while its validation records resolve; they were checked.'
          : facts.eligibility !== 'ELIGIBLE'
            ? 'It is not eligible for managed renewal (not in use, or not Amazon-issued): replace it or put it in use.'
            : 'E-mail validated: the domain owner must approve the renewal e-mail ACM sends.',
        facts: [],
      };
    }
    case 'action-required':
      return {
        severity: days <= 7 ? 'critical' : 'warning',
        kind: 'certificates.renewal.action-required',
        title: `Certificate ${name} cannot renew without action (${event.renewalStatusReason ?? facts.renewalReason ?? 'unknown reason'})`,
        summary:
          facts.validationMethod === 'DNS'
            ? 'ACM could not validate the names. fleetpilot checked the validation records in the configured zones; what it repaired is listed. ACM retries on its own.'
            : 'Renewal needs the domain owner (e-mail validation) or a fix outside fleetpilot.',
        facts: [],
      };
    case 'expired':
      return {
        severity: 'critical',
        kind: 'certificates.certificate.expired',
        title: `Certificate ${name} has expired`,
        summary: 'Clients reject it now. Issue or import a new certificate and put it on the listeners listed.',
        facts: [],
      };
    case 'available':
      return {
        severity: 'info',
        kind: 'certificates.certificate.available',
        title: `Certificate ${name} ${event.action === 'RENEWAL' ? 'renewed' : 'available'}`,
        summary: `ACM made it available${event.action ? ` (${event.action})` : ''}; it is valid until ${facts.notAfter?.toISOString() ?? '?'}.`,
        facts: [],
      };
  }
}

/** Shared with the audit: the mutations of a service. */
export const mutationsFor = (deps: CertificatesDeps, service: ServiceConfig): Mutations =>
  createMutations(isDryRun(deps.config, service), deps.log);
