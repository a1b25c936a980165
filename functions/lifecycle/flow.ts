/**
 * The lifecycle core: what to do with one launch or terminate action, one invocation at a time. It never sees a
 * Lambda event; it takes its AWS clients, clock, notifier and budget as arguments.
 *
 * Launch:    guard → (warm pool: CONTINUE) → wait running → register in every target group → wait healthy
 *            (heartbeats; hand over to a later invocation before the budget runs out) → tag + UPSERT DNS → CONTINUE.
 *            Past a deadline, or on any error that retrying cannot fix: deregister, delete records, ABANDON, alert.
 * Terminate: guard (stale after root-volume replacement) → deregister → delete DNS (values remembered in tags)
 *            → wait for draining within its budget → CONTINUE.
 *
 * Waits poll through the injected clock instead of the SDK waiters: the waiters treat every error (AccessDenied,
 * TargetGroupNotFound) as "retry" until their timeout, and cannot stop at the invocation's budget and resume later.
 * Throttling and 5xx are retried by the SDK's retry strategy (shared/aws/clients.ts), then continued later through
 * the queue with back-off (continueAfterError), and only then rethrown to Lambda.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients } from '../../shared/aws/clients';
import { isDryRun } from '../../shared/config/load';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { isTransient, LifecycleFailedError } from '../../shared/errors';
import { consoleLinks, type Link, type Notifier, type Severity } from '../../shared/notify/notifier';
import type { Budget, Clock } from '../../shared/runtime/clock';
import { createMutations, type Mutations } from '../../shared/runtime/mutations';
import {
  type DnsRecord,
  decodeRecordTags,
  deleteRecordsIfOurs,
  forgetRecords,
  mergeRecords,
  recordsFor,
  rememberRecords,
  upsertRecords,
} from './dns';
import { completeAction, heartbeatTimeoutOf, maxHookLifetimeMs, recordHeartbeat } from './hook';
import {
  describeInstance,
  type InstanceFacts,
  isPastLaunchWait,
  launchingOrInServiceStates,
  launchWaitStates,
  lifecycleStateOf,
} from './instance';
import { handOver, MAX_DELAY_S, type Progress } from './progress';
import {
  deregisterFromAll,
  healthCheckSummaries,
  healthIn,
  registerInAll,
  shortName,
  type TargetHealth,
} from './targets';

export interface LifecycleDeps {
  clients: Pick<AwsClients, 'ec2' | 'autoScaling' | 'elbv2' | 'route53' | 'sqs'>;
  config: FleetpilotConfig;
  notifier: Notifier;
  clock: Clock;
  continuationQueueUrl: string;
  log: Logger;
}

export type Outcome =
  | { status: 'continued'; dryRun: boolean }
  | { status: 'abandoned'; reason: string }
  | { status: 'waiting'; phase: Progress['phase'] }
  | { status: 'skipped'; reason: string }
  | { status: 'already-done' }
  | { status: 'failed'; reason: string };

interface Run {
  service: ServiceConfig;
  deps: LifecycleDeps;
  budget: Budget;
  mutations: Mutations;
}

/** Signals that the action stopped being pending while we were working on it. */
class ActionGoneError extends Error {
  override readonly name = 'ActionGoneError';
}

export async function runLifecycle(
  progress: Progress,
  service: ServiceConfig,
  deps: LifecycleDeps,
  budget: Budget,
): Promise<Outcome> {
  const run: Run = { service, deps, budget, mutations: createMutations(isDryRun(deps.config, service), deps.log) };
  return progress.action.transition === 'launch' ? runLaunch(progress, run) : runTerminate(progress, run);
}

// ---------------------------------------------------------------- launch

async function runLaunch(start: Progress, run: Run): Promise<Outcome> {
  const { clients, clock, config, log } = run.deps;
  const { action } = start;
  const tgs = run.service.targetGroups;
  const state = await lifecycleStateOf(clients.autoScaling, action.instanceId);
  if (isPastLaunchWait(state)) {
    log.info('launch action already completed', { lifecycleState: state });
    return { status: 'already-done' };
  }
  if (state === undefined || !launchWaitStates.has(state)) {
    // A resumed wait that finds its action gone was cut short (its hook timed out while an invocation was retried).
    if (start.phase !== 'start') return afterLostAction(start, run);
    return skipped(
      run,
      `instance ${action.instanceId} is ${state ?? 'not in a group'}; its terminate action cleans up`,
    );
  }

  let p = start;
  try {
    if (p.phase === 'start') {
      if (action.destination === 'WarmPool') {
        // A launch into the warm pool: the instance will be stopped or kept idle, so no target group or DNS churn.
        const result = await completeAction(clients.autoScaling, action, 'CONTINUE', run.mutations);
        if (result === 'already-done') return { status: 'already-done' };
        await report(
          run,
          p,
          'info',
          'lifecycle.launch.warm-pool',
          `Instance ${action.instanceId} entered the warm pool`,
          'The warm-pool launch hook was continued; no target group or DNS change is made until it leaves the pool.',
        );
        return { status: 'continued', dryRun: run.mutations.dryRun };
      }
      const heartbeatTimeoutS = await heartbeatTimeoutOf(clients.autoScaling, action);
      const cap = action.time + maxHookLifetimeMs(heartbeatTimeoutS);
      const wanted = action.time + run.service.lifecycle.launch.healthyTimeoutSeconds * 1000;
      if (wanted > cap) log.warn('healthyTimeoutSeconds exceeds what heartbeats can extend the hook to', { cap });
      p = {
        ...p,
        phase: 'await-running',
        deadline: Math.min(wanted, cap),
        runningDeadline: action.time + run.service.lifecycle.launch.runningTimeoutSeconds * 1000,
        heartbeatEveryMs: (heartbeatTimeoutS * 1000) / 2,
      };
    }

    if (p.phase === 'await-running') {
      const running = await waitRunning(p, run);
      if (running === 'hand-over') return await handOverNow(p, run);
      await registerInAll(clients.elbv2, tgs, action.instanceId, run.mutations);
      p = { ...p, phase: 'await-healthy' };
    }

    if (run.mutations.dryRun) {
      run.mutations.skipped.push(`wait until ${action.instanceId} is healthy in ${tgs.map(shortName).join(', ')}`);
    } else if ((await waitHealthy(p, run)) === 'hand-over') {
      return await handOverNow(p, run);
    }

    const instance = await describeInstance(clients.ec2, action.instanceId);
    if (!instance)
      throw new LifecycleFailedError(`instance ${action.instanceId} disappeared before its DNS records were written`);
    const records = recordsFor(config, run.service, action.groupName, instance);
    await rememberRecords(clients.ec2, action.instanceId, records, run.mutations);
    await upsertRecords(clients.route53, records, run.mutations);
    const result = await completeAction(clients.autoScaling, action, 'CONTINUE', run.mutations);
    if (result === 'already-done') return await afterLostAction(p, run);
    await report(
      run,
      p,
      'info',
      'lifecycle.launch.continued',
      `Instance ${action.instanceId} is in service`,
      `Healthy in ${tgs.length} target group(s) after ${seconds(clock.now() - action.time)} s; ${records.length} DNS record(s) written; launch continued.`,
      [
        ['Private IP', instance.privateIp ?? '-'],
        ['Availability Zone', instance.az ?? '-'],
        ...records.map((r): [string, string] => ['DNS', `${r.name} A ${r.value} (zone ${r.zoneId})`]),
      ],
    );
    return { status: 'continued', dryRun: run.mutations.dryRun };
  } catch (error) {
    if (error instanceof ActionGoneError) return afterLostAction(p, run);
    if (isTransient(error)) return continueAfterError(p, run, error);
    return abandonLaunch(p, run, error);
  }
}

async function waitRunning(p: Progress, run: Run): Promise<InstanceFacts | 'hand-over'> {
  const { clients, clock } = run.deps;
  const id = p.action.instanceId;
  for (;;) {
    const instance = await describeInstance(clients.ec2, id);
    if (!instance) throw new LifecycleFailedError(`instance ${id} no longer exists`);
    if (instance.state === 'running') return instance;
    if (instance.state !== 'pending') {
      throw new LifecycleFailedError(`instance ${id} is ${instance.state} instead of running`, {
        'EC2 state': instance.state,
      });
    }
    if (clock.now() >= p.runningDeadline) {
      throw new LifecycleFailedError(
        `instance ${id} was still pending after ${run.service.lifecycle.launch.runningTimeoutSeconds} s`,
      );
    }
    if ((await pause(p, run, p.runningDeadline)) === 'hand-over') return 'hand-over';
  }
}

async function waitHealthy(p: Progress, run: Run): Promise<'healthy' | 'hand-over'> {
  const { clients, clock } = run.deps;
  const tgs = run.service.targetGroups;
  for (;;) {
    const health = await healthIn(clients.elbv2, tgs, p.action.instanceId);
    if (health.every((h) => h.state === 'healthy')) return 'healthy';
    if (clock.now() >= p.deadline) throw await unhealthyError(health, p, run);
    if ((await pause(p, run, p.deadline)) === 'hand-over') return 'hand-over';
  }
}

async function unhealthyError(health: TargetHealth[], p: Progress, run: Run): Promise<LifecycleFailedError> {
  const checks = await healthCheckSummaries(run.deps.clients.elbv2, run.service.targetGroups);
  const facts: Record<string, string> = {};
  for (const h of health) {
    const name = shortName(h.targetGroupArn);
    facts[`Target group ${name}`] =
      `${h.state}${h.reason ? ` (${h.reason}${h.description ? `: ${h.description}` : ''})` : ''}`;
    facts[`Health check ${name}`] = checks.get(h.targetGroupArn) ?? 'unknown';
  }
  const bad = health.filter((h) => h.state !== 'healthy');
  const why = bad
    .map((h) => `${h.state}${h.reason ? ` ${h.reason}` : ''} in ${shortName(h.targetGroupArn)}`)
    .join(', ');
  return new LifecycleFailedError(
    `instance ${p.action.instanceId} was not healthy within ${seconds(p.deadline - p.action.time)} s: ${why}`,
    facts,
  );
}

/** The action was completed elsewhere or timed out. If the instance is not going into service, undo our changes. */
async function afterLostAction(p: Progress, run: Run): Promise<Outcome> {
  const state = await lifecycleStateOf(run.deps.clients.autoScaling, p.action.instanceId);
  if (isPastLaunchWait(state)) return { status: 'already-done' };
  const problems = await undoLaunch(p, run);
  const reason = `the launch action of ${p.action.instanceId} stopped being pending before fleetpilot answered it (instance is ${state ?? 'gone'})`;
  await report(
    run,
    p,
    'critical',
    'lifecycle.launch.expired',
    `Launch of ${p.action.instanceId} timed out unanswered`,
    `${reason}: Auto Scaling applied the hook's default result. This follows a failed or crashed invocation; check the function's errors and dead-letter queues.`,
    [['Cleanup', problems.length === 0 ? 'deregistered from target groups; DNS records removed' : problems.join('; ')]],
  );
  return skipped(run, reason);
}

async function undoLaunch(p: Progress, run: Run): Promise<string[]> {
  const { clients } = run.deps;
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      if (isTransient(error)) throw error;
      problems.push(`${what}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  await attempt('deregister', () =>
    deregisterFromAll(clients.elbv2, run.service.targetGroups, p.action.instanceId, run.mutations),
  );
  await attempt('delete DNS records', async () => {
    const instance = await describeInstance(clients.ec2, p.action.instanceId);
    if (!instance) return;
    await deleteRecordsIfOurs(clients.route53, decodeRecordTags(instance.tags), run.mutations);
    await forgetRecords(clients.ec2, p.action.instanceId, instance.tags, run.mutations);
  });
  return problems;
}

async function abandonLaunch(p: Progress, run: Run, error: unknown): Promise<Outcome> {
  const { clients, clock } = run.deps;
  const reason = error instanceof Error ? error.message : String(error);
  run.deps.log.error('abandoning launch', { error });
  const cleanupProblems = await undoLaunch(p, run);
  const result = await completeAction(clients.autoScaling, p.action, 'ABANDON', run.mutations);
  const facts: [string, string][] = [
    ['Reason', reason],
    ...(error instanceof LifecycleFailedError
      ? Object.entries(error.facts)
      : [['Error', (error as Error).name ?? 'Error'] as [string, string]]),
    ['Waited', `${seconds(clock.now() - p.action.time)} s`],
    ['Hook result', result === 'completed' ? 'ABANDON' : 'already completed or timed out'],
    [
      'Cleanup',
      cleanupProblems.length === 0
        ? 'deregistered from target groups; DNS records removed'
        : cleanupProblems.join('; '),
    ],
  ];
  await report(
    run,
    p,
    'critical',
    'lifecycle.launch.abandoned',
    `Launch of ${p.action.instanceId} abandoned`,
    `Auto Scaling was told to ABANDON the launch: ${reason}.`,
    facts,
  );
  return { status: 'abandoned', reason };
}

// ---------------------------------------------------------------- terminate

async function runTerminate(start: Progress, run: Run): Promise<Outcome> {
  const { clients, clock, config, log } = run.deps;
  const { action } = start;
  const state = await lifecycleStateOf(clients.autoScaling, action.instanceId);
  if (state !== undefined && launchingOrInServiceStates.has(state)) {
    return skipped(run, `stale terminate action: instance ${action.instanceId} is ${state}`);
  }
  let p = start;
  try {
    if (p.phase === 'start') {
      const heartbeatTimeoutS = state === undefined ? 3600 : await heartbeatTimeoutOf(clients.autoScaling, action);
      const instance = await describeInstance(clients.ec2, action.instanceId);
      const remembered = instance ? decodeRecordTags(instance.tags) : [];
      const rendered = instance ? renderedRecords(config, run.service, action.groupName, instance) : [];
      await deregisterFromAll(clients.elbv2, run.service.targetGroups, action.instanceId, run.mutations);
      const removed = await deleteRecordsIfOurs(clients.route53, mergeRecords(remembered, rendered), run.mutations);
      if (instance) await forgetRecords(clients.ec2, action.instanceId, instance.tags, run.mutations);
      if (removed.foreign.length > 0) {
        log.warn('DNS records now hold other values; left alone', { records: removed.foreign });
      }
      p = {
        ...p,
        phase: 'await-drained',
        deadline: clock.now() + run.service.lifecycle.terminate.drainTimeoutSeconds * 1000,
        heartbeatEveryMs: (heartbeatTimeoutS * 1000) / 2,
        notes: [
          ...removed.deleted.map((r) => `removed ${r.name} A ${r.value}`),
          ...removed.foreign.map((r) => `left ${r.name} alone: it no longer points to ${r.value}`),
        ],
      };
    }

    let drainNote = 'drained';
    if (run.mutations.dryRun) {
      run.mutations.skipped.push(`wait until ${action.instanceId} has drained`);
    } else {
      const drained = await waitDrained(p, run);
      if (drained === 'hand-over') return await handOverNow(p, run);
      if (drained === 'timed-out') {
        drainNote = `still draining after ${run.service.lifecycle.terminate.drainTimeoutSeconds} s`;
        await report(
          run,
          p,
          'warning',
          'lifecycle.terminate.drain-timeout',
          `Instance ${action.instanceId} still draining`,
          `Connections were still draining after ${run.service.lifecycle.terminate.drainTimeoutSeconds} s; the terminate action continues anyway.`,
        );
      }
    }
    const result = await completeAction(clients.autoScaling, action, 'CONTINUE', run.mutations);
    if (result === 'already-done') return { status: 'already-done' };
    await report(
      run,
      p,
      'info',
      'lifecycle.terminate.continued',
      `Instance ${action.instanceId} taken out of service`,
      `Deregistered from ${run.service.targetGroups.length} target group(s), ${drainNote}; ${p.notes.filter((n) => n.startsWith('removed')).length} DNS record(s) removed; ${action.replaceRootVolume ? 'root volume replacement continues' : action.destination === 'WarmPool' ? 'returning to the warm pool' : 'termination continued'}.`,
      p.notes.map((n): [string, string] => ['DNS', n]),
    );
    return { status: 'continued', dryRun: run.mutations.dryRun };
  } catch (error) {
    if (error instanceof ActionGoneError) return { status: 'already-done' };
    if (isTransient(error)) return continueAfterError(p, run, error);
    // Terminate cannot be abandoned into anything better: report, and let the instance go rather than hold it.
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log.error('terminate action failed', { error });
    const result = await completeAction(clients.autoScaling, action, 'CONTINUE', run.mutations);
    await report(
      run,
      p,
      'critical',
      'lifecycle.terminate.failed',
      `Clean-up of ${action.instanceId} failed`,
      `The instance was not fully taken out of service: ${reason}. Check its target groups and DNS records.`,
      [
        ['Reason', reason],
        ['Hook result', result === 'completed' ? 'CONTINUE' : 'already completed or timed out'],
      ],
    );
    return { status: 'failed', reason };
  }
}

function renderedRecords(
  config: FleetpilotConfig,
  service: ServiceConfig,
  group: string,
  instance: InstanceFacts,
): DnsRecord[] {
  try {
    return recordsFor(config, service, group, instance);
  } catch (error) {
    if (error instanceof LifecycleFailedError) return []; // e.g. the public IP is gone: the tags still know
    throw error;
  }
}

/** Draining polls back off (poll interval, doubling, at most this): a drain lasts minutes and nothing waits on it. */
const MAX_DRAIN_POLL_MS = 60_000;

async function waitDrained(p: Progress, run: Run): Promise<'drained' | 'timed-out' | 'hand-over'> {
  const { clients, clock } = run.deps;
  let interval = run.service.lifecycle.pollIntervalSeconds * 1000;
  for (;;) {
    const health = await healthIn(clients.elbv2, run.service.targetGroups, p.action.instanceId);
    if (!health.some((h) => h.state === 'draining')) return 'drained';
    if (clock.now() >= p.deadline) return 'timed-out';
    if ((await pause(p, run, p.deadline, interval)) === 'hand-over') return 'hand-over';
    interval = Math.min(MAX_DRAIN_POLL_MS, interval * 2);
  }
}

// ---------------------------------------------------------------- shared steps

/** Sleeps one poll interval (never past `until`), or says to hand over when the budget would not allow it. */
async function pause(
  p: Progress,
  run: Run,
  until: number,
  interval = run.service.lifecycle.pollIntervalSeconds * 1000,
): Promise<'slept' | 'hand-over'> {
  const { clock } = run.deps;
  const step = Math.max(1, Math.min(interval, until - clock.now()));
  if (clock.now() + step > run.budget.handOverAt) return 'hand-over';
  await heartbeatIfDue(p, run, step);
  await clock.sleep(step);
  return 'slept';
}

/** Records a heartbeat when the hook would otherwise come within half its timeout during the next `aheadMs`. */
async function heartbeatIfDue(p: Progress, run: Run, aheadMs: number): Promise<void> {
  const now = run.deps.clock.now();
  if (now + aheadMs - p.lastHeartbeat < p.heartbeatEveryMs) return;
  const alive = await recordHeartbeat(run.deps.clients.autoScaling, p.action, run.mutations);
  if (!alive)
    throw new ActionGoneError(`the ${p.action.transition} action of ${p.action.instanceId} is no longer pending`);
  p.lastHeartbeat = now;
}

async function handOverNow(p: Progress, run: Run): Promise<Outcome> {
  const delayS = run.service.lifecycle.pollIntervalSeconds;
  // Always a fresh heartbeat: the next invocation may be slow to come (a crash waits for the visibility timeout).
  await heartbeatIfDue(p, run, Number.POSITIVE_INFINITY);
  await handOver(run.deps.clients.sqs, run.deps.continuationQueueUrl, { ...p, retries: 0 }, delayS);
  run.deps.log.info('handed the wait over to a later invocation', { phase: p.phase, hops: p.hops + 1 });
  return { status: 'waiting', phase: p.phase };
}

/** Consecutive retryable failures continued through the queue before the error goes to Lambda's retries. */
const MAX_QUEUED_RETRIES = 8;

/**
 * A retryable error (throttling, 5xx) that outlasted the SDK's own retries: continue later through the queue, with
 * exponential back-off and a per-instance spread, keeping the hook alive with a heartbeat. Lambda's own async retries
 * come at fixed delays, so a burst of throttled instances would retry in lockstep and be throttled again; a hook
 * also needs heartbeats while it waits. After MAX_QUEUED_RETRIES, or if the hand-over fails, the original error goes
 * to Lambda's retries and then the dead-letter queue.
 */
async function continueAfterError(p: Progress, run: Run, error: unknown): Promise<Outcome> {
  if (p.retries >= MAX_QUEUED_RETRIES) throw error;
  const base = Math.min(MAX_DELAY_S / 2, run.service.lifecycle.pollIntervalSeconds * 2 ** p.retries);
  const delayS = Math.round(base + base * spread(`${p.action.instanceId}:${p.retries}`));
  run.deps.log.warn('retryable error after the SDK retries; continuing later', {
    error,
    delaySeconds: delayS,
    retries: p.retries + 1,
  });
  try {
    await heartbeatIfDue(p, run, Number.POSITIVE_INFINITY);
    await handOver(run.deps.clients.sqs, run.deps.continuationQueueUrl, { ...p, retries: p.retries + 1 }, delayS);
  } catch (handOverError) {
    run.deps.log.error('could not continue through the queue; leaving the retry to Lambda', { error: handOverError });
    throw error;
  }
  return { status: 'waiting', phase: p.phase };
}

/** A stable fraction in [0, 1) for a key (FNV-1a), to spread retries of different instances apart. */
function spread(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

function skipped(run: Run, reason: string): Outcome {
  run.deps.log.info('nothing to do', { reason });
  return { status: 'skipped', reason };
}

async function report(
  run: Run,
  p: Progress,
  severity: Severity,
  kind: string,
  title: string,
  summary: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): Promise<void> {
  const { action } = p;
  const { region } = run.deps.config;
  const links: Link[] = [
    consoleLinks.instance(region, action.instanceId),
    consoleLinks.autoScalingGroup(region, action.groupName),
    ...run.service.targetGroups.map((arn) => consoleLinks.targetGroup(region, arn)),
  ];
  const facts: [string, string][] = [
    ['Instance', action.instanceId],
    ['Auto Scaling group', action.groupName],
    ['Lifecycle hook', action.hookName],
    ...(action.origin || action.destination
      ? [['Move', `${action.origin ?? '?'} -> ${action.destination ?? '?'}`] as [string, string]]
      : []),
    ...(action.replaceRootVolume ? [['Action', 'ReplaceRootVolume'] as [string, string]] : []),
    ...extra.map(([k, v]): [string, string] => [k, v]),
    ['Invocations', String(p.hops + 1)],
    ...(run.mutations.dryRun
      ? [['Dry run: would have', run.mutations.skipped.join('; ') || 'nothing'] as [string, string]]
      : []),
  ];
  await run.deps.notifier.notify({
    severity,
    kind,
    title: run.mutations.dryRun ? `[dry run] ${title}` : title,
    summary,
    facts,
    links,
    service: run.service.name,
    correlationId: action.eventId,
  });
}

const seconds = (ms: number) => Math.round(ms / 1000);
