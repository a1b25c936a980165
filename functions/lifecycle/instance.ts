/**
 * Read-only facts about instances, one call for many: EC2 state, addresses and tags (DescribeInstances), and the Auto
 * Scaling group and lifecycle state (DescribeAutoScalingInstances).
 */
import { type AutoScalingClient, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';

export interface InstanceFacts {
  instanceId: string;
  /** EC2 state name: pending | running | shutting-down | terminated | stopping | stopped */
  state: string;
  privateIp?: string;
  publicIp?: string;
  az?: string;
  tags: Record<string, string>;
}

/** DescribeInstances filter values per call: kept well under the API's limits. */
const IDS_PER_DESCRIBE = 200;
/** DescribeAutoScalingInstances takes at most 50 instance ids (Auto Scaling API reference). */
const IDS_PER_ASG_DESCRIBE = 50;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * Facts for every id EC2 still knows. An `instance-id` filter (rather than InstanceIds) makes an unknown id simply
 * absent instead of failing the whole call with InvalidInstanceID.NotFound (EC2 API reference, DescribeInstances).
 */
export async function describeInstances(ec2: EC2Client, ids: readonly string[]): Promise<Map<string, InstanceFacts>> {
  const facts = new Map<string, InstanceFacts>();
  for (const chunk of chunks([...new Set(ids)], IDS_PER_DESCRIBE)) {
    let token: string | undefined;
    do {
      const out = await ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'instance-id', Values: chunk }],
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const instance of out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
        if (!instance.InstanceId) continue;
        facts.set(instance.InstanceId, {
          instanceId: instance.InstanceId,
          state: instance.State?.Name ?? 'unknown',
          ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
          ...(instance.PublicIpAddress ? { publicIp: instance.PublicIpAddress } : {}),
          ...(instance.Placement?.AvailabilityZone ? { az: instance.Placement.AvailabilityZone } : {}),
          tags: Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        });
      }
      token = out.NextToken;
    } while (token);
  }
  return facts;
}

export interface GroupMembership {
  group: string;
  /** The Auto Scaling lifecycle state, e.g. Pending:Wait. */
  state: string;
}

/** Group and lifecycle state of every id that an Auto Scaling group holds; ids no group holds are absent. */
export async function membershipOf(
  autoScaling: AutoScalingClient,
  ids: readonly string[],
): Promise<Map<string, GroupMembership>> {
  const found = new Map<string, GroupMembership>();
  for (const chunk of chunks([...new Set(ids)], IDS_PER_ASG_DESCRIBE)) {
    let token: string | undefined;
    do {
      const out = await autoScaling.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: chunk, ...(token ? { NextToken: token } : {}) }),
      );
      for (const i of out.AutoScalingInstances ?? []) {
        if (i.InstanceId && i.AutoScalingGroupName && i.LifecycleState) {
          found.set(i.InstanceId, { group: i.AutoScalingGroupName, state: i.LifecycleState });
        }
      }
      token = out.NextToken;
    } while (token);
  }
  return found;
}

/** True once the launch action was answered and the instance is going (or has gone) into service. */
export const isPastLaunchWait = (state: string | undefined): boolean =>
  state === 'InService' || (state?.endsWith('Pending:Proceed') ?? false);

/**
 * Lifecycle states in which a launch action waits for its hooks. The launch half of a root-volume replacement waits
 * here too: after `RootVolumeReplaced` the instance enters `Pending`, then `Pending:Wait` (Auto Scaling user guide,
 * "Lifecycle state transitions for instances undergoing root volume replacement" in "How lifecycle hooks work", and
 * "Replace root volumes during instance refresh": the launch hook pauses the instance "when it reaches the
 * `Pending:Wait` state"). `ReplacingRootVolume:Wait` is the terminate half's state, never a launch's.
 */
export const launchWaitStates = new Set(['Pending:Wait', 'Warmed:Pending:Wait']);

/**
 * Lifecycle states in which a terminate action waits for its hooks: a termination (`Terminating:Wait`), a termination
 * from the warm pool (`Warmed:Terminating:Wait`), and the terminate half of a root-volume replacement
 * (`ReplacingRootVolume:Wait`: "When a lifecycle hook is configured for the autoscaling:EC2_INSTANCE_TERMINATING
 * lifecycle action, an instance about to undergo root volume replacement pauses ... when it reaches the
 * ReplacingRootVolume:Wait state", same pages as above).
 */
export const terminateWaitStates = new Set(['Terminating:Wait', 'Warmed:Terminating:Wait', 'ReplacingRootVolume:Wait']);

/**
 * States of an instance on its way out of the group for good (its terminate hook was answered or timed out). Cleaning
 * up after it takes nothing out of service, so a late terminate action may still remove what fleetpilot left.
 */
export const leavingForGoodStates = new Set([
  'Terminating',
  'Terminating:Proceed',
  'Terminating:Retained',
  'Terminated',
  'Warmed:Terminating',
  'Warmed:Terminating:Proceed',
  'Warmed:Terminating:Retained',
  'Warmed:Terminated',
]);

/**
 * Whether a terminate action may act on an instance Auto Scaling holds in `state`. Anything else is stale: in
 * particular every state after `ReplacingRootVolume:Wait` of a root-volume replacement (`ReplacingRootVolume:Proceed`,
 * `RootVolumeReplaced`, then the launch states and `InService`, same instance id), in which a redelivered or late
 * terminate event must not take the instance out of service.
 */
export const terminateMayActIn = (state: string): boolean =>
  terminateWaitStates.has(state) || leavingForGoodStates.has(state);
