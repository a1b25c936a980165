/**
 * The lifecycle core (this file runs a batch through the steps in launch.ts and terminate.ts, with the working
 * parts in work.ts). It takes a batch of lifecycle actions (one from an EventBridge event, or many from the
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
import { isDryRun } from '../../shared/config/lookup';
import { type Outgoing, sendContinuations } from '../../shared/continuation/envelope';
import { requestDnsChanges } from '../../shared/dns/request';
import { isTransient } from '../../shared/errors';
import type { Budget } from '../../shared/runtime/clock';
import { createMutations } from '../../shared/runtime/mutations';
import { recordHeartbeat } from './hook';
import {
  abandonLaunch,
  afterLostAction,
  awaitHealthy,
  awaitRunning,
  completeLaunch,
  launchRecords,
  startLaunch,
} from './launch';
import type { Phase } from './progress';
import { sendNotices } from './report';
import { awaitDrained, completeTerminate, failTerminate, startTerminate } from './terminate';
import { guarded, type Incoming, type LifecycleDeps, type Outcome, park, perWork, type Work } from './work';

/**
 * How late the next look at a parked action can come beyond its delay: a crashed resume's messages come back after
 * the continuation queue's visibility timeout (150 s, serverless.yml), plus polling and batching time.
 */
const LATE_LOOK_MS = 160_000;

/** How long an answer of the Route 53 writer can take at worst: its queue's visibility timeout (45 s) after a crash. */
const WRITER_ANSWER_MS = 45_000;

export type { Incoming, LifecycleDeps, Outcome } from './work';

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
