/**
 * What the lifecycle capability reports, and how. The kinds (`lifecycle.<transition or subject>.<outcome>`) are SNS
 * message attributes (subscription filter policies match them) and the Chatbot event type, so a kind is part of
 * fleetpilot's interface: add one here before using it, never rename one silently. The notices of one batch become
 * notifications: one per action when it stands alone, one summary per kind and service when a burst brings several
 * together (an e-mail per instance helps nobody when two hundred launch at once).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../../shared/config/schema';
import { isTransient } from '../../shared/errors';
import { consoleLinks, type Link, type Notification, type Notifier, type Severity } from '../../shared/notify/notifier';
import { dryRunTitle, type Mutations, wouldHaveFact } from '../../shared/runtime/mutations';
import type { LifecycleAction } from './action';

export const lifecycleKinds = [
  /** A launch into the warm pool was continued without target-group or DNS changes. */
  'lifecycle.launch.warm-pool',
  /** The instance is healthy, its records are written, the launch action continued. */
  'lifecycle.launch.continued',
  /** The launch action stopped being pending before fleetpilot answered it (the hook's default result applied). */
  'lifecycle.launch.expired',
  /** The instance never became healthy (or the launch failed for good): cleaned up and ABANDON. */
  'lifecycle.launch.abandoned',
  /** An error interrupted a launch; Lambda retries the event. */
  'lifecycle.launch.retrying',
  /** Draining outlasted drainTimeoutSeconds; the terminate action continues anyway. */
  'lifecycle.terminate.drain-timeout',
  /** The instance was taken out of service and the terminate action continued. */
  'lifecycle.terminate.continued',
  /** Taking the instance out of service failed. */
  'lifecycle.terminate.failed',
  /** An error interrupted a terminate; Lambda retries the event. */
  'lifecycle.terminate.retrying',
  /** An event that does not have the shape AWS documents was rejected; nothing changed. */
  'lifecycle.event.invalid',
] as const;

export type LifecycleKind = (typeof lifecycleKinds)[number];
export type LifecycleNotification = Notification<LifecycleKind>;
export type LifecycleNotifier = Notifier<LifecycleKind>;

export interface Notice {
  severity: Severity;
  kind: LifecycleKind;
  title: string;
  summary: string;
  extra: ReadonlyArray<readonly [string, string]>;
  action: LifecycleAction;
  service: ServiceConfig;
  hops: number;
  mutations: Mutations;
  region: string;
}

/** How a summary of several notices of one kind is titled. */
const summaryTitles: Record<LifecycleKind, (n: number, service: string) => string> = {
  'lifecycle.launch.continued': (n, s) => `${n} instances of ${s} are in service`,
  'lifecycle.launch.warm-pool': (n, s) => `${n} instances of ${s} entered the warm pool`,
  'lifecycle.launch.abandoned': (n, s) => `${n} launches of ${s} abandoned`,
  'lifecycle.launch.expired': (n, s) => `${n} launches of ${s} timed out unanswered`,
  'lifecycle.launch.retrying': (n, s) => `${n} launches of ${s} hit an error; retrying`,
  'lifecycle.terminate.continued': (n, s) => `${n} instances of ${s} taken out of service`,
  'lifecycle.terminate.drain-timeout': (n, s) => `${n} instances of ${s} still draining`,
  'lifecycle.terminate.failed': (n, s) => `Clean-up of ${n} instances of ${s} failed`,
  'lifecycle.terminate.retrying': (n, s) => `${n} terminations of ${s} hit an error; retrying`,
  'lifecycle.event.invalid': (n) => `${n} malformed lifecycle events ignored`,
};

export interface ReportPorts {
  notifier: Notifier;
  log: Pick<Logger, 'error'>;
}

/**
 * Sends the batch's notices: singles as they are, several of one kind and service as one summary. A notification
 * that cannot be published never undoes or repeats the work it reports (the hooks are already answered):
 * - refused for good (topic deleted, key disabled, message refused): logged as an error with
 *   `fleetpilotNotificationFailed: 1`, which a metric filter counts for an alarm on the fallback topic;
 * - refused for now (throttling, 5xx after the SDK's retries): the other notices are still sent, then the first such
 *   error is thrown, so that the batch comes back (SQS redelivery) before anything else of it was sent; there an
 *   action already answered finds "No active Lifecycle Action" and changes nothing, and an ABANDON is reported again.
 */
export async function sendNotices(ports: ReportPorts, notices: readonly Notice[]): Promise<void> {
  const groups = new Map<string, Notice[]>();
  for (const n of notices) {
    const key = `${n.service.name}|${n.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  let retryable: unknown;
  for (const group of groups.values()) {
    const [first] = group as [Notice, ...Notice[]];
    const notification = group.length === 1 ? single(first) : summary(group);
    try {
      await ports.notifier.notify(notification);
    } catch (error) {
      const transient = isTransient(error);
      ports.log.error('could not publish a notification', {
        error,
        ...(transient ? { retried: true } : { fleetpilotNotificationFailed: 1 }),
        kind: notification.kind,
        title: notification.title,
        instances: group.map((n) => n.action.instanceId),
      });
      if (transient) retryable ??= error;
    }
  }
  if (retryable !== undefined) throw retryable;
}

function single(n: Notice): Notification {
  const { action } = n;
  const facts: [string, string][] = [
    ['Instance', action.instanceId],
    ['Auto Scaling group', action.groupName],
    ['Lifecycle hook', action.hookName],
    ...(action.origin || action.destination
      ? [['Move', `${action.origin ?? '?'} -> ${action.destination ?? '?'}`] as [string, string]]
      : []),
    ...(action.replaceRootVolume ? [['Action', 'ReplaceRootVolume'] as [string, string]] : []),
    ...n.extra.map(([k, v]): [string, string] => [k, v]),
    ['Invocations', String(n.hops + 1)],
    ...dryRunFacts([n]),
  ];
  return {
    severity: n.severity,
    kind: n.kind,
    title: dryRunTitle(n.title, n.mutations.dryRun),
    summary: n.summary,
    facts,
    links: linksFor(n, [action.instanceId]),
    service: n.service.name,
    correlationId: action.eventId,
  };
}

function summary(group: readonly Notice[]): Notification {
  const [first] = group as [Notice, ...Notice[]];
  const dryRun = group.every((n) => n.mutations.dryRun);
  const title = summaryTitles[first.kind](group.length, first.service.name);
  return {
    severity: first.severity,
    kind: first.kind,
    title: dryRunTitle(title, dryRun),
    summary: `${group.length} actions of group ${first.action.groupName} ended the same way in one batch; one line per instance below.`,
    facts: [
      ...group.flatMap((n): [string, string][] => [
        [n.action.instanceId, `${n.title}: ${n.summary}`],
        ...n.extra.filter(worthRepeating).map(([k, v]): [string, string] => [`${n.action.instanceId} ${k}`, v]),
      ]),
      ...dryRunFacts(group),
    ],
    links: linksFor(
      first,
      group.slice(0, 5).map((n) => n.action.instanceId),
    ),
    service: first.service.name,
    correlationId: group
      .map((n) => n.action.eventId)
      .join(' ')
      .slice(0, 256),
  };
}

/** Facts a summary repeats per instance: the unusual ones (a routine address or record would drown them). */
function worthRepeating([label, value]: readonly [string, string]): boolean {
  if (label === 'Private IP' || label === 'Availability Zone') return false;
  if (label === 'DNS') return !/^(removed |.* A .* \(zone )/.test(value);
  return true;
}

function dryRunFacts(group: readonly Notice[]): [string, string][] {
  if (!group.some((n) => n.mutations.dryRun)) return [];
  return [[...wouldHaveFact(group.flatMap((n) => n.mutations.skipped))]];
}

function linksFor(n: Notice, instanceIds: readonly string[]): Link[] {
  return [
    ...instanceIds.map((id) => consoleLinks.instance(n.region, id)),
    consoleLinks.autoScalingGroup(n.region, n.action.groupName),
    ...n.service.targetGroups.map((arn) => consoleLinks.targetGroup(n.region, arn)),
  ];
}
