/**
 * Section 3, AWS calls per event kind: one instance of the example config's first service launched (desired 0 → 1)
 * and terminated (1 → 0) on the simulated account, fleetpilot's real handlers wired as serverless.yml wires them.
 * Every call the account answers is counted per operation, beside the least an event needs.
 *
 * The least each event needs (T = target groups of the service, Z = hosted zones written):
 *   launch    = autoScaling:DescribeAutoScalingInstances 1 (the event is a claim: its group and state, checked)
 *               + ec2:DescribeInstances 1 (running, and the addresses for the records) + elbv2:RegisterTargets T
 *               + elbv2:DescribeTargetHealth T (one look once healthy) + route53:ChangeResourceRecordSets Z
 *               + autoScaling:CompleteLifecycleAction 1 + sns:Publish 1
 *   terminate = autoScaling:DescribeAutoScalingInstances 1 + ec2:DescribeInstances 1 (the remembered records)
 *               + elbv2:DeregisterTargets T + route53:ChangeResourceRecordSets Z (DELETE with the remembered values)
 *               + elbv2:DescribeTargetHealth T (one look once drained) + autoScaling:CompleteLifecycleAction 1
 *               + sns:Publish 1
 * SQS calls are fleetpilot's own plumbing (hand-offs, parked looks, the writer's requests and answers): listed, not
 * part of the minimum; in a burst ten share one SendMessageBatch (section 4 counts calls per instance there).
 */

import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { CallRecord } from '../../sim/account';
import { startSimulation } from '../../sim/simulation';

export type EventKind = 'launch' | 'terminate';

export interface CallRow {
  operation: string;
  minimum: number;
  made: number;
  /** Of `made`, refused by the account (throttling, errors). */
  refused: number;
  why: string;
}

export interface CallsByEvent {
  kind: EventKind;
  rows: CallRow[];
  made: number;
  minimum: number;
  virtualSeconds: number;
  invocations: number;
}

export function minimumCalls(service: ServiceConfig, kind: EventKind): Record<string, number> {
  const t = service.targetGroups.length;
  const z = new Set(service.dns.records.map((record) => record.zone)).size;
  return kind === 'launch'
    ? {
        'autoScaling:DescribeAutoScalingInstances': 1,
        'ec2:DescribeInstances': 1,
        'elbv2:RegisterTargets': t,
        'elbv2:DescribeTargetHealth': t,
        'route53:ChangeResourceRecordSets': z,
        'autoScaling:CompleteLifecycleAction': 1,
        'sns:Publish': 1,
      }
    : {
        'autoScaling:DescribeAutoScalingInstances': 1,
        'ec2:DescribeInstances': 1,
        'elbv2:DeregisterTargets': t,
        'route53:ChangeResourceRecordSets': z,
        'elbv2:DescribeTargetHealth': t,
        'autoScaling:CompleteLifecycleAction': 1,
        'sns:Publish': 1,
      };
}

/** Why fleetpilot makes a call beyond the minimum (see functions/lifecycle/launch.ts and terminate.ts). */
const WHY: Record<EventKind, Record<string, string>> = {
  launch: {
    'ec2:DescribeInstances': 'looks until running (the instance is pending when the event comes), one look per batch',
    'elbv2:DescribeTargetHealth':
      'looks every 2 s from the earliest moment the target can pass its healthy threshold, one look per batch',
    'autoScaling:RecordLifecycleActionHeartbeat':
      'once before the records are written: proves the action is still pending (a duplicate run stops there)',
  },
  terminate: {
    'elbv2:DescribeTargetHealth': 'looks with back-off (poll interval doubling to 60 s) until drained',
    'autoScaling:RecordLifecycleActionHeartbeat':
      'the drain (deregistration delay) outlasts half the hook timeout: a look could come after it expired',
  },
};
const WHY_EITHER: Record<string, string> = {
  'autoScaling:DescribeLifecycleHooks': "the hook's HeartbeatTimeout, read once per execution environment",
  'elbv2:DescribeTargetGroups': 'health-check settings, read once per execution environment (when to look; diagnosis)',
  'ec2:CreateTags': 'remembers the records written, so terminate deletes exactly them',
  'sqs:SendMessageBatch':
    "fleetpilot's plumbing: hand-off to the batch, parked looks, the writer's request and answer (10 per call in a burst)",
};

export async function measureCallsPerEvent(config: FleetpilotConfig, configFile: string): Promise<CallsByEvent[]> {
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  let calls: CallRecord[] = [];
  const sim = startSimulation({ config, configFile, seed: 'bench-calls', initialCapacity: 0 });
  try {
    sim.account.onCall((call) => calls.push(call));
    const results: CallsByEvent[] = [];
    for (const [kind, desired] of [
      ['launch', 1],
      ['terminate', 0],
    ] as const) {
      calls = [];
      const invocationsBefore = sim.lambda.invocations.length;
      const start = sim.clock.now();
      sim.account.autoscaling.setDesiredCapacity(service.autoScalingGroup, desired);
      if (!(await sim.settle(4 * 3_600_000))) throw new Error(`the ${kind} did not settle`);
      results.push(
        tabulate(kind, calls, minimumCalls(service, kind), {
          virtualSeconds: (sim.clock.now() - start) / 1000,
          invocations: sim.lambda.invocations.length - invocationsBefore,
        }),
      );
    }
    return results;
  } finally {
    sim.stop();
  }
}

function tabulate(
  kind: EventKind,
  calls: readonly CallRecord[],
  minimum: Record<string, number>,
  facts: { virtualSeconds: number; invocations: number },
): CallsByEvent {
  const made = new Map<string, { made: number; refused: number }>();
  for (const call of calls) {
    const key = `${call.service}:${call.operation}`;
    const entry = made.get(key) ?? { made: 0, refused: 0 };
    entry.made += 1;
    if (call.outcome !== 'ok') entry.refused += 1;
    made.set(key, entry);
  }
  const operations = [...new Set([...Object.keys(minimum), ...made.keys()])];
  const rows = operations.map((operation): CallRow => {
    const m = minimum[operation] ?? 0;
    const n = made.get(operation) ?? { made: 0, refused: 0 };
    return {
      operation,
      minimum: m,
      made: n.made,
      refused: n.refused,
      why: n.made > m ? (WHY[kind][operation] ?? WHY_EITHER[operation] ?? '?') : '',
    };
  });
  return {
    kind,
    rows,
    made: calls.length,
    minimum: Object.values(minimum).reduce((a, b) => a + b, 0),
    ...facts,
  };
}
