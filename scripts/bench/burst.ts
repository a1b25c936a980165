/**
 * Section 4, burst: the example config's first service scaled from 0 to `instances` at once, under Route 53's limit of
 * five requests per second per account (the simulated account's default), then settled. Reported: Route 53 calls
 * (and how many the account refused with Throttling), throttling that reached a handler (a failed invocation, a
 * `*.retrying` warning, or a retry the handler continued later through the queue), invocations failed / retried / dead-lettered, the invariants of sim/invariants.ts, and per
 * instance the lag from "healthy in every target group" (ELBv2 state transitions) to the successful
 * CompleteLifecycleAction CONTINUE of its launch hook (call log), in virtual seconds. Also: every AWS call of the
 * burst per instance (heartbeats apart), DescribeTargetHealth calls per look (calls made in the same virtual second,
 * beside the number of target groups), and with `scaleIn`, the same group scaled back to 0 at once: Route 53 calls,
 * hooks, calls per instance.
 */

import type { FleetpilotConfig } from '../../shared/config/schema';
import type { CallRecord } from '../../sim/account';
import type { TargetTransition } from '../../sim/elbv2';
import { checkInvariants } from '../../sim/invariants';
import { startSimulation } from '../../sim/simulation';
import { percentile } from './stats';

export interface BurstResult {
  instances: number;
  settled: boolean;
  wallMs: number;
  virtualSeconds: number;
  inService: number;
  /** Instances launched in all: the asked-for ones plus replacements of launches that were abandoned. */
  launched: number;
  route53: { calls: number; throttled: number; byOperation: Record<string, { calls: number; throttled: number }> };
  throttlingInHandlers: { failedInvocations: number; retryingWarnings: number; queuedRetries: number };
  invocations: {
    total: number;
    failed: number;
    retried: number;
    deadLettered: number;
    byError: Record<string, number>;
  };
  hooks: { continued: number; abandoned: number; byDefaultResult: number };
  /** Every AWS call of the launch burst, per instance launched. */
  callsPerInstance: CallsPerInstance;
  /** DescribeTargetHealth calls per look (made in the same virtual second), beside the service's target groups. */
  describeTargetHealth: { calls: number; looks: number; maxPerLook: number; targetGroups: number };
  scaleIn?: ScaleInResult;
  invariants: string[];
  /** Over the instances whose launch was continued; `healthyNeverContinued` counts the others that got healthy. */
  lagSeconds: {
    instances: number;
    p50?: number;
    p90?: number;
    p99?: number;
    max?: number;
    healthyNeverContinued: number;
  };
}

export interface CallsPerInstance {
  /** All calls ÷ instances. */
  total: number;
  /** The same without RecordLifecycleActionHeartbeat (the target excludes heartbeats). */
  excludingHeartbeats: number;
  /** Per operation (`service:Operation`), ÷ instances, rounded to 3 decimals. */
  byOperation: Record<string, number>;
}

export interface ScaleInResult {
  instances: number;
  settled: boolean;
  virtualSeconds: number;
  route53: { calls: number; throttled: number };
  hooks: { continued: number; byDefaultResult: number };
  callsPerInstance: CallsPerInstance;
  invariants: string[];
}

const THROTTLING = /Throttl|Rate exceeded|RequestLimitExceeded/;

export function callsPerInstance(calls: readonly CallRecord[], instances: number): CallsPerInstance {
  const per = (n: number) => Math.round((n / Math.max(1, instances)) * 1000) / 1000;
  const byOperation: Record<string, number> = {};
  for (const c of calls)
    byOperation[`${c.service}:${c.operation}`] = (byOperation[`${c.service}:${c.operation}`] ?? 0) + 1;
  const heartbeats = calls.filter((c) => c.operation === 'RecordLifecycleActionHeartbeat').length;
  return {
    total: per(calls.length),
    excludingHeartbeats: per(calls.length - heartbeats),
    byOperation: Object.fromEntries(Object.entries(byOperation).map(([op, n]) => [op, per(n)])),
  };
}

/** DescribeTargetHealth calls grouped by the virtual second they were made in (one look of the shared poller). */
export function describeTargetHealthPerLook(calls: readonly CallRecord[]): {
  calls: number;
  looks: number;
  maxPerLook: number;
} {
  const bySecond = new Map<number, number>();
  for (const c of calls.filter((x) => x.operation === 'DescribeTargetHealth')) {
    const second = Math.floor(c.at / 1000);
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
  }
  return {
    calls: [...bySecond.values()].reduce((a, b) => a + b, 0),
    looks: bySecond.size,
    maxPerLook: Math.max(0, ...bySecond.values()),
  };
}

export async function runBurst(
  config: FleetpilotConfig,
  configFile: string,
  instances: number,
  options: { scaleIn?: boolean } = {},
): Promise<BurstResult> {
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const calls: CallRecord[] = [];
  const transitions: TargetTransition[] = [];
  const wallStart = performance.now();
  const sim = startSimulation({ config, configFile, seed: 'bench-burst', maxSize: instances + 50, initialCapacity: 0 });
  try {
    sim.account.onCall((call) => calls.push(call));
    sim.account.elbv2.onTargetState((transition) => transitions.push(transition));
    const start = sim.clock.now();
    sim.account.autoscaling.setDesiredCapacity(service.autoScalingGroup, instances);
    const settled = await sim.settle(6 * 3_600_000);
    const virtualSeconds = (sim.clock.now() - start) / 1000;
    const wallMs = performance.now() - wallStart;

    const { invocations, deadLetters } = sim.lambda;
    const launchEvents = sim.account
      .emittedEvents()
      .filter((e) => e['detail-type'] === 'EC2 Instance-launch Lifecycle Action');
    const launchHooks = new Set(launchEvents.map((e) => String(e.detail.LifecycleHookName)));
    const healthyAt = healthyEverywhereAt(transitions, service.targetGroups);
    const continuedAt = continueCallAt(calls, launchHooks);
    const healthyNeverContinued = [...healthyAt.keys()].filter((id) => !continuedAt.has(id)).length;
    const lags = [...continuedAt].flatMap(([id, at]) => {
      const healthy = healthyAt.get(id);
      return healthy === undefined ? [] : [(at - healthy) / 1000];
    });
    const route53Calls = calls.filter((c) => c.service === 'route53');
    const byError: Record<string, number> = {};
    for (const record of invocations.filter((i) => i.outcome !== 'ok')) {
      const name = (record.error ?? record.outcome).split(':')[0] ?? record.outcome;
      byError[name] = (byError[name] ?? 0) + 1;
    }
    const hookResults = sim.account.autoscaling.hookResults.filter(
      (r) => r.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING',
    );
    const launchCalls = [...calls];
    const result: BurstResult = {
      instances,
      settled,
      wallMs,
      virtualSeconds,
      inService:
        sim.account.autoscaling
          .view()
          .find((g) => g.name === service.autoScalingGroup)
          ?.instances.filter((i) => i.lifecycleState === 'InService').length ?? 0,
      launched: launchEvents.length,
      route53: {
        calls: route53Calls.length,
        throttled: route53Calls.filter((c) => THROTTLING.test(c.outcome)).length,
        byOperation: countBy(route53Calls),
      },
      throttlingInHandlers: {
        failedInvocations: invocations.filter((i) => i.outcome !== 'ok' && THROTTLING.test(i.error ?? '')).length,
        retryingWarnings: sim.account.sns.published.filter(
          (m) => /\.retrying$/.test(m.attributes.kind?.StringValue ?? '') && THROTTLING.test(m.message),
        ).length,
        // Errors a handler caught after the SDK's retries and continued later through the queue (progress.retries > 0).
        queuedRetries: launchCalls
          .filter((c) => c.service === 'sqs' && c.operation === 'SendMessageBatch')
          .reduce((n, c) => n + queuedRetries(c.input), 0),
      },
      invocations: {
        total: invocations.length,
        failed: invocations.filter((i) => i.outcome !== 'ok').length,
        retried: invocations.filter((i) => i.attempt > 1).length,
        deadLettered: deadLetters.length,
        byError,
      },
      hooks: {
        continued: hookResults.filter((r) => r.result === 'CONTINUE' && r.by === 'CompleteLifecycleAction').length,
        abandoned: hookResults.filter((r) => r.result === 'ABANDON' && r.by === 'CompleteLifecycleAction').length,
        byDefaultResult: hookResults.filter((r) => r.by === 'DefaultResult').length,
      },
      callsPerInstance: callsPerInstance(launchCalls, launchEvents.length),
      describeTargetHealth: { ...describeTargetHealthPerLook(launchCalls), targetGroups: service.targetGroups.length },
      invariants: [...checkInvariants(sim), ...(settled ? [] : ['the burst did not settle within 6 virtual hours'])],
      lagSeconds: {
        instances: lags.length,
        p50: percentile(lags, 50),
        p90: percentile(lags, 90),
        p99: percentile(lags, 99),
        max: lags.length > 0 ? Math.max(...lags) : undefined,
        healthyNeverContinued,
      },
    };
    if (options.scaleIn) result.scaleIn = await runScaleIn(sim, service.autoScalingGroup, calls);
    return result;
  } finally {
    sim.stop();
  }
}

/** The group scaled from its burst size to 0 at once; the calls of that phase only. */
async function runScaleIn(
  sim: ReturnType<typeof startSimulation>,
  group: string,
  calls: CallRecord[],
): Promise<ScaleInResult> {
  const before = calls.length;
  const hooksBefore = sim.account.autoscaling.hookResults.length;
  const instances =
    sim.account.autoscaling
      .view()
      .find((g) => g.name === group)
      ?.instances.filter((i) => i.lifecycleState === 'InService').length ?? 0;
  const start = sim.clock.now();
  sim.account.autoscaling.setDesiredCapacity(group, 0);
  const settled = await sim.settle(6 * 3_600_000);
  const phase = calls.slice(before);
  const route53 = phase.filter((c) => c.service === 'route53');
  const hooks = sim.account.autoscaling.hookResults
    .slice(hooksBefore)
    .filter((r) => r.transition === 'autoscaling:EC2_INSTANCE_TERMINATING');
  return {
    instances,
    settled,
    virtualSeconds: (sim.clock.now() - start) / 1000,
    route53: { calls: route53.length, throttled: route53.filter((c) => THROTTLING.test(c.outcome)).length },
    hooks: {
      continued: hooks.filter((r) => r.result === 'CONTINUE' && r.by === 'CompleteLifecycleAction').length,
      byDefaultResult: hooks.filter((r) => r.by === 'DefaultResult').length,
    },
    callsPerInstance: callsPerInstance(phase, instances),
    invariants: [...checkInvariants(sim), ...(settled ? [] : ['the scale-in did not settle within 6 virtual hours'])],
  };
}

/** Per instance, the first moment it was healthy in every one of `groups` at once. */
export function healthyEverywhereAt(
  transitions: readonly TargetTransition[],
  groups: readonly string[],
): Map<string, number> {
  const state = new Map<string, Map<string, string>>();
  const result = new Map<string, number>();
  for (const t of transitions) {
    if (!groups.includes(t.arn) || result.has(t.id)) continue;
    const byGroup = state.get(t.id) ?? new Map<string, string>();
    byGroup.set(t.arn, t.to);
    state.set(t.id, byGroup);
    if (groups.every((arn) => byGroup.get(arn) === 'healthy')) result.set(t.id, t.at);
  }
  return result;
}

/** Per instance, when its launch hook was answered CONTINUE successfully (the first such call). */
export function continueCallAt(calls: readonly CallRecord[], launchHooks: ReadonlySet<string>): Map<string, number> {
  const result = new Map<string, number>();
  for (const call of calls) {
    if (call.service !== 'autoScaling' || call.operation !== 'CompleteLifecycleAction' || call.outcome !== 'ok')
      continue;
    const input = call.input as { InstanceId?: string; LifecycleHookName?: string; LifecycleActionResult?: string };
    if (input.LifecycleActionResult !== 'CONTINUE' || !launchHooks.has(input.LifecycleHookName ?? '')) continue;
    const id = input.InstanceId ?? '';
    if (!result.has(id)) result.set(id, call.at);
  }
  return result;
}

function countBy(calls: readonly CallRecord[]): Record<string, { calls: number; throttled: number }> {
  const out: Record<string, { calls: number; throttled: number }> = {};
  for (const call of calls) {
    const entry = out[call.operation] ?? { calls: 0, throttled: 0 };
    entry.calls += 1;
    if (THROTTLING.test(call.outcome)) entry.throttled += 1;
    out[call.operation] = entry;
  }
  return out;
}

/** Entries of a SendMessageBatch that continue an action after a retryable error (envelope.retries > 0). */
function queuedRetries(input: unknown): number {
  const entries = (input as { Entries?: { MessageBody?: string }[] } | undefined)?.Entries ?? [];
  return entries.filter((e) => ((JSON.parse(e.MessageBody ?? '{}') as { retries?: number }).retries ?? 0) > 0).length;
}
