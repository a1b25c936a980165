/**
 * Section 4, burst: the example config's first service scaled from 0 to `instances` at once, under Route 53's limit of
 * five requests per second per account (the simulated account's default), then settled. Reported: Route 53 calls
 * (and how many the account refused with Throttling), throttling that reached a handler (a failed invocation, a
 * `*.retrying` warning, or a retry the handler continued later through the queue), invocations failed / retried / dead-lettered, the invariants of sim/invariants.ts, and per
 * instance the lag from "healthy in every target group" (ELBv2 state transitions) to the successful
 * CompleteLifecycleAction CONTINUE of its launch hook (call log), in virtual seconds.
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

const THROTTLING = /Throttl|Rate exceeded|RequestLimitExceeded/;

export async function runBurst(config: FleetpilotConfig, configFile: string, instances: number): Promise<BurstResult> {
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
    return {
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
        queuedRetries: calls.filter((c) => c.service === 'sqs' && c.operation === 'SendMessage' && queuedRetry(c.input))
          .length,
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
  } finally {
    sim.stop();
  }
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

function queuedRetry(input: unknown): boolean {
  const body = (input as { MessageBody?: string } | undefined)?.MessageBody;
  if (!body) return false;
  return ((JSON.parse(body) as { retries?: number }).retries ?? 0) > 0;
}
