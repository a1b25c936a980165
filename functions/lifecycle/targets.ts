/**
 * Target group membership and health, one call per target group for many instances (ELBv2 API reference:
 * RegisterTargets, DeregisterTargets, DescribeTargetHealth). Both registration calls are idempotent: registering a
 * registered target and deregistering an unknown one succeed.
 */
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Mutations } from '../../shared/runtime/mutations';

export interface TargetHealth {
  targetGroupArn: string;
  /** initial | healthy | unhealthy | unused | draining | unavailable, or "unregistered" when the group does not list it */
  state: string;
  reason?: string;
  description?: string;
}

export const shortName = (arn: string) => arn.split(':').pop()?.split('/')[1] ?? arn;

/** Targets per (de)registration call: kept small enough that one refused target does not hold up many others. */
const TARGETS_PER_CALL = 100;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export async function registerTargets(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  ids: readonly string[],
  mutations: Mutations,
): Promise<void> {
  for (const chunk of chunks(ids, TARGETS_PER_CALL)) {
    await mutations.run(`RegisterTargets ${chunk.join(',')} in ${shortName(arn)}`, () =>
      elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: chunk.map((Id) => ({ Id })) })),
    );
  }
}

export async function deregisterTargets(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
  ids: readonly string[],
  mutations: Mutations,
): Promise<void> {
  for (const chunk of chunks(ids, TARGETS_PER_CALL)) {
    await mutations.run(`DeregisterTargets ${chunk.join(',')} from ${shortName(arn)}`, () =>
      elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: chunk.map((Id) => ({ Id })) })),
    );
  }
}

/**
 * The health of every registered target of one group, by instance id: one call whatever the number of instances
 * waiting. Without `Targets`, the group lists only registered targets, so "not registered" is told apart from an error.
 */
export async function groupHealth(
  elbv2: ElasticLoadBalancingV2Client,
  arn: string,
): Promise<Map<string, TargetHealth>> {
  const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  const byId = new Map<string, TargetHealth>();
  for (const d of out.TargetHealthDescriptions ?? []) {
    const id = d.Target?.Id;
    if (!id) continue;
    byId.set(id, {
      targetGroupArn: arn,
      state: d.TargetHealth?.State ?? 'unknown',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    });
  }
  return byId;
}

export const unregistered = (arn: string): TargetHealth => ({ targetGroupArn: arn, state: 'unregistered' });
