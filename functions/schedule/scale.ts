/**
 * The scheduled scaling core: "level, not edge". Every call computes the capacity the calendar says holds now
 * (calendar.ts levelAt: the latest occurrence of each rule, exceptions and DST applied), reads the group from Auto
 * Scaling (the event is never believed), applies the guards and calls UpdateAutoScalingGroup only when something
 * differs. A rule's own invocation and the periodic reconcile run the same code, so a lost or skipped invocation is
 * repaired by the next call.
 *
 * The reconcile rule (README, "Scheduled scaling"):
 * - min and max are enforced: they are set to the calendar's values (guards applied) whenever they differ;
 * - desired is moved only for an occurrence not yet applied, or when it lies outside the new min..max (then to the
 *   nearest bound). Which occurrence was applied is remembered on the group itself, in the tag `fleetpilot:schedule`
 *   (`<occurrence UTC time> <rule> applied|deferred:<reason>`), so a scale-out by a scaling policy inside min..max is
 *   never undone, and a duplicate invocation finds the occurrence applied and does (and says) nothing;
 * - a scale-in (desired lowered) waits while an instance refresh of the group is not finished, or a configured alarm
 *   is in ALARM: the occurrence stays "deferred" and the first call after the reason has cleared applies it;
 * - maxStep: desired moves at most that far per call; the occurrence stays pending and each reconcile moves it on.
 *
 * UpdateAutoScalingGroup (Auto Scaling API reference): MinSize ≤ DesiredCapacity ≤ MaxSize is validated as a whole
 * (ValidationError otherwise), so min, max and desired are always sent together.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { isDryRun } from '../../shared/config/lookup';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { consoleLinks, type Notification, type Notifier, notifySafely } from '../../shared/notify/notifier';
import { asDryRun, createMutations, type Mutations } from '../../shared/runtime/mutations';
import { type Level, levelAt, type Occurrence } from './calendar';
import type { ScheduleClients } from './clients';
import type { ScheduleConfig } from './config';
import type { ScheduleKind } from './report';

/** The group tag that remembers the desired-capacity occurrence applied (or deferred) last. */
export const STATE_TAG = 'fleetpilot:schedule';

/**
 * Instance refresh statuses that are not final (Auto Scaling API reference, InstanceRefresh.Status: Pending,
 * InProgress, Successful, Failed, Cancelling, Cancelled, RollbackInProgress, RollbackFailed, RollbackSuccessful,
 * Baking).
 */
export const ACTIVE_REFRESH_STATUSES = ['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'];

export type ScheduledService = ServiceConfig & { schedule: ScheduleConfig };

export interface Capacity3 {
  min: number;
  max: number;
  desired: number;
}

export interface ScaleDeps {
  clients: Pick<ScheduleClients, 'autoScaling' | 'cloudWatch'>;
  notifier: Notifier;
  log: Pick<Logger, 'info' | 'error' | 'warn'>;
  config: FleetpilotConfig;
}

export interface ScaleRequest {
  service: ScheduledService;
  /** The instant the level is computed for (now, or the scheduled time if later). */
  at: Date;
  /** What invoked: the rule's name or "reconcile". */
  trigger: string;
  correlationId: string;
}

export type ScaleOutcome =
  | { status: 'idle'; reason: string }
  | { status: 'unchanged'; capacity: Capacity3 }
  | { status: 'changed'; from: Capacity3; to: Capacity3; clipped: string[]; deferred?: string; dryRun: boolean }
  | { status: 'deferred'; capacity: Capacity3; reason: string; reported: boolean };

/** Why a scale-in waits: a code for the tag and a sentence for people. */
interface Deferral {
  code: 'instance-refresh' | 'alarm';
  text: string;
}

/** The services whose config has a schedule section. */
export function scheduledServices(config: FleetpilotConfig): ScheduledService[] {
  return config.services.filter((s): s is ScheduledService => s.schedule !== undefined);
}

/** One service, one look; every failure (a read or a write) is reported, then rethrown to the handler. */
export async function scaleService(request: ScaleRequest, deps: ScaleDeps): Promise<ScaleOutcome> {
  const attempt: { next?: Capacity3 } = {};
  try {
    return await scaleOnce(request, deps, attempt);
  } catch (error) {
    const { service } = request;
    await notifySafely(deps.notifier, deps.log, {
      severity: 'critical',
      kind: 'schedule.capacity.failed' satisfies ScheduleKind,
      title: `Scheduled capacity${attempt.next ? ` ${fmt(attempt.next)}` : ''} not applied`,
      summary: `${(error as Error).name}: ${(error as Error).message}. The next reconcile (every 15 minutes) tries again.`,
      facts: [
        ['Group', service.autoScalingGroup],
        ['Invoked by', triggerText(request.trigger)],
        ['At (UTC)', request.at.toISOString()],
      ],
      links: [consoleLinks.autoScalingGroup(deps.config.region, service.autoScalingGroup)],
      service: service.name,
      correlationId: request.correlationId,
    });
    throw error;
  }
}

async function scaleOnce(request: ScaleRequest, deps: ScaleDeps, attempt: { next?: Capacity3 }): Promise<ScaleOutcome> {
  const { service, at } = request;
  const schedule = service.schedule;
  const level = levelAt(schedule, at);
  if (Object.keys(level.capacity).length === 0) {
    return { status: 'idle', reason: 'no rule has fired yet in the lookback window' };
  }
  const group = await readGroup(service.autoScalingGroup, deps);
  const current = group.capacity;
  const occurrence = level.from.desired;
  const marker = occurrence ? `${occurrence.at.toISOString()} ${occurrence.rule}` : undefined;
  const pending = marker !== undefined && group.state !== `${marker} applied`;

  const clipped: string[] = [];
  const guard = (field: keyof Capacity3, value: number): number => {
    const { floor, ceiling } = schedule.guards;
    let v = value;
    if (floor !== undefined && v < floor) v = floor;
    if (ceiling !== undefined && v > ceiling) v = ceiling;
    if (v !== value) clipped.push(`${field} ${value} → ${v} (${v === floor ? 'floor' : 'ceiling'} ${v})`);
    return v;
  };
  let min = level.capacity.min === undefined ? current.min : guard('min', level.capacity.min);
  let max = level.capacity.max === undefined ? current.max : guard('max', level.capacity.max);
  if (min > max) {
    // Only one of them comes from the calendar (the schema refuses a rule with min > max): the other gives way.
    if (level.capacity.max === undefined) {
      clipped.push(`max ${max} → ${min} (the group's max is below the calendar's min)`);
      max = min;
    } else {
      clipped.push(`min ${min} → ${max} (the group's min is above the calendar's max)`);
      min = max;
    }
  }
  let desired = current.desired;
  let complete = true;
  if (pending && level.capacity.desired !== undefined) desired = guard('desired', level.capacity.desired);
  const inRange = Math.min(max, Math.max(min, desired));
  if (inRange !== desired) {
    if (pending) clipped.push(`desired ${desired} → ${inRange} (outside min ${min} .. max ${max})`);
    desired = inRange;
  }
  const { maxStep } = schedule.guards;
  if (maxStep !== undefined && Math.abs(desired - current.desired) > maxStep) {
    const stepped = current.desired + Math.sign(desired - current.desired) * maxStep;
    clipped.push(`desired ${desired} → ${stepped} (maxStep ${maxStep}; the next reconcile moves on)`);
    desired = stepped;
    min = Math.min(min, desired);
    max = Math.max(max, desired);
    complete = false;
  }
  let deferral: Deferral | undefined;
  const wanted = desired;
  if (desired < current.desired) {
    deferral = await scaleInBlocker(service, deps);
    if (deferral) {
      desired = current.desired;
      min = Math.min(min, desired);
      max = Math.max(max, desired);
      complete = false;
    }
  }

  const next: Capacity3 = { min, max, desired };
  const changed = next.min !== current.min || next.max !== current.max || next.desired !== current.desired;
  let state = group.state;
  if (marker && complete) state = `${marker} applied`;
  // Only a pending occurrence is marked deferred: a max lowered under an applied occurrence's desired (a rule that
  // sets only max) must not make that occurrence pending again, or its desired would later undo dynamic scaling.
  else if (marker && pending && deferral) state = `${marker} deferred:${deferral.code}`;
  const stateChanged = state !== group.state;

  if (!changed && !stateChanged) {
    return deferral
      ? { status: 'deferred', capacity: current, reason: deferral.text, reported: false }
      : { status: 'unchanged', capacity: current };
  }

  const dryRun = isDryRun(deps.config, service);
  const mutations = createMutations(dryRun, deps.log);
  const about = describeCause(service, level, occurrence, request.trigger);
  attempt.next = next;
  if (changed) {
    await mutations.run(`UpdateAutoScalingGroup ${service.autoScalingGroup} ${fmt(next)}`, () =>
      deps.clients.autoScaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: service.autoScalingGroup,
          MinSize: next.min,
          MaxSize: next.max,
          DesiredCapacity: next.desired,
        }),
      ),
    );
  }
  if (stateChanged && state !== undefined) {
    await mutations.run(`CreateOrUpdateTags ${STATE_TAG}=${state}`, () =>
      deps.clients.autoScaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: [
            {
              ResourceId: service.autoScalingGroup,
              ResourceType: 'auto-scaling-group',
              Key: STATE_TAG,
              Value: state,
              PropagateAtLaunch: false,
            },
          ],
        }),
      ),
    );
  }

  if (changed) {
    await notify(deps, service, request, mutations, {
      severity: 'info',
      kind: 'schedule.capacity.changed',
      title: `${changeText(current, next, '->')} (${about})`,
      summary: `${service.name}: ${changeText(current, next, '→')} (${about}). The calendar (${schedule.timezone}) asks for ${fmt(level.capacity)}; the group is now ${fmt(next)}.`,
      facts: [['Group', service.autoScalingGroup], ...facts(current, next, request)],
    });
  }
  if (clipped.length > 0) {
    await notify(deps, service, request, mutations, {
      severity: 'warning',
      kind: 'schedule.capacity.clipped',
      title: `A guard changed the scheduled capacity (${about})`,
      summary: clipped.join('; '),
      facts: clipped.map((c, i): [string, string] => [`Clipped ${i + 1}`, c]),
    });
  }
  if (deferral) {
    await notify(deps, service, request, mutations, {
      severity: 'warning',
      kind: 'schedule.capacity.deferred',
      title: `Scale-in to ${wanted} deferred (${deferral.text})`,
      summary: `The calendar asks for desired ${wanted} (${about}); a scale-in waits while ${deferral.text}. The first reconcile after that applies it.`,
      facts: [['Group', service.autoScalingGroup], ['Reason', deferral.text], ...facts(current, next, request)],
    });
  }
  return {
    status: 'changed',
    from: current,
    to: next,
    clipped,
    ...(deferral ? { deferred: deferral.text } : {}),
    dryRun,
  };
}

async function readGroup(name: string, deps: ScaleDeps): Promise<{ capacity: Capacity3; state?: string }> {
  const out = await deps.clients.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
  if (!group) throw new GroupNotFoundError(`Auto Scaling group ${name} does not exist`);
  const state = group.Tags?.find((t) => t.Key === STATE_TAG)?.Value;
  return {
    capacity: { min: group.MinSize ?? 0, max: group.MaxSize ?? 0, desired: group.DesiredCapacity ?? 0 },
    ...(state !== undefined ? { state } : {}),
  };
}

/** What keeps a scale-in waiting now, if anything: an unfinished instance refresh, then an alarm in ALARM. */
async function scaleInBlocker(service: ScheduledService, deps: ScaleDeps): Promise<Deferral | undefined> {
  const { guards } = service.schedule;
  if (guards.deferScaleInDuringRefresh) {
    const out = await deps.clients.autoScaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: service.autoScalingGroup, MaxRecords: 10 }),
    );
    const active = out.InstanceRefreshes?.find((r) => ACTIVE_REFRESH_STATUSES.includes(r.Status ?? ''));
    if (active) {
      return {
        code: 'instance-refresh',
        text: `instance refresh ${active.InstanceRefreshId} is ${active.Status}`,
      };
    }
  }
  if (guards.deferWhileAlarms.length > 0) {
    // DescribeAlarms takes up to 100 names (CloudWatch API reference, DescribeAlarms AlarmNames).
    const out = await deps.clients.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: guards.deferWhileAlarms.slice(0, 100), StateValue: 'ALARM' }),
    );
    const firing = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]
      .filter((a) => a.StateValue === 'ALARM')
      .map((a) => a.AlarmName ?? '?');
    if (firing.length > 0) return { code: 'alarm', text: `alarm ${firing.join(', ')} is in ALARM` };
  }
  return undefined;
}

export class GroupNotFoundError extends Error {
  override readonly name = 'GroupNotFoundError';
}

/** "business-hours, Asia/Seoul 08:55": the occurrence behind the change (desired's, else the latest one). */
function describeCause(
  service: ScheduledService,
  level: Level,
  occurrence: Occurrence | undefined,
  trigger: string,
): string {
  const latest =
    occurrence ??
    Object.values(level.from)
      .filter((o): o is Occurrence => o !== undefined)
      .sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (!latest) return trigger;
  return `${latest.rule}, ${service.schedule.timezone} ${latest.local.slice(11, 16)}`;
}

/** "2 → 4, min 1 → 2": the arrow is ASCII in titles (e-mail subjects are ASCII; the notifier would replace it). */
function changeText(from: Capacity3, to: Capacity3, arrow: string): string {
  const parts: string[] = [];
  if (from.desired !== to.desired) parts.push(`${from.desired} ${arrow} ${to.desired}`);
  if (from.min !== to.min) parts.push(`min ${from.min} ${arrow} ${to.min}`);
  if (from.max !== to.max) parts.push(`max ${from.max} ${arrow} ${to.max}`);
  return parts.join(', ');
}

const fmt = (c: Partial<Capacity3>) =>
  (['min', 'max', 'desired'] as const)
    .filter((k) => c[k] !== undefined)
    .map((k) => `${k} ${c[k]}`)
    .join(', ');

function facts(from: Capacity3, to: Capacity3, request: ScaleRequest): [string, string][] {
  return [
    ['Min', `${from.min} → ${to.min}`],
    ['Max', `${from.max} → ${to.max}`],
    ['Desired', `${from.desired} → ${to.desired}`],
    ['Invoked by', triggerText(request.trigger)],
    ['At (UTC)', request.at.toISOString()],
  ];
}

const triggerText = (trigger: string) =>
  trigger === 'reconcile' ? 'the reconcile (every 15 minutes)' : `the schedule of rule ${trigger}`;

async function notify(
  deps: ScaleDeps,
  service: ScheduledService,
  request: ScaleRequest,
  mutations: Mutations,
  n: Pick<Notification<ScheduleKind>, 'severity' | 'kind' | 'title' | 'summary' | 'facts'>,
): Promise<void> {
  await notifySafely(deps.notifier, deps.log, {
    ...n,
    ...asDryRun(n, mutations),
    links: [consoleLinks.autoScalingGroup(deps.config.region, service.autoScalingGroup)],
    service: service.name,
    correlationId: request.correlationId,
  });
}
