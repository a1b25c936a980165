/**
 * Section 3, AWS calls per event kind: one instance of the example config's first service launched (desired 0 → 1)
 * and terminated (1 → 0) on the simulated account, fleetpilot's real handlers wired as serverless.yml wires them.
 * Every call the account answers is counted per operation, beside the least an event needs.
 *
 * The least each event needs (T = target groups of the service, R = DNS records, Z = hosted zones written):
 *   launch    = ec2:DescribeInstances 1 (the addresses for the records) + elbv2:RegisterTargets T
 *               + elbv2:DescribeTargetHealth T (one look once healthy) + route53:ChangeResourceRecordSets Z
 *               + autoScaling:CompleteLifecycleAction 1 + sns:Publish 1
 *   terminate = ec2:DescribeInstances 1 (record names hold the address) + elbv2:DeregisterTargets T
 *               + route53:ListResourceRecordSets R (delete only what still holds our value)
 *               + route53:ChangeResourceRecordSets Z + elbv2:DescribeTargetHealth T (one look once drained)
 *               + autoScaling:CompleteLifecycleAction 1 + sns:Publish 1
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
  const r = service.dns.records.length;
  const z = new Set(service.dns.records.map((record) => record.zone)).size;
  return kind === 'launch'
    ? {
        'ec2:DescribeInstances': 1,
        'elbv2:RegisterTargets': t,
        'elbv2:DescribeTargetHealth': t,
        'route53:ChangeResourceRecordSets': z,
        'autoScaling:CompleteLifecycleAction': 1,
        'sns:Publish': 1,
      }
    : {
        'ec2:DescribeInstances': 1,
        'elbv2:DeregisterTargets': t,
        'route53:ListResourceRecordSets': r,
        'route53:ChangeResourceRecordSets': z,
        'elbv2:DescribeTargetHealth': t,
        'autoScaling:CompleteLifecycleAction': 1,
        'sns:Publish': 1,
      };
}

/** Why fleetpilot makes a call beyond the minimum (see functions/lifecycle/flow.ts). */
const WHY: Record<EventKind, Record<string, string>> = {
  launch: {
    'ec2:DescribeInstances': 'polls every pollIntervalSeconds until running; reads the addresses again once healthy',
    'elbv2:DescribeTargetHealth': 'polls every pollIntervalSeconds until healthy in every target group',
  },
  terminate: {
    'ec2:DescribeInstances': 'reads the instance again',
    'elbv2:DescribeTargetHealth': 'polls with back-off (poll interval doubling to 60 s) until drained',
  },
};
const WHY_EITHER: Record<string, string> = {
  'autoScaling:DescribeAutoScalingInstances':
    'guard: is the action still pending (at-least-once delivery, stale events)',
  'autoScaling:DescribeLifecycleHooks': "reads the hook's HeartbeatTimeout: caps the deadline, paces heartbeats",
  'autoScaling:RecordLifecycleActionHeartbeat': 'heartbeat: keeps the hook alive through the wait',
  'ec2:CreateTags': 'remembers the records written, so terminate deletes exactly them',
  'ec2:DeleteTags': 'forgets the remembered records',
  'sqs:SendMessage': 'hands a long wait over to a later invocation',
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
