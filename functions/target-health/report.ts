/**
 * What the target health capability reports. The kinds (`target-health.<subject>.<outcome>`) are SNS message
 * attributes (subscription filter policies match them) and the Chatbot event type: add one here before using it,
 * never rename one silently.
 */
import {
  consoleLinks,
  type Notification,
  type Notifier,
  notifySafely,
  type Severity,
} from '../../shared/notify/notifier';
import { asDryRun, type Mutations } from '../../shared/runtime/mutations';

export const targetHealthKinds = [
  /** An alarm of a watched target group went to ALARM: what is wrong with which target, and what to do. */
  'target-health.alarm.diagnosed',
  /** An alarm of a watched target group went back to OK, with how long it lasted. */
  'target-health.alarm.recovered',
  /** An instance unhealthy for longer than remediation.afterMinutes was marked Unhealthy (SetInstanceHealth). */
  'target-health.remedy.applied',
  /** fleetpilot refused to replace an unhealthy instance, and says why (systemic, cap, refresh, ...). */
  'target-health.remedy.refused',
  /** An error interrupted the diagnosis; Lambda retries it. */
  'target-health.step.retrying',
  /** An event that does not have the shape AWS documents was rejected; nothing changed. */
  'target-health.event.invalid',
] as const;

export type TargetHealthKind = (typeof targetHealthKinds)[number];

export interface HealthNotice {
  severity: Severity;
  kind: TargetHealthKind;
  title: string;
  summary: string;
  facts: ReadonlyArray<readonly [string, string]>;
  service: string;
  group: string;
  targetGroupArn: string;
  instanceIds?: readonly string[];
  correlationId: string;
}

export interface ReportPorts {
  notifier: Notifier;
  log: { error(message: string, fields: Record<string, unknown>): void };
  region: string;
}

/** One notification per notice; a dry run says so in the title and lists the calls it did not make. */
export async function report(ports: ReportPorts, notice: HealthNotice, mutations?: Mutations): Promise<void> {
  const notification: Notification<TargetHealthKind> = {
    severity: notice.severity,
    kind: notice.kind,
    ...asDryRun(notice, mutations),
    summary: notice.summary,
    links: [
      consoleLinks.targetGroup(ports.region, notice.targetGroupArn),
      consoleLinks.autoScalingGroup(ports.region, notice.group),
      ...(notice.instanceIds ?? []).slice(0, 5).map((id) => consoleLinks.instance(ports.region, id)),
    ],
    service: notice.service,
    correlationId: notice.correlationId,
  };
  await notifySafely(ports.notifier, ports.log, notification);
}
