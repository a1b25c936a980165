/**
 * What the certificate capability reports. The kinds (`certificates.<subject>.<outcome>`) are SNS message attributes
 * (subscription filter policies match them) and the Chatbot event type: add one here before using it.
 */
import type { Notification, Notifier, Severity } from '../../shared/notify/notifier';
import { notifySafely } from '../../shared/notify/notifier';
import { dryRunTitle, type Mutations, wouldHaveFact } from '../../shared/runtime/mutations';

export const certificatesKinds = [
  /** A certificate reached an expiry threshold (Approaching Expiration). */
  'certificates.expiry.approaching',
  /** An imported certificate reached a threshold: it cannot renew, re-import it before the deadline. */
  'certificates.imported.reimport-due',
  /** ACM could not renew without action (Renewal Action Required); what fleetpilot repaired is listed. */
  'certificates.renewal.action-required',
  /** A certificate expired. */
  'certificates.certificate.expired',
  /** A certificate was issued, renewed or re-imported (Available). */
  'certificates.certificate.available',
  /** A missing or wrong validation record was repaired (or, in dry run, would be) with no other news. */
  'certificates.validation.repaired',
  /** The daily audit found something that needs attention (one digest). */
  'certificates.audit.attention',
  /** The daily audit found nothing wrong (heartbeat digest, when configured). */
  'certificates.audit.heartbeat',
  /** An error interrupted a step; Lambda retries it. */
  'certificates.step.retrying',
  /** An event that does not have the shape AWS documents was rejected; nothing changed. */
  'certificates.event.invalid',
] as const;

export type CertificatesKind = (typeof certificatesKinds)[number];

export interface CertificateNotice {
  severity: Severity;
  kind: CertificatesKind;
  title: string;
  summary: string;
  facts: ReadonlyArray<readonly [string, string]>;
  service?: string;
  correlationId: string;
}

export interface ReportPorts {
  notifier: Notifier;
  log: { error(message: string, fields: Record<string, unknown>): void };
  region: string;
}

const acmConsole = (region: string, arn: string) => ({
  label: 'ACM certificate',
  url: `https://${region}.console.aws.amazon.com/acm/home?region=${region}#/certificates/${arn.split('/').pop() ?? ''}`,
});

export async function report(
  ports: ReportPorts,
  notice: CertificateNotice,
  mutations?: Mutations,
  certificateArn?: string,
): Promise<void> {
  const dryRun = mutations?.dryRun === true;
  const notification: Notification<CertificatesKind> = {
    severity: notice.severity,
    kind: notice.kind,
    title: dryRunTitle(notice.title, dryRun),
    summary: notice.summary,
    // A certificate dry run that skipped nothing (a report only) adds no fact.
    facts: [...notice.facts, ...(dryRun && mutations.skipped.length > 0 ? [wouldHaveFact(mutations.skipped)] : [])],
    links: certificateArn ? [acmConsole(ports.region, certificateArn)] : [],
    ...(notice.service ? { service: notice.service } : {}),
    correlationId: notice.correlationId,
  };
  await notifySafely(ports.notifier, ports.log, notification);
}
