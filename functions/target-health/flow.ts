/**
 * The target health core: one alarm state change of a fleetpilot alarm → is it ours and really in that state
 * (DescribeAlarms: AWS, not the event) → ALARM: diagnosis (and, for the `persistent` alarm, capped remediation);
 * OK: a short recovery report with how long the alarm lasted (DescribeAlarmHistory). Takes its ports as arguments.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { isDryRun } from '../../shared/config/lookup';
import type { FleetpilotConfig } from '../../shared/config/schema';
import type { Notifier } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';
import { createMutations } from '../../shared/runtime/mutations';
import { type AlarmSpec, alarmByName } from './alarms';
import { type DiagnosisClients, diagnose, diagnosisFacts } from './diagnose';
import type { AlarmEvent } from './events';
import { remediate } from './remedy';
import { type HealthNotice, report, type TargetHealthKind } from './report';

export interface TargetHealthDeps {
  config: FleetpilotConfig;
  clients: DiagnosisClients & { cloudWatch: CloudWatchClient };
  notifier: Notifier;
  clock: Clock;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The stage this function was deployed with: part of the names of the alarms it answers for (alarms.ts). */
  stage: string;
  /**
   * Alarm state changes already handled by this execution environment (alarm name + AWS's StateUpdatedTimestamp):
   * EventBridge delivers at least once. Only saves a repeated report; remedies are guarded by AWS's own state.
   */
  handled?: Set<string>;
}

/** State changes remembered per execution environment. */
export const HANDLED_MAX = 500;

export type HealthResult = { status: 'ignored'; reason: string } | { status: 'reported'; kinds: TargetHealthKind[] };

/** True when the alarm AWS describes watches what the config says this alarm name watches. */
function watchesWhatWeDeploy(alarm: MetricAlarm, spec: AlarmSpec): boolean {
  const dims = new Map((alarm.Dimensions ?? []).map((d) => [d.Name, d.Value]));
  return (
    alarm.Namespace === spec.group.namespace &&
    alarm.MetricName === spec.metricName &&
    dims.get('TargetGroup') === spec.group.targetGroupDimension &&
    dims.get('LoadBalancer') === spec.group.loadBalancerDimension
  );
}

export async function onAlarmEvent(event: AlarmEvent, deps: TargetHealthDeps): Promise<HealthResult> {
  const spec = alarmByName(deps.config, deps.stage, event.alarmName);
  if (!spec) return { status: 'ignored', reason: `alarm ${event.alarmName} is not one fleetpilot deploys` };
  const { cloudWatch } = deps.clients;
  const described = await cloudWatch.send(
    new DescribeAlarmsCommand({ AlarmNames: [event.alarmName], AlarmTypes: ['MetricAlarm'] }),
  );
  const alarm = described.MetricAlarms?.[0];
  if (!alarm) return { status: 'ignored', reason: `alarm ${event.alarmName} does not exist (deleted?)` };
  if (!watchesWhatWeDeploy(alarm, spec)) {
    deps.log.warn('an alarm with a fleetpilot name watches something else; ignored', { alarm: event.alarmName });
    return { status: 'ignored', reason: `alarm ${event.alarmName} does not watch ${spec.group.targetGroupDimension}` };
  }
  const state = alarm.StateValue;
  if (state !== event.claimedState) {
    // A late or repeated event: the alarm has moved on, and the event for its current state comes (or came) too.
    return { status: 'ignored', reason: `the event says ${event.claimedState} but the alarm is ${state} now` };
  }
  const since = alarm.StateUpdatedTimestamp;
  const key = `${event.alarmName}@${since?.toISOString() ?? event.claimedTimestamp ?? event.eventId}`;
  if (deps.handled?.has(key))
    return { status: 'ignored', reason: `state change ${key} already handled (repeated event)` };
  if (deps.handled) {
    // Bounded: the oldest keys go first (a Set iterates in insertion order).
    if (deps.handled.size >= HANDLED_MAX) deps.handled.delete(deps.handled.values().next().value as string);
    deps.handled.add(key);
  }

  if (state === 'ALARM') return onAlarm(spec, alarm, event, deps);
  if (state === 'OK' && spec.role !== 'persistent') return onRecovery(spec, alarm, event, deps);
  return { status: 'ignored', reason: `nothing to do for ${spec.role} alarm in state ${state}` };
}

async function onAlarm(
  spec: AlarmSpec,
  alarm: MetricAlarm,
  event: AlarmEvent,
  deps: TargetHealthDeps,
): Promise<HealthResult> {
  const { group } = spec;
  const service = group.service;
  const now = deps.clock.now();
  const diagnosis = await diagnose(group, deps.clients, now);
  const tgName = group.targetGroupDimension.split('/')[1] ?? group.targetGroupArn;
  const base = {
    service: service.name,
    group: service.autoScalingGroup,
    targetGroupArn: group.targetGroupArn,
    correlationId: event.eventId,
  };
  const troubled = diagnosis.targets.filter((t) => t.state !== 'healthy').map((t) => t.targetId);
  const facts: [string, string][] = [
    // The reason's kind only ("Threshold Crossed"): its datapoint list fills a line per minute of the alarm.
    ['Alarm', `${alarm.AlarmName} (${alarm.StateReason?.split(':')[0] || 'in ALARM'})`],
    ['Target group', group.targetGroupArn],
    ...diagnosisFacts(diagnosis),
  ];
  const send = (notice: HealthNotice, mutations?: Parameters<typeof report>[2]) =>
    report({ notifier: deps.notifier, log: deps.log, region: deps.config.region }, notice, mutations);

  if (spec.role !== 'persistent') {
    const severity =
      diagnosis.verdict.kind === 'isolated' || diagnosis.verdict.kind === 'none' ? 'warning' : 'critical';
    await send({
      ...base,
      severity,
      kind: 'target-health.alarm.diagnosed',
      title: `${tgName}: ${spec.role === 'unhealthy' ? 'unhealthy targets' : `fewer than ${group.minHealthy} healthy targets`}`,
      summary: headline(diagnosis),
      facts,
      instanceIds: troubled,
    });
    return { status: 'reported', kinds: ['target-health.alarm.diagnosed'] };
  }

  const mutations = createMutations(isDryRun(deps.config, service), deps.log);
  const outcomes = await remediate(group, diagnosis, deps.clients.autoScaling, mutations, now);
  const applied = outcomes.filter((o) => o.applied);
  const refused = outcomes.filter((o) => !o.applied);
  const kinds: TargetHealthKind[] = [];
  if (applied.length > 0) {
    await send(
      {
        ...base,
        severity: 'warning',
        kind: 'target-health.remedy.applied',
        title: `${tgName}: ${applied.map((o) => o.instanceId).join(', ')} marked Unhealthy for replacement`,
        summary: `Auto Scaling replaces ${applied.length === 1 ? 'it' : 'them'} through the lifecycle hooks. ${diagnosis.verdict.explanation}`,
        facts: [
          ...applied.map((o): [string, string] => [`Replaced ${o.instanceId}`, o.reason]),
          ...refused.map((o): [string, string] => [`Not replaced ${o.instanceId ?? '?'}`, o.reason]),
          ...facts,
        ],
        instanceIds: applied.map((o) => o.instanceId ?? '').filter((id) => id !== ''),
      },
      mutations,
    );
    kinds.push('target-health.remedy.applied');
  } else if (refused.length > 0) {
    await send({
      ...base,
      severity: diagnosis.verdict.kind === 'isolated' ? 'warning' : 'critical',
      kind: 'target-health.remedy.refused',
      title: `${tgName}: unhealthy for ${service.targetHealth.remediation.afterMinutes} min, not replaced`,
      summary: `${refused[0]?.reason ?? ''}. ${diagnosis.verdict.explanation} ${diagnosis.verdict.nextStep}`,
      facts: [...refused.map((o): [string, string] => [`Not replaced ${o.instanceId ?? '?'}`, o.reason]), ...facts],
      instanceIds: troubled,
    });
    kinds.push('target-health.remedy.refused');
  }
  return kinds.length > 0 ? { status: 'reported', kinds } : { status: 'ignored', reason: 'no unhealthy target now' };
}

/** The verdict; for a few failing targets, the first one's explanation and next step (the facts list the rest). */
function headline(d: Awaited<ReturnType<typeof diagnose>>): string {
  const first = d.targets.find((t) => t.state === 'unhealthy');
  if (d.verdict.kind !== 'isolated' || !first) return `${d.verdict.explanation} ${d.verdict.nextStep}`;
  return `${d.verdict.explanation} ${first.targetId}: ${first.explanation} Next: ${first.nextStep}`;
}

/**
 * The start of the ALARM period that this OK ends, from the alarm's state history (newest first): the latest move into
 * ALARM, provided the alarm was in ALARM before it became OK — passing through INSUFFICIENT_DATA (a gap in the
 * data) is allowed. `recovered: false` when it was OK before (an alarm created with no data goes INSUFFICIENT_DATA
 * then OK: no incident ended, nothing to report).
 */
async function alarmStart(
  cloudWatch: CloudWatchClient,
  name: string,
  before: Date,
): Promise<{ recovered: boolean; start?: Date }> {
  const out = await cloudWatch.send(
    new DescribeAlarmHistoryCommand({
      AlarmName: name,
      HistoryItemType: 'StateUpdate',
      EndDate: before,
      ScanBy: 'TimestampDescending',
      MaxRecords: 20,
    }),
  );
  let sawTheOk = false;
  for (const item of out.AlarmHistoryItems ?? []) {
    if (!item.Timestamp || item.Timestamp.getTime() > before.getTime()) continue;
    // HistoryData is JSON with oldState/newState (CloudWatch API reference, AlarmHistoryItem); the summary
    // "Alarm updated from OK to ALARM" says the same in words.
    const { from, to } = transition(item.HistoryData, item.HistorySummary);
    if (!sawTheOk) {
      if (to !== 'OK') continue;
      sawTheOk = true;
      if (from === 'ALARM') continue;
      if (from === 'OK') return { recovered: false };
      continue;
    }
    if (to === 'ALARM') return { recovered: true, start: item.Timestamp };
    if (to === 'OK') return { recovered: false };
  }
  // No history to tell (older than the page, or none kept): report the recovery without its start.
  return { recovered: !sawTheOk };
}

function transition(data: string | undefined, summary: string | undefined): { from?: string; to?: string } {
  try {
    const parsed = JSON.parse(data ?? '{}') as {
      oldState?: { stateValue?: string };
      newState?: { stateValue?: string };
    };
    if (parsed.newState?.stateValue) return { from: parsed.oldState?.stateValue, to: parsed.newState.stateValue };
  } catch {
    // fall back to the summary
  }
  const words = /from (\w+) to (\w+)$/.exec(summary ?? '');
  return { from: words?.[1], to: words?.[2] };
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

async function onRecovery(
  spec: AlarmSpec,
  alarm: MetricAlarm,
  event: AlarmEvent,
  deps: TargetHealthDeps,
): Promise<HealthResult> {
  const { group } = spec;
  const okSince = alarm.StateUpdatedTimestamp ?? new Date(deps.clock.now());
  const { recovered, start } = await alarmStart(deps.clients.cloudWatch, spec.name, okSince);
  if (!recovered) return { status: 'ignored', reason: `alarm ${spec.name} was not in ALARM before this OK` };
  const lasted = start ? duration(okSince.getTime() - start.getTime()) : 'unknown (no ALARM in the alarm history)';
  const tgName = group.targetGroupDimension.split('/')[1] ?? group.targetGroupArn;
  await report(
    { notifier: deps.notifier, log: deps.log, region: deps.config.region },
    {
      service: group.service.name,
      group: group.service.autoScalingGroup,
      targetGroupArn: group.targetGroupArn,
      correlationId: event.eventId,
      severity: 'info',
      kind: 'target-health.alarm.recovered',
      title: `${tgName}: recovered after ${lasted}`,
      summary: `Alarm ${spec.name} is OK again.`,
      facts: [
        ['Alarm', spec.name],
        ['In ALARM from', start?.toISOString() ?? 'unknown'],
        ['OK since', okSince.toISOString()],
        ['Lasted', lasted],
      ],
    },
  );
  return { status: 'reported', kinds: ['target-health.alarm.recovered'] };
}
