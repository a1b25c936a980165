/**
 * The lifecycle core. It takes a batch of lifecycle actions (one from an EventBridge event, or many from the
 * continuation queue), moves each as far as it can with reads shared across the batch, and parks the rest in the
 * continuation queue with the delay its next look needs. It never sleeps and never sees a Lambda event; it takes its
 * AWS clients, clock, notifier and caches as arguments.
 *
 * Shared per batch: one DescribeAutoScalingInstances per 50 new actions (the guard), one DescribeInstances for the
 * instances waiting to run, one RegisterTargets / DeregisterTargets / DescribeTargetHealth per target group, one
 * SendMessageBatch per ten parked actions, one notification per kind and service. Per action: CreateTags (the
 * remembered records), CompleteLifecycleAction, and heartbeats when a wait is long.
 *
 * Launch:    guard → (warm pool: CONTINUE) → running? → register → healthy? (no look before the target group's
 *            healthy threshold can have passed) → tag + ask the Route 53 writer to UPSERT → the writer's answer →
 *            CONTINUE. Past a deadline, or on an error retrying cannot fix: deregister, delete records, ABANDON, alert.
 * Terminate: guard (stale after root-volume replacement; group checked) → deregister → ask the writer to DELETE the
 *            remembered values → the writer's answer → drained? (back-off) → CONTINUE.
 *
 * Throttling and 5xx are retried by the SDK (shared/aws/clients.ts), then continued later through the queue with
 * back-off and a per-instance spread, and only then rethrown to Lambda.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients } from '../../shared/aws/clients';
import { isDryRun } from '../../shared/config/load';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import {
  type Envelope,
  envelope,
  MAX_DELAY_S,
  type Outgoing,
  sendContinuations,
} from '../../shared/continuation/envelope';
import { type DnsOutcome, type DnsRequest, dnsOutcomeSchema, requestDnsChanges } from '../../shared/dns/request';
import { isTransient, LifecycleFailedError } from '../../shared/errors';
import type { Notifier } from '../../shared/notify/notifier';
import type { Budget, Clock } from '../../shared/runtime/clock';
import { createMutations, type Mutations } from '../../shared/runtime/mutations';
import type { LifecycleCache } from './cache';
import { decodeRecordTags, dnsChanges, mergeRecords, recordsFor, rememberRecords } from './dns';
import { completeAction, maxHookLifetimeMs, recordHeartbeat } from './hook';
import {
  describeInstances,
  type GroupMembership,
  isPastLaunchWait,
  launchWaitStates,
  membershipOf,
  terminateMayActIn,
} from './instance';
import { LIFECYCLE_STEP, type Phase, type Progress } from './progress';
import { type Notice, sendNotices } from './report';
import { deregisterTargets, groupHealth, registerTargets, shortName, type TargetHealth, unregistered } from './targets';

export interface LifecycleDeps {
  clients: Pick<AwsClients, 'ec2' | 'autoScaling' | 'elbv2' | 'sqs'>;
  config: FleetpilotConfig;
  notifier: Notifier;
  clock: Clock;
  continuationQueueUrl: string;
  dnsQueueUrl: string;
  cache: LifecycleCache;
  log: Logger;
}

export type Outcome =
  | { status: 'continued'; dryRun: boolean }
  | { status: 'abandoned'; reason: string }
  | { status: 'waiting'; phase: Phase }
  | { status: 'skipped'; reason: string }
  | { status: 'already-done' }
  | { status: 'failed'; reason: string };

/** One action of the batch, as it arrived. */
export interface Incoming {
  progress: Progress;
  service: ServiceConfig;
  hops: number;
  retries: number;
  /** What a spine service answered (the Route 53 writer's outcome under `dns`). */
  result?: unknown;
}

/** One action while the batch is worked on. */
interface Work extends Incoming {
  p: Progress;
  mutations: Mutations;
  /** Set once this invocation is done with the action. */
  outcome?: Outcome;
  /** Park in the continuation queue for this many seconds (with `outcome` waiting). */
  parkS?: number;
  /** Ask the Route 53 writer, and continue when it answers. */
  dns?: DnsRequest;
  /** A failure that retrying cannot fix: the launch is abandoned / the terminate reported. */
  failure?: unknown;
  /** The action stopped being pending while we worked on it. */
  gone?: boolean;
  /** Parked after a retryable error (the envelope counts consecutive retries). */
  retrying?: boolean;
  /** What this action reports; the batch sends them together (one notification per kind and service in a burst). */
  notices: Notice[];
}

/** Seconds between looks while a new target is most likely to turn healthy (see awaitRunning). */
const CLOSE_LOOK_S = 2;
/** Consecutive retryable failures continued through the queue before the error goes to Lambda's retries. */
const MAX_QUEUED_RETRIES = 8;
/** Draining polls back off (poll interval, doubling, at most this): a drain lasts minutes and nothing waits on it. */
const MAX_DRAIN_POLL_MS = 60_000;
/**
 * How late the next look at a parked action can come beyond its delay: a crashed resume's messages come back after
 * the continuation queue's visibility timeout (150 s, serverless.yml), plus polling and batching time.
 */
const LATE_LOOK_MS = 160_000;
/** How long an answer of the Route 53 writer can take at worst: its queue's visibility timeout (45 s) after a crash. */
const WRITER_ANSWER_MS = 45_000;

export async function stepLifecycle(
  batch: readonly Incoming[],
  deps: LifecycleDeps,
  budget: Budget,
): Promise<Outcome[]> {
  const works: Work[] = batch.map((i) => ({
    ...i,
    p: structuredClone(i.progress),
    mutations: createMutations(isDryRun(deps.config, i.service), deps.log),
    notices: [],
  }));
  const at = (phase: Phase, transition: 'launch' | 'terminate') =>
    works.filter(
      (w) => !w.outcome && !w.failure && !w.gone && w.p.phase === phase && w.p.action.transition === transition,
    );

  // Nothing is verified yet at the start: an error no retry can fix is rethrown (Lambda retries, then the
  // dead-letter queue and its alarm) rather than answering a hook fleetpilot has not shown to be its own.
  await guarded(at('start', 'launch'), deps, (ws) => startLaunch(ws, deps), 'rethrow');
  await guarded(at('start', 'terminate'), deps, (ws) => startTerminate(ws, deps), 'rethrow');
  await guarded(at('await-running', 'launch'), deps, (ws) => awaitRunning(ws, deps, budget));
  await guarded(at('await-healthy', 'launch'), deps, (ws) => awaitHealthy(ws, deps));
  await guarded(at('await-dns', 'launch'), deps, (ws) => launchRecords(ws, deps));
  await guarded(at('complete', 'launch'), deps, (ws) => completeLaunch(ws, deps));
  await guarded(at('await-drained', 'terminate'), deps, (ws) => awaitDrained(ws, deps));
  await guarded(at('complete', 'terminate'), deps, (ws) => completeTerminate(ws, deps));
  for (const w of works.filter((x) => x.gone && !x.outcome)) await perWork(w, deps, () => afterLostAction(w, deps));
  for (const w of works.filter((x) => x.failure !== undefined && !x.outcome)) {
    await perWork(w, deps, () =>
      w.p.action.transition === 'launch' ? abandonLaunch(w, deps) : failTerminate(w, deps),
    );
  }

  await heartbeatParked(works, deps);
  // Reports first: they never throw, and a send below that fails sends the whole batch back for redelivery, where
  // an action already answered finds "No active Lifecycle Action" and could no longer say what happened.
  await sendNotices(
    deps,
    works.flatMap((w) => w.notices),
  );
  await requestDnsChanges(
    deps.clients.sqs,
    deps.dnsQueueUrl,
    works.flatMap((w) => (w.dns ? [w.dns] : [])),
  );
  await sendContinuations(
    deps.clients.sqs,
    works.flatMap((w): Outgoing[] => (w.parkS === undefined ? [] : [park(w, deps)])),
  );
  return works.map((w) => w.outcome ?? { status: 'waiting', phase: w.p.phase });
}

/**
 * Runs one stage for a group of works; an error of a shared call is the error of every work in the group. With
 * 'rethrow', an error that is neither retryable nor "action gone" leaves the stage instead of failing the works.
 */
async function guarded(
  ws: Work[],
  deps: LifecycleDeps,
  stage: (ws: Work[]) => Promise<void>,
  unknownErrors: 'fail' | 'rethrow' = 'fail',
): Promise<void> {
  if (ws.length === 0) return;
  try {
    await stage(ws);
  } catch (error) {
    if (unknownErrors === 'rethrow' && !isTransient(error) && !(error instanceof ActionGoneError)) throw error;
    for (const w of ws.filter((x) => !x.outcome && !x.failure && !x.gone && x.parkS === undefined && !x.dns)) {
      onError(w, error, deps);
    }
  }
}

async function perWork(w: Work, deps: LifecycleDeps, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (w.outcome) return;
    if (isTransient(error)) retryLater(w, error, deps);
    else throw error;
  }
}

function onError(w: Work, error: unknown, deps: LifecycleDeps): void {
  if (error instanceof ActionGoneError) w.gone = true;
  else if (isTransient(error)) retryLater(w, error, deps);
  else {
    deps.log.error('lifecycle step failed', { error, instanceId: w.p.action.instanceId });
    w.failure = error;
  }
}

/** Signals that the action stopped being pending while we were working on it. */
class ActionGoneError extends Error {
  override readonly name = 'ActionGoneError';
}

// ---------------------------------------------------------------- launch

async function startLaunch(ws: Work[], deps: LifecycleDeps): Promise<void> {
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

/** Why an action is not ours to answer, from what Auto Scaling says about the instance (undefined: it is). */
function foreignMember(w: Work, member: GroupMembership | undefined): string | undefined {
  if (member && member.group !== w.p.action.groupName) {
    return `instance ${w.p.action.instanceId} belongs to group ${member.group}, not ${w.p.action.groupName} as the event says`;
  }
  return undefined;
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

async function awaitRunning(ws: Work[], deps: LifecycleDeps, budget: Budget): Promise<void> {
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

async function awaitHealthy(ws: Work[], deps: LifecycleDeps): Promise<void> {
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
async function launchRecords(ws: Work[], deps: LifecycleDeps): Promise<void> {
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

async function completeLaunch(ws: Work[], deps: LifecycleDeps): Promise<void> {
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
async function afterLostAction(w: Work, deps: LifecycleDeps): Promise<void> {
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

async function abandonLaunch(w: Work, deps: LifecycleDeps): Promise<void> {
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

// ---------------------------------------------------------------- terminate

async function startTerminate(ws: Work[], deps: LifecycleDeps): Promise<void> {
  const { clients, clock, config } = deps;
  const ids = ws.map((w) => w.p.action.instanceId);
  const members = await membershipOf(clients.autoScaling, ids);
  const facts = await describeInstances(clients.ec2, ids);
  const leaving: Work[] = [];
  const planned = new Map<Work, Progress>();
  for (const w of ws) {
    const { action } = w.p;
    const member = members.get(action.instanceId);
    const instance = facts.get(action.instanceId);
    const refusal = foreignMember(w, member);
    if (refusal) {
      w.outcome = skipped(w, deps, refusal);
      continue;
    }
    // Only a terminate half that waits (or an instance leaving for good): a late or redelivered event, e.g. of a
    // root-volume replacement whose instance is RootVolumeReplaced or back in service, changes nothing.
    if (member && !terminateMayActIn(member.state)) {
      w.outcome = skipped(w, deps, `stale terminate action: instance ${action.instanceId} is ${member.state}`);
      continue;
    }
    // Out of every group already (its hook timed out): clean up only an instance Auto Scaling launched for this group.
    if (!member && instance?.tags['aws:autoscaling:groupName'] !== action.groupName) {
      w.outcome = skipped(w, deps, `instance ${action.instanceId} is not an instance of group ${action.groupName}`);
      continue;
    }
    try {
      const timeoutS = member
        ? await deps.cache.heartbeatTimeoutS(clients.autoScaling, action.groupName, action.hookName)
        : 3600;
      const remembered = instance
        ? decodeRecordTags(instance.tags, config, w.service, action.groupName, instance)
        : { records: [], rejected: [] };
      const rendered = instance ? renderedRecords(config, w.service, action.groupName, instance) : [];
      const records = mergeRecords(remembered.records, rendered);
      // Still phase 'start' until the target groups are left: an error of the deregistration below parks the
      // action to start over (the guard, the records), never to a drain wait that would skip the DNS clean-up.
      planned.set(w, {
        ...w.p,
        phase: 'await-drained',
        records,
        deadline: clock.now() + w.service.lifecycle.terminate.drainTimeoutSeconds * 1000,
        heartbeatEveryMs: (timeoutS * 1000) / 2,
        notes: remembered.rejected.map((t) => `ignored tag ${t}: not a record fleetpilot could have written`),
      });
      if (remembered.rejected.length > 0) deps.log.warn('ignored record tags', { tags: remembered.rejected });
      leaving.push(w);
    } catch (error) {
      onError(w, error, deps);
    }
  }
  await perTargetGroup(leaving, (arn, ids, mutations) => deregisterTargets(clients.elbv2, arn, ids, mutations));
  for (const w of leaving) {
    const next = planned.get(w) ?? w.p;
    if (w.mutations.dryRun) {
      w.mutations.skipped.push(...next.records.map((r) => `Route 53 DELETE ${r.name} A ${r.value}`));
      w.mutations.skipped.push(`wait until ${w.p.action.instanceId} has drained`);
      w.p = { ...next, phase: 'complete' };
    } else if (next.records.length > 0) {
      // The writer deletes the records with the values we know, then the drain wait continues. A heartbeat first,
      // as for a launch: the hook then has its whole timeout for the writer's answer, however late the event came.
      // The action moves on only once the request is made: a retry after a failed heartbeat starts over.
      await perWork(w, deps, async () => {
        if (!(await recordHeartbeat(clients.autoScaling, w.p.action, w.mutations))) {
          w.gone = true;
          return;
        }
        w.p = { ...next, lastHeartbeat: clock.now() };
        askWriter(w, deps, 'DELETE', w.p.records, `terminate ${w.p.action.instanceId}`);
      });
    } else {
      w.p = next;
      parkFor(w, deps, pollS(w));
    }
  }
}

function renderedRecords(
  config: FleetpilotConfig,
  service: ServiceConfig,
  group: string,
  instance: Parameters<typeof recordsFor>[3],
) {
  try {
    return recordsFor(config, service, group, instance);
  } catch (error) {
    if (error instanceof LifecycleFailedError) return []; // e.g. the public IP is gone: the tags still know
    throw error;
  }
}

async function awaitDrained(ws: Work[], deps: LifecycleDeps): Promise<void> {
  const { clock } = deps;
  for (const w of ws) noteWriterAnswer(w);
  const health = await healthOf(ws, deps);
  for (const w of ws) {
    const draining = w.service.targetGroups.some(
      (arn) => health.get(arn)?.get(w.p.action.instanceId)?.state === 'draining',
    );
    if (!draining) {
      w.p = { ...w.p, phase: 'complete' };
    } else if (clock.now() >= w.p.deadline) {
      w.p = {
        ...w.p,
        phase: 'complete',
        notes: [...w.p.notes, `still draining after ${w.service.lifecycle.terminate.drainTimeoutSeconds} s`],
      };
      notice(
        w,
        deps,
        'warning',
        'lifecycle.terminate.drain-timeout',
        `Instance ${w.p.action.instanceId} still draining`,
        `Connections were still draining after ${w.service.lifecycle.terminate.drainTimeoutSeconds} s; the terminate action continues anyway.`,
      );
    } else {
      const interval = w.p.drainPollMs ?? w.service.lifecycle.pollIntervalSeconds * 1000;
      w.p = { ...w.p, drainPollMs: Math.min(MAX_DRAIN_POLL_MS, interval * 2) };
      parkFor(w, deps, Math.min(interval, w.p.deadline - clock.now()) / 1000);
    }
  }
}

async function completeTerminate(ws: Work[], deps: LifecycleDeps): Promise<void> {
  for (const w of ws) {
    await perWork(w, deps, async () => {
      const { action } = w.p;
      const result = await completeAction(deps.clients.autoScaling, action, 'CONTINUE', w.mutations);
      if (result === 'already-done') {
        w.outcome = { status: 'already-done' };
        return;
      }
      const removed = w.p.notes.filter((n) => n.startsWith('removed')).length;
      const drain = w.p.notes.find((n) => n.startsWith('still draining')) ?? 'drained';
      notice(
        w,
        deps,
        'info',
        'lifecycle.terminate.continued',
        `Instance ${action.instanceId} taken out of service`,
        `Deregistered from ${w.service.targetGroups.length} target group(s), ${drain}; ${removed} DNS record(s) removed; ${action.replaceRootVolume ? 'root volume replacement continues' : action.destination === 'WarmPool' ? 'returning to the warm pool' : 'termination continued'}.`,
        w.p.notes.map((n): [string, string] => ['DNS', n]),
      );
      w.outcome = { status: 'continued', dryRun: w.mutations.dryRun };
    });
  }
}

/** Terminate cannot be abandoned into anything better: report, and let the instance go rather than hold it. */
async function failTerminate(w: Work, deps: LifecycleDeps): Promise<void> {
  const error = w.failure;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  deps.log.error('terminate action failed', { error });
  const result = await completeAction(deps.clients.autoScaling, w.p.action, 'CONTINUE', w.mutations);
  notice(
    w,
    deps,
    'critical',
    'lifecycle.terminate.failed',
    `Clean-up of ${w.p.action.instanceId} failed`,
    `The instance was not fully taken out of service: ${reason}. Check its target groups and DNS records.`,
    [
      ['Reason', reason],
      ['Hook result', result === 'completed' ? 'CONTINUE' : 'already completed or timed out'],
    ],
  );
  w.outcome = { status: 'failed', reason };
}

// ---------------------------------------------------------------- shared steps

/** One DescribeTargetHealth per target group of the batch. */
async function healthOf(ws: readonly Work[], deps: LifecycleDeps): Promise<Map<string, Map<string, TargetHealth>>> {
  const arns = [...new Set(ws.flatMap((w) => w.service.targetGroups))];
  const health = new Map<string, Map<string, TargetHealth>>();
  for (const arn of arns) health.set(arn, await groupHealth(deps.clients.elbv2, arn));
  return health;
}

/** One call per target group (and dry-run setting) for all the works that belong in it. */
async function perTargetGroup(
  ws: readonly Work[],
  call: (arn: string, instanceIds: string[], mutations: Mutations) => Promise<void>,
): Promise<void> {
  for (const [arn, group] of byTargetGroup(ws)) {
    for (const [mutations, members] of byMutations(group)) {
      await call(
        arn,
        members.map((w) => w.p.action.instanceId),
        mutations,
      );
    }
  }
}

function byTargetGroup(ws: readonly Work[]): Map<string, Work[]> {
  const groups = new Map<string, Work[]>();
  for (const w of ws) for (const arn of w.service.targetGroups) groups.set(arn, [...(groups.get(arn) ?? []), w]);
  return groups;
}

/** Works that share a dry-run setting share one call; each keeps its own record of what was done. */
function byMutations(ws: readonly Work[]): [Mutations, Work[]][] {
  const out: [Mutations, Work[]][] = [];
  for (const dryRun of [false, true]) {
    const members = ws.filter((w) => w.mutations.dryRun === dryRun);
    const [first] = members;
    if (!first) continue;
    out.push([
      {
        dryRun,
        done: [],
        skipped: [],
        async run(description, call) {
          const result =
            members.length === 1 ? first.mutations.run(description, call) : sharedRun(members, description, call);
          return result;
        },
      },
      members,
    ]);
  }
  return out;
}

async function sharedRun<T>(members: readonly Work[], description: string, call: () => Promise<T>) {
  const [first, ...rest] = members as [Work, ...Work[]];
  const result = await first.mutations.run(description, call);
  for (const w of rest) (w.mutations.dryRun ? w.mutations.skipped : w.mutations.done).push(description);
  return result;
}

function askWriter(
  w: Work,
  deps: LifecycleDeps,
  action: 'UPSERT' | 'DELETE',
  records: Progress['records'],
  what: string,
  answer = true,
): void {
  w.dns = {
    what: `${w.service.name} ${what}`,
    service: w.service.name,
    changes: dnsChanges(action, records),
    ...(answer
      ? { answerTo: { queueUrl: deps.continuationQueueUrl, envelope: envelope(LIFECYCLE_STEP, w.p, w.hops + 1, 0) } }
      : {}),
  };
  if (answer) w.outcome = { status: 'waiting', phase: w.p.phase };
}

function writerAnswer(w: Work): DnsOutcome | undefined {
  const dns = (w.result as { dns?: unknown } | undefined)?.dns;
  if (dns === undefined) return undefined;
  const parsed = dnsOutcomeSchema.safeParse(dns);
  return parsed.success
    ? parsed.data
    : {
        applied: [],
        gone: [],
        foreign: [],
        failed: [{ name: '?', reason: 'the writer answered in an unknown shape' }],
      };
}

/** Terminate: turn the writer's answer into notes for the final report (once). */
function noteWriterAnswer(w: Work): void {
  const dns = writerAnswer(w);
  if (!dns) return;
  w.result = undefined;
  const value = (name: string) => w.p.records.find((r) => r.name === name)?.value ?? '?';
  w.p = {
    ...w.p,
    notes: [
      ...w.p.notes,
      ...dns.applied.map((n) => `removed ${n} A ${value(n)}`),
      ...dns.gone.map((n) => `${n} was already gone`),
      ...dns.foreign.map((n) => `left ${n} alone: it no longer points to ${value(n)}`),
      ...dns.failed.map((f) => `could not remove ${f.name}: ${f.reason}`),
    ],
  };
}

function parkFor(w: Work, deps: LifecycleDeps, delayS: number): void {
  w.parkS = Math.max(0, Math.min(MAX_DELAY_S, delayS));
  w.outcome = { status: 'waiting', phase: w.p.phase };
  deps.log.debug('parked', { instanceId: w.p.action.instanceId, phase: w.p.phase, delaySeconds: w.parkS });
}

function park(w: Work, deps: LifecycleDeps): Outgoing {
  return {
    queueUrl: deps.continuationQueueUrl,
    envelope: envelope(LIFECYCLE_STEP, w.p, w.hops + 1, w.retrying ? w.retries : 0) as Envelope,
    delaySeconds: w.parkS ?? 0,
    subject: w.p.action.instanceId,
  };
}

/**
 * A retryable error (throttling, 5xx) that outlasted the SDK's own retries: continue later through the queue, with
 * exponential back-off and a per-instance spread. Lambda's own async retries come at fixed delays, so a burst of
 * throttled instances would retry in lockstep; a hook also needs heartbeats while it waits. After
 * MAX_QUEUED_RETRIES the error goes to Lambda's retries and then the dead-letter queue.
 */
function retryLater(w: Work, error: unknown, deps: LifecycleDeps): void {
  if (w.retries >= MAX_QUEUED_RETRIES) throw error;
  const base = Math.min(MAX_DELAY_S / 2, w.service.lifecycle.pollIntervalSeconds * 2 ** w.retries);
  const delayS = Math.round(base + base * spread(`${w.p.action.instanceId}:${w.retries}`));
  deps.log.warn('retryable error after the SDK retries; continuing later', {
    error,
    delaySeconds: delayS,
    retries: w.retries + 1,
  });
  w.retries += 1;
  w.failure = undefined;
  w.parkS = delayS;
  w.outcome = { status: 'waiting', phase: w.p.phase };
  w.retrying = true;
}

/**
 * Records a heartbeat for every parked action whose hook could time out before its next look, counting the latest
 * that look can come (a crashed invocation's messages come back only after the visibility timeout). The hook's
 * timeout restarts at each heartbeat (Auto Scaling API reference, RecordLifecycleActionHeartbeat).
 */
async function heartbeatParked(works: Work[], deps: LifecycleDeps): Promise<void> {
  const now = deps.clock.now();
  for (const w of works) {
    const waiting = w.parkS !== undefined ? w.parkS * 1000 : w.dns?.answerTo ? WRITER_ANSWER_MS : undefined;
    if (waiting === undefined || w.p.heartbeatEveryMs <= 0) continue;
    const expires = w.p.lastHeartbeat + 2 * w.p.heartbeatEveryMs;
    if (now + waiting + LATE_LOOK_MS < expires) continue;
    try {
      const alive = await recordHeartbeat(deps.clients.autoScaling, w.p.action, w.mutations);
      if (!alive) {
        w.parkS = undefined;
        w.dns = undefined;
        w.outcome = undefined;
        w.gone = true;
        await perWork(w, deps, () => afterLostAction(w, deps));
        continue;
      }
      w.p = { ...w.p, lastHeartbeat: now };
      if (w.dns?.answerTo) w.dns.answerTo.envelope = { ...w.dns.answerTo.envelope, payload: w.p };
    } catch (error) {
      if (!isTransient(error)) throw error;
      deps.log.warn('heartbeat failed; the next look retries it', { error, instanceId: w.p.action.instanceId });
    }
  }
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

const pollS = (w: Work) => w.service.lifecycle.pollIntervalSeconds;

function skipped(w: Work, deps: LifecycleDeps, reason: string): Outcome {
  deps.log.info('nothing to do', { reason, instanceId: w.p.action.instanceId });
  return { status: 'skipped', reason };
}

function notice(
  w: Work,
  deps: LifecycleDeps,
  severity: Notice['severity'],
  kind: Notice['kind'],
  title: string,
  summary: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): void {
  w.notices.push({
    severity,
    kind,
    title,
    summary,
    extra,
    action: w.p.action,
    service: w.service,
    hops: w.hops,
    mutations: w.mutations,
    region: deps.config.region,
  });
}

const seconds = (ms: number) => Math.round(ms / 1000);
