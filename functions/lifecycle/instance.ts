/** Read-only facts about an instance: its EC2 state and addresses, and its Auto Scaling lifecycle state. */
import { type AutoScalingClient, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { isAwsError } from '../../shared/errors';

export interface InstanceFacts {
  instanceId: string;
  /** EC2 state name: pending | running | shutting-down | terminated | stopping | stopped */
  state: string;
  privateIp?: string;
  publicIp?: string;
  az?: string;
  tags: Record<string, string>;
}

/** Undefined when EC2 no longer knows the instance (InvalidInstanceID.NotFound). */
export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceFacts | undefined> {
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!instance) return undefined;
    return {
      instanceId,
      state: instance.State?.Name ?? 'unknown',
      ...(instance.PrivateIpAddress ? { privateIp: instance.PrivateIpAddress } : {}),
      ...(instance.PublicIpAddress ? { publicIp: instance.PublicIpAddress } : {}),
      ...(instance.Placement?.AvailabilityZone ? { az: instance.Placement.AvailabilityZone } : {}),
      tags: Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  } catch (error) {
    if (isAwsError(error, 'InvalidInstanceID.NotFound')) return undefined;
    throw error;
  }
}

/** The instance's Auto Scaling lifecycle state (e.g. Pending:Wait), or undefined when no group holds it. */
export async function lifecycleStateOf(
  autoScaling: AutoScalingClient,
  instanceId: string,
): Promise<string | undefined> {
  const out = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  return out.AutoScalingInstances?.find((i) => i.InstanceId === instanceId)?.LifecycleState;
}

/** True once the launch action was answered and the instance is going (or has gone) into service. */
export const isPastLaunchWait = (state: string | undefined): boolean =>
  state === 'InService' || (state?.endsWith('Pending:Proceed') ?? false);

/** Lifecycle states in which a launch action is still waiting for fleetpilot. */
export const launchWaitStates = new Set(['Pending:Wait', 'Warmed:Pending:Wait']);

/**
 * States after which a terminate event is stale: the instance is (again) launching or in service, as after a root
 * volume replacement (Auto Scaling user guide, "Replace root volumes": ReplacingRootVolume:Wait → … → Pending:Wait →
 * InService, same instance id). A late terminate event must not take such an instance out of service.
 */
export const launchingOrInServiceStates = new Set([
  'Pending',
  'Pending:Wait',
  'Pending:Proceed',
  'InService',
  'Warmed:Pending',
  'Warmed:Pending:Wait',
  'Warmed:Pending:Proceed',
  'Warmed:Running',
  'Warmed:Stopped',
  'Warmed:Hibernated',
]);
