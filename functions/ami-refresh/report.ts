/**
 * What the AMI refresh capability reports. The kinds (`ami-refresh.<step>.<outcome>`) are SNS message attributes
 * (subscription filter policies match them) and the Chatbot event type: add one here before using it, never rename
 * one silently.
 */
import {
  consoleLinks,
  type Notification,
  type Notifier,
  notifySafely,
  type Severity,
} from '../../shared/notify/notifier';
import { asDryRun, type Mutations } from '../../shared/runtime/mutations';

export const amiRefreshKinds = [
  /** CreateImage was called on the reference instance. */
  'ami-refresh.bake.started',
  /** The image did not become available (EC2 AMI State Change `failed`), or CreateImage was refused. */
  'ami-refresh.bake.failed',
  /** A launch template version with the new image exists and an instance refresh was started on it. */
  'ami-refresh.refresh.started',
  /** Another instance refresh is running; the start waits for it (services[].amiRefresh.refresh.whenInProgress). */
  'ami-refresh.refresh.waiting',
  /** Another instance refresh is running; this image was skipped (whenInProgress: skip). */
  'ami-refresh.refresh.skipped',
  /** An instance refresh moved on (started, checkpoint, rollback started). */
  'ami-refresh.refresh.progress',
  /** The refresh succeeded; the new version is the template's default. */
  'ami-refresh.refresh.succeeded',
  /** The refresh failed, was cancelled or rolled back: the default stays, the image is rejected. */
  'ami-refresh.refresh.failed',
  /** The group or template is not what the config says; nothing was changed. */
  'ami-refresh.config.mismatch',
  /** Old fleetpilot-made images were deregistered (or, in dry run, would be). */
  'ami-refresh.retention.done',
  /** An error interrupted a step; Lambda (or SQS) retries it. */
  'ami-refresh.step.retrying',
  /** An event that does not have the shape AWS documents was rejected; nothing changed. */
  'ami-refresh.event.invalid',
] as const;

export type AmiRefreshKind = (typeof amiRefreshKinds)[number];

export interface AmiNotice {
  severity: Severity;
  kind: AmiRefreshKind;
  title: string;
  summary: string;
  facts: ReadonlyArray<readonly [string, string]>;
  service?: string;
  group?: string;
  correlationId: string;
}

export interface ReportPorts {
  notifier: Notifier;
  log: { error(message: string, fields: Record<string, unknown>): void };
  region: string;
}

/** One notification per notice; a dry run says so in the title and lists the calls it did not make. */
export async function report(ports: ReportPorts, notice: AmiNotice, mutations?: Mutations): Promise<void> {
  const notification: Notification<AmiRefreshKind> = {
    severity: notice.severity,
    kind: notice.kind,
    ...asDryRun(notice, mutations),
    summary: notice.summary,
    links: notice.group ? [consoleLinks.autoScalingGroup(ports.region, notice.group)] : [],
    ...(notice.service ? { service: notice.service } : {}),
    correlationId: notice.correlationId,
  };
  await notifySafely(ports.notifier, ports.log, notification);
}
