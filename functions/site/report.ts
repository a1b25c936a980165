/**
 * What the site capability reports. The kinds (`site.<subject>.<outcome>`) are SNS message attributes (subscription
 * filter policies match them) and the Chatbot event type: add one here before using it, never rename one silently.
 */
import { type Notification, type Notifier, notifySafely, type Severity } from '../../shared/notify/notifier';
import { asDryRun, type Mutations } from '../../shared/runtime/mutations';

export const siteKinds = [
  /** The site's alias record(s) were missing and were requested from the Route 53 writer. */
  'site.alias.created',
  /** A record fleetpilot created pointed elsewhere (an old load balancer) and was repaired. */
  'site.alias.repaired',
  /** A record at the site name that fleetpilot did not create was taken over (siteDns.adopt). */
  'site.alias.adopted',
  /** mode: report — the alias differs from the load balancer (or is missing); nothing was changed. */
  'site.alias.drift',
  /** A record at the site name that fleetpilot did not create differs; it was left alone. */
  'site.alias.foreign',
  /** The configured load balancer does not exist (or is not what the config says); nothing was changed. */
  'site.config.mismatch',
  /** A renewed certificate was put on a listener in place of the one it replaces. */
  'site.rotation.done',
  /** A certificate was not rotated onto a listener, and why (not issued, names not covered, expires sooner). */
  'site.rotation.refused',
  /** An error interrupted a check or a rotation; Lambda retries it. */
  'site.step.retrying',
  /** An event or request that does not have the documented shape was rejected; nothing changed. */
  'site.event.invalid',
] as const;

export type SiteKind = (typeof siteKinds)[number];

export interface SiteNotice {
  severity: Severity;
  kind: SiteKind;
  title: string;
  summary: string;
  facts: ReadonlyArray<readonly [string, string]>;
  service?: string;
  correlationId: string;
}

export interface ReportPorts {
  notifier: Notifier;
  log: { error(message: string, fields: Record<string, unknown>): void };
}

/** One notification per notice; a dry run says so in the title and lists the calls it did not make. */
export async function report(ports: ReportPorts, notice: SiteNotice, mutations?: Mutations): Promise<void> {
  const notification: Notification<SiteKind> = {
    severity: notice.severity,
    kind: notice.kind,
    ...asDryRun(notice, mutations),
    summary: notice.summary,
    links: [],
    ...(notice.service ? { service: notice.service } : {}),
    correlationId: notice.correlationId,
  };
  await notifySafely(ports.notifier, ports.log, notification);
}
