/**
 * The launch steps of the lifecycle core, each for all the batch's actions in that phase: guard → running? →
 * register → healthy? → heartbeat, tag, ask the writer → CONTINUE; or deregister, delete, ABANDON, alert.
 */
import { isTransient, LifecycleFailedError } from '../../shared/errors';
import type { Budget } from '../../shared/runtime/clock';
import { recordsFor, rememberRecords } from './dns';
import { completeAction, maxHookLifetimeMs, recordHeartbeat } from './hook';
import { describeInstances, isPastLaunchWait, launchWaitStates, membershipOf } from './instance';
import { deregisterTargets, registerTargets, shortName, type TargetHealth, unregistered } from './targets';

import {
  askWriter,
  foreignMember,
  healthOf,
  type LifecycleDeps,
  notice,
  onError,
  parkFor,
  perTargetGroup,
  perWork,
  pollS,
  seconds,
  skipped,
  type Work,
  writerAnswer,
} from './work';

/** Seconds between looks while a new target is most likely to turn healthy (see awaitRunning). */
const CLOSE_LOOK_S = 2;

export async function startLaunch(ws: Work[], deps: LifecycleDeps): Promise<void> {
  const { clients, cache } = deps;
  const members = await membershipOf(
    clients.autoScaling,
    ws.map((w) => w.p.action.instanceId),
  );
  for (const w of ws) {
    const { action } = w.p;
    const member = members.get(action.instanceId);
    const refusal = foreignMember(w, member);
    if (refusal) {
      w.outcome = skipped(w, deps, refusal);
      continue;
    }
    if (isPastLaunchWait(member?.state)) {
      deps.log.info('launch action already completed', { lifecycleState: member?.state });
      w.outcome = { status: 'already-done' };
      continue;
    }
    if (!member || !launchWaitStates.has(member.state)) {
      w.outcome = skipped(
        w,
        deps,
        `instance ${action.instanceId} is ${member?.state ?? 'not in a group'}; its terminate action cleans up`,
      );
      continue;
    }
    try {
      if (member.state.startsWith('Warmed:')) {
        // Auto Scaling says the instance goes into the warm pool (whatever the event claims): no target group or DNS.
        await warmPoolLaunch(w, deps);
        continue;
      }
      const timeoutS = await cache.heartbeatTimeoutS(clients.autoScaling, action.groupName, action.hookName);
      const cap = action.time + maxHookLifetimeMs(timeoutS);
      const wanted = action.time + w.service.lifecycle.launch.healthyTimeoutSeconds * 1000;
      if (wanted > cap) deps.log.warn('healthyTimeoutSeconds exceeds what heartbeats can extend the hook to', { cap });
      w.p = {
        ...w.p,
        phase: 'await-running',
        deadline: Math.min(wanted, cap),
        runningDeadline: action.time + w.service.lifecycle.launch.runningTimeoutSeconds * 1000,
        heartbeatEveryMs: (timeoutS * 1000) / 2,
      };
    } catch (error) {
      onError(w, error, deps);
    }
  }
}

async function warmPoolLaunch(w: Work, deps: LifecycleDeps): Promise<void> {
  const { action } = w.p;
  const result = await completeAction(deps.clients.autoScaling, action, 'CONTINUE', w.mutations);
  if (result === 'already-done') {
    w.outcome = { status: 'already-done' };
    return;
  }
  notice(
    w,
    deps,
    'info',
    'lifecycle.launch.warm-pool',
    `Instance ${action.instanceId} entered the warm pool`,
    'The warm-pool launch hook was continued; no target group or DNS change is made until it leaves the pool.',
  );
  w.outcome = { status: 'continued', dryRun: w.mutations.dryRun };
}

export async function awaitRunning(ws: Work[], deps: LifecycleDeps, budget: Budget): Promise<void> {
  const { clients, clock } = deps;
  const facts = await describeInstances(
    clients.ec2,
    ws.map((w) => w.p.action.instanceId),
  );
  const running: Work[] = [];
  for (const w of ws) {
    const id = w.p.action.instanceId;
    const instance = facts.get(id);
    if (!instance) w.failure = new LifecycleFailedError(`instance ${id} no longer exists`);
    else if (instance.state === 'running') {
      w.p = {
        ...w.p,
        instance: {
          ...(instance.privateIp ? { privateIp: instance.privateIp } : {}),
          ...(instance.publicIp ? { publicIp: instance.publicIp } : {}),
          ...(instance.az ? { az: instance.az } : {}),
        },
      };
      running.push(w);
    } else if (instance.state !== 'pending') {
      w.failure = new LifecycleFailedError(`instance ${id} is ${instance.state} instead of running`, {
        'EC2 state': instance.state,
      });
    } else if (clock.now() >= w.p.runningDeadline) {
      w.failure = new LifecycleFailedError(
        `instance ${id} was still pending after ${w.service.lifecycle.launch.runningTimeoutSeconds} s`,
      );
    } else {
      parkFor(w, deps, Math.min(pollS(w), (w.p.runningDeadline - clock.now()) / 1000));
    }
  }
  if (running.length === 0 || clock.now() > budget.handOverAt) {
    for (const w of running) parkFor(w, deps, 0);
    return;
  }
  // One RegisterTargets per target group (and dry-run flag) for every instance that is running now.
  await perTargetGroup(running, (arn, ids, mutations) => registerTargets(clients.elbv2, arn, ids, mutations));
  const settings = await deps.cache.targetGroups(clients.elbv2, [
    ...new Set(running.flatMap((w) => w.service.targetGroups)),
  ]);
  for (const w of running) {
    w.p = { ...w.p, phase: 'await-healthy' };
    if (w.mutations.dryRun) {
      w.mutations.skipped.push(
        `wait until ${w.p.action.instanceId} is healthy in ${w.service.targetGroups.map(shortName).join(', ')}`,
      );
      w.p = { ...w.p, phase: 'await-dns' };
      continue;
    }
    // No look before the target can have passed its group's healthy threshold (ELB user guide, "Health checks
    // for your target groups": HealthyThresholdCount consecutive checks, HealthCheckIntervalSeconds apart, the
    // first within one interval of registration). Until a target that answered from the start would be healthy
    // (one more interval), look closely: that is when most become healthy, and a look is shared by the batch.
    const thresholds = w.service.targetGroups.flatMap((arn) => {
      const s = settings.get(arn);
      return s
        ? [{ earliest: (s.healthyThreshold - 1) * s.intervalS, latest: (s.healthyThreshold + 1) * s.intervalS }]
        : [];
    });
    const earliestS = Math.max(0, ...thresholds.map((t) => t.earliest));
    const latestS = Math.max(pollS(w), ...thresholds.map((t) => t.latest));
    w.p = { ...w.p, closeLookUntil: deps.clock.now() + latestS * 1000 };
    parkFor(w, deps, Math.max(CLOSE_LOOK_S, earliestS));
  }
}

export async function awaitHealthy(ws: Work[], deps: LifecycleDeps): Promise<void> {
  const { clock } = deps;
  const health = await healthOf(ws, deps);
  for (const w of ws) {
    const mine = w.service.targetGroups.map((arn) => health.get(arn)?.get(w.p.action.instanceId) ?? unregistered(arn));
    if (mine.every((h) => h.state === 'healthy')) w.p = { ...w.p, phase: 'await-dns' };
    else if (clock.now() >= w.p.deadline) w.failure = await unhealthyError(mine, w, deps);
    else {
      const cadence = clock.now() < (w.p.closeLookUntil ?? 0) ? CLOSE_LOOK_S : pollS(w);
      parkFor(w, deps, Math.min(cadence, Math.max(1, (w.p.deadline - clock.now()) / 1000)));
    }
  }
}

/** Healthy everywhere: remember the records in the instance's tags, then ask the writer to UPSERT them. */
export async function launchRecords(ws: Work[], deps: LifecycleDeps): Promise<void> {
  for (const w of ws) {
    try {
      const { action } = w.p;
      const records = recordsFor(deps.config, w.service, action.groupName, {
        instanceId: action.instanceId,
        ...w.p.instance,
      });
      // A heartbeat first: it proves the action is still ours to answer (a duplicate event's second run, or a run
      // whose hook timed out, stops here instead of writing records for an instance that is leaving) and it keeps
      // the hook alive while the writer works.
      if (!(await recordHeartbeat(deps.clients.autoScaling, action, w.mutations))) {
        w.gone = true;
        continue;
      }
      w.p = { ...w.p, lastHeartbeat: deps.clock.now() };
      await rememberRecords(deps.clients.ec2, action.instanceId, records, w.mutations);
      w.p = { ...w.p, phase: 'complete', records };
      if (records.length === 0) continue;
      if (w.mutations.dryRun) {
        w.mutations.skipped.push(...records.map((r) => `Route 53 UPSERT ${r.name} A ${r.value} in ${r.zoneId}`));
        continue;
      }
      askWriter(w, deps, 'UPSERT', records, `launch ${action.instanceId}`);
    } catch (error) {
      onError(w, error, deps);
    }
  }
}

export async function completeLaunch(ws: Work[], deps: LifecycleDeps): Promise<void> {
  const { clock } = deps;
  for (const w of ws) {
    await perWork(w, deps, async () => {
      const { action } = w.p;
      const dns = writerAnswer(w);
      if (dns && dns.failed.length > 0) {
        w.failure = new LifecycleFailedError(
          `Route 53 refused ${dns.failed.length} of the instance's record(s): ${dns.failed.map((f) => `${f.name} (${f.reason})`).join('; ')}`,
        );
        return;
      }
      const result = await completeAction(deps.clients.autoScaling, action, 'CONTINUE', w.mutations);
      if (result === 'already-done') {
        w.gone = true;
        return;
      }
      notice(
        w,
        deps,
        'info',
        'lifecycle.launch.continued',
        `Instance ${action.instanceId} is in service`,
        `Healthy in ${w.service.targetGroups.length} target group(s) after ${seconds(clock.now() - action.time)} s; ${w.p.records.length} DNS record(s) written; launch continued.`,
        [
          ['Private IP', w.p.instance?.privateIp ?? '-'],
          ['Availability Zone', w.p.instance?.az ?? '-'],
          ...w.p.records.map((r): [string, string] => ['DNS', `${r.name} A ${r.value} (zone ${r.zoneId})`]),
        ],
      );
      w.outcome = { status: 'continued', dryRun: w.mutations.dryRun };
    });
  }
}

async function unhealthyError(health: TargetHealth[], w: Work, deps: LifecycleDeps): Promise<LifecycleFailedError> {
  const settings = await deps.cache.targetGroups(deps.clients.elbv2, w.service.targetGroups);
  const facts: Record<string, string> = {};
  for (const h of health) {
    const name = shortName(h.targetGroupArn);
    facts[`Target group ${name}`] =
      `${h.state}${h.reason ? ` (${h.reason}${h.description ? `: ${h.description}` : ''})` : ''}`;
    facts[`Health check ${name}`] = settings.get(h.targetGroupArn)?.summary ?? 'unknown';
  }
  const why = health
    .filter((h) => h.state !== 'healthy')
    .map((h) => `${h.state}${h.reason ? ` ${h.reason}` : ''} in ${shortName(h.targetGroupArn)}`)
    .join(', ');
  return new LifecycleFailedError(
    `instance ${w.p.action.instanceId} was not healthy within ${seconds(w.p.deadline - w.p.action.time)} s: ${why}`,
    facts,
  );
}

/** The action was completed elsewhere or timed out. If the instance is not going into service, undo our changes. */
export async function afterLostAction(w: Work, deps: LifecycleDeps): Promise<void> {
  const { action } = w.p;
  if (action.transition === 'terminate') {
    w.outcome = { status: 'already-done' };
    return;
  }
  const state = (await membershipOf(deps.clients.autoScaling, [action.instanceId])).get(action.instanceId)?.state;
  if (isPastLaunchWait(state)) {
    w.outcome = { status: 'already-done' };
    return;
  }
  const problems = await undoLaunch(w, deps);
  const reason = `the launch action of ${action.instanceId} stopped being pending before fleetpilot answered it (instance is ${state ?? 'gone'})`;
  notice(
    w,
    deps,
    'critical',
    'lifecycle.launch.expired',
    `Launch of ${action.instanceId} timed out unanswered`,
    `${reason}: Auto Scaling applied the hook's default result. This follows a failed or crashed invocation; check the function's errors and dead-letter queues.`,
    [['Cleanup', problems.length === 0 ? cleanedUp(w) : problems.join('; ')]],
  );
  w.outcome = skipped(w, deps, reason);
}

async function undoLaunch(w: Work, deps: LifecycleDeps): Promise<string[]> {
  const problems: string[] = [];
  const { action } = w.p;
  for (const arn of w.service.targetGroups) {
    try {
      await deregisterTargets(deps.clients.elbv2, arn, [action.instanceId], w.mutations);
    } catch (error) {
      if (isTransient(error)) throw error;
      problems.push(`deregister from ${shortName(arn)}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  if (w.p.records.length > 0) {
    if (w.mutations.dryRun)
      w.mutations.skipped.push(...w.p.records.map((r) => `Route 53 DELETE ${r.name} A ${r.value}`));
    // Fire and forget: the writer deletes them (only where Route 53 still holds our values) and reports failures.
    else askWriter(w, deps, 'DELETE', w.p.records, `undo launch ${action.instanceId}`, false);
  }
  return problems;
}

const cleanedUp = (w: Work) =>
  w.p.records.length > 0
    ? 'deregistered from target groups; DNS records handed to the writer for deletion'
    : 'deregistered from target groups';

export async function abandonLaunch(w: Work, deps: LifecycleDeps): Promise<void> {
  const { action } = w.p;
  const error = w.failure;
  const reason = error instanceof Error ? error.message : String(error);
  deps.log.error('abandoning launch', { error });
  const cleanupProblems = await undoLaunch(w, deps);
  const result = await completeAction(deps.clients.autoScaling, action, 'ABANDON', w.mutations);
  notice(
    w,
    deps,
    'critical',
    'lifecycle.launch.abandoned',
    `Launch of ${action.instanceId} abandoned`,
    `Auto Scaling was told to ABANDON the launch: ${reason}.`,
    [
      ['Reason', reason],
      ...(error instanceof LifecycleFailedError
        ? Object.entries(error.facts)
        : [['Error', (error as Error).name ?? 'Error'] as [string, string]]),
      ['Waited', `${seconds(deps.clock.now() - action.time)} s`],
      ['Hook result', result === 'completed' ? 'ABANDON' : 'already completed or timed out'],
      ['Cleanup', cleanupProblems.length === 0 ? cleanedUp(w) : cleanupProblems.join('; ')],
    ],
  );
  w.outcome = { status: 'abandoned', reason };
}
