/**
 * The terminate steps of the lifecycle core: guard → deregister → ask the writer to DELETE the remembered values →
 * drained? (back-off) → CONTINUE; a failure reports and lets the instance go.
 */
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { LifecycleFailedError } from '../../shared/errors';
import { decodeRecordTags, mergeRecords, recordsFor } from './dns';
import { completeAction, recordHeartbeat } from './hook';
import { describeInstances, membershipOf, terminateMayActIn } from './instance';
import type { Progress } from './progress';
import { deregisterTargets } from './targets';

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
  skipped,
  type Work,
  writerAnswer,
} from './work';

/** Draining polls back off (poll interval, doubling, at most this): a drain lasts minutes and nothing waits on it. */
const MAX_DRAIN_POLL_MS = 60_000;

export async function startTerminate(ws: Work[], deps: LifecycleDeps): Promise<void> {
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

export async function awaitDrained(ws: Work[], deps: LifecycleDeps): Promise<void> {
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

export async function completeTerminate(ws: Work[], deps: LifecycleDeps): Promise<void> {
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
export async function failTerminate(w: Work, deps: LifecycleDeps): Promise<void> {
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
