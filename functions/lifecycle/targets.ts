/**
 * Target group membership and health (ELBv2 API reference: RegisterTargets, DeregisterTargets, DescribeTargetHealth).
 * Both registration calls are idempotent: registering a registered target and deregistering an unknown one succeed.
 */
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
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

export async function registerInAll(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: readonly string[],
  instanceId: string,
  mutations: Mutations,
): Promise<void> {
  for (const arn of targetGroupArns) {
    await mutations.run(`RegisterTargets ${instanceId} in ${shortName(arn)}`, () =>
      elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] })),
    );
  }
}

export async function deregisterFromAll(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: readonly string[],
  instanceId: string,
  mutations: Mutations,
): Promise<void> {
  for (const arn of targetGroupArns) {
    await mutations.run(`DeregisterTargets ${instanceId} from ${shortName(arn)}`, () =>
      elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] })),
    );
  }
}

export async function healthIn(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: readonly string[],
  instanceId: string,
): Promise<TargetHealth[]> {
  const results: TargetHealth[] = [];
  for (const arn of targetGroupArns) {
    // Without `Targets`, the group lists only registered targets, so "not registered" is told apart from an error.
    const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    const mine = out.TargetHealthDescriptions?.find((d) => d.Target?.Id === instanceId);
    results.push({
      targetGroupArn: arn,
      state: mine?.TargetHealth?.State ?? 'unregistered',
      ...(mine?.TargetHealth?.Reason ? { reason: mine.TargetHealth.Reason } : {}),
      ...(mine?.TargetHealth?.Description ? { description: mine.TargetHealth.Description } : {}),
    });
  }
  return results;
}

/** "HTTP /healthz expects 200 on port 80" per group, for the diagnosis in an ABANDON notification. */
export async function healthCheckSummaries(
  elbv2: ElasticLoadBalancingV2Client,
  targetGroupArns: readonly string[],
): Promise<Map<string, string>> {
  const summaries = new Map<string, string>();
  if (targetGroupArns.length === 0) return summaries;
  const out = await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...targetGroupArns] }));
  for (const tg of out.TargetGroups ?? []) {
    if (!tg.TargetGroupArn) continue;
    const protocol = tg.HealthCheckProtocol ?? tg.Protocol ?? '?';
    const path = tg.HealthCheckPath ? ` ${tg.HealthCheckPath}` : '';
    const matcher = tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode;
    const expects = matcher ? ` expects ${matcher}` : '';
    const port =
      tg.HealthCheckPort && tg.HealthCheckPort !== 'traffic-port' ? tg.HealthCheckPort : String(tg.Port ?? '?');
    summaries.set(
      tg.TargetGroupArn,
      `${protocol}${path}${expects} on port ${port}, every ${tg.HealthCheckIntervalSeconds ?? '?'} s, healthy after ${tg.HealthyThresholdCount ?? '?'} passes`,
    );
  }
  return summaries;
}
