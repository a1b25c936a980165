/**
 * SetInstanceHealth on the simulated Auto Scaling groups (Amazon EC2 Auto Scaling API reference, SetInstanceHealth,
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html; user guide, "Set up a custom
 * health check for your Auto Scaling group" and "Set the health check grace period"):
 * - `Unhealthy`: the group takes the instance out of service and replaces it, as for any unhealthy instance:
 *   Terminating (deregistered and drained) → Terminating:Wait (terminate lifecycle hooks) → terminated, while a
 *   replacement launches through the launch hooks. The termination's cause is "At <time> an instance was taken out
 *   of service in response to a user health-check." (scaling-activities.ts).
 * - `ShouldRespectGracePeriod` (default true): an instance still within the group's HealthCheckGracePeriod (counted
 *   from when it entered InService, or not yet InService) is left as it is.
 * - `Healthy`: the instance stays in service (an instance already being replaced stays so).
 * - Errors: ValidationError for a HealthStatus other than Healthy / Unhealthy and for an instance in no group.
 *
 * Approximated: the texts of the two ValidationError messages are not documented; a call inside the grace period is
 * accepted and ignored rather than refused.
 */
import type { SetInstanceHealthCommandInput } from '@aws-sdk/client-auto-scaling';
import { isoSeconds, type SimContext } from '../context';
import type { AutoScalingGroups } from './groups';
import { validationError } from './model';

export class InstanceHealth {
  constructor(
    private readonly ctx: SimContext,
    private readonly groups: AutoScalingGroups,
  ) {}

  setInstanceHealth(input: SetInstanceHealthCommandInput) {
    const status = input.HealthStatus;
    if (status !== 'Healthy' && status !== 'Unhealthy') {
      throw validationError(`Invalid health status '${status ?? ''}'. Valid values are Healthy and Unhealthy.`);
    }
    const instanceId = input.InstanceId ?? '';
    const found = [...this.groups.groups.values()]
      .map((group) => ({ group, member: group.instances.get(instanceId) }))
      .find((candidate) => candidate.member !== undefined);
    if (!found?.member) {
      throw validationError(`Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    }
    const { group, member } = found;
    if (member.terminating) return {};
    if (status === 'Healthy') {
      member.healthStatus = 'Healthy';
      return {};
    }
    const now = this.ctx.now();
    const graceEnds =
      member.inServiceAt === undefined
        ? Number.POSITIVE_INFINITY
        : member.inServiceAt + group.healthCheckGracePeriod * 1000;
    if ((input.ShouldRespectGracePeriod ?? true) && now < graceEnds) return {};
    this.groups.replaceUnhealthy(
      group,
      member,
      `At ${isoSeconds(now)} an instance was taken out of service in response to a user health-check.`,
    );
    return {};
  }
}
