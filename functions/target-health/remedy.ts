/**
 * Opt-in remediation: a target unhealthy for longer than `remediation.afterMinutes` (the `persistent` alarm proves
 * that the target group had an unhealthy target through every one of those minutes) while the rest are healthy is
 * marked Unhealthy in Auto Scaling (SetInstanceHealth), and the group replaces it (Auto Scaling user guide, "Set up
 * a custom health check for your Auto Scaling group").
 *
 * Refused, each with its reason: an instance refresh in progress (it replaces instances itself); more than
 * `maxUnhealthyShare` of the targets unhealthy (systemic: replacing would churn); other targets not healthy yet;
 * an instance Auto Scaling is already acting on (not InService, or already UNHEALTHY: a repeated event); an
 * instance launched less than `afterMinutes` ago; the cap of `maxPerHour` replacements reached.
 *
 * The cap is counted from AWS, not from memory: each SetInstanceHealth Unhealthy produces a scaling activity whose
 * Cause says the instance "was taken out of service in response to a user health-check" (Auto Scaling user guide,
 * "View the reason for health check failures"). Any such activity of the group in the last hour counts, whoever
 * marked the instance.
 */
import { type Activity, type AutoScalingClient, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import type { Mutations } from '../../shared/runtime/mutations';
import type { WatchedGroup } from './alarms';
import type { Diagnosis } from './diagnose';

export const USER_HEALTH_CHECK_CAUSE = /in response to a user health-check/i;
const HOUR_MS = 60 * 60 * 1000;

export type RemedyOutcome =
  | { instanceId: string; applied: true; reason: string }
  | { instanceId: string | undefined; applied: false; reason: string };

/** Replacements by user health check in the hour before `now`. */
export function recentRemedies(activities: readonly Activity[], now: number): Activity[] {
  return activities.filter(
    (a) =>
      USER_HEALTH_CHECK_CAUSE.test(a.Cause ?? '') &&
      a.StartTime !== undefined &&
      now - a.StartTime.getTime() < HOUR_MS &&
      a.StatusCode !== 'Failed' &&
      a.StatusCode !== 'Cancelled',
  );
}

export async function remediate(
  group: WatchedGroup,
  diagnosis: Diagnosis,
  autoScaling: AutoScalingClient,
  mutations: Mutations,
  now: number,
): Promise<RemedyOutcome[]> {
  const { remediation } = group.service.targetHealth;
  const asgName = group.service.autoScalingGroup;
  const registered = diagnosis.targets.filter((t) => t.state !== 'unused' && t.state !== 'draining');
  const unhealthy = registered.filter((t) => t.state === 'unhealthy');
  if (unhealthy.length === 0) return [];
  const refuseAll = (reason: string): RemedyOutcome[] =>
    unhealthy.map((t) => ({ instanceId: t.targetId, applied: false, reason }));

  if (!remediation.enabled) return refuseAll('remediation is not enabled for this service');
  if (diagnosis.activeRefresh) {
    return refuseAll(
      `instance refresh ${diagnosis.activeRefresh.id} is ${diagnosis.activeRefresh.status}: it replaces instances itself`,
    );
  }
  const share = unhealthy.length / registered.length;
  if (share > remediation.maxUnhealthyShare) {
    return refuseAll(
      `systemic: ${unhealthy.length} of ${registered.length} targets unhealthy (more than ${Math.round(remediation.maxUnhealthyShare * 100)} %); replacing them would not help`,
    );
  }
  const unsettled = registered.filter((t) => t.state !== 'healthy' && t.state !== 'unhealthy');
  if (unsettled.length > 0) {
    return refuseAll(
      `the other targets are not all healthy (${unsettled.map((t) => `${t.targetId} ${t.state}`).join(', ')}); looking again at the next alarm`,
    );
  }

  const recent = recentRemedies(diagnosis.activities, now);
  let applied = 0;
  const minAgeMs = remediation.afterMinutes * 60_000;
  const outcomes: RemedyOutcome[] = [];
  for (const t of unhealthy) {
    const id = t.targetId;
    const refuse = (reason: string) => outcomes.push({ instanceId: id, applied: false, reason });
    if (!/^i-/.test(id)) {
      refuse('the target is an IP address, not an instance of the Auto Scaling group');
    } else if (t.autoScalingGroup !== asgName) {
      refuse(`the instance is not in Auto Scaling group ${asgName}`);
    } else if (t.autoScalingHealth?.toUpperCase() === 'UNHEALTHY') {
      refuse('already marked Unhealthy in Auto Scaling (a repeated event, or another tool): it is being replaced');
    } else if (t.lifecycleState !== 'InService') {
      refuse(`the instance is ${t.lifecycleState ?? 'in an unknown state'}: Auto Scaling is already acting on it`);
    } else if (t.launchTime && now - t.launchTime.getTime() < minAgeMs) {
      refuse(
        `launched ${Math.round((now - t.launchTime.getTime()) / 60_000)} min ago: it cannot have been unhealthy for ${remediation.afterMinutes} min`,
      );
    } else if (recent.length + applied >= remediation.maxPerHour) {
      refuse(
        `cap reached: ${recent.length + applied} replacement(s) by health check in ${asgName} within the last hour (maxPerHour ${remediation.maxPerHour})`,
      );
    } else {
      applied += 1;
      await mutations.run(`SetInstanceHealth ${id} Unhealthy`, () =>
        autoScaling.send(
          // Respect the group's health check grace period: an instance still starting up is not replaced.
          new SetInstanceHealthCommand({ InstanceId: id, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: true }),
        ),
      );
      outcomes.push({
        instanceId: id,
        applied: true,
        reason: `unhealthy for more than ${remediation.afterMinutes} min (${t.reason ?? t.state}) while the other targets are healthy`,
      });
    }
  }
  return outcomes;
}
