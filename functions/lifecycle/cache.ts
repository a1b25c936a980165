/**
 * What one execution environment reads once and keeps: a hook's HeartbeatTimeout and a target group's health-check
 * settings change rarely, and reading them on every event cost a call per event. Built by the handler factory, so it
 * lives as long as the execution environment (and a test gets a fresh one).
 */
import { type AutoScalingClient, DescribeLifecycleHooksCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** Auto Scaling's default HeartbeatTimeout when a hook does not set one (PutLifecycleHook: 3600 s). */
const DEFAULT_HEARTBEAT_TIMEOUT_S = 3600;

export interface TargetGroupSettings {
  intervalS: number;
  healthyThreshold: number;
  /** "HTTP /healthz expects 200 on port 80, every 30 s, healthy after 5 passes", for diagnoses. */
  summary: string;
}

export interface LifecycleCache {
  heartbeatTimeoutS(autoScaling: AutoScalingClient, group: string, hook: string): Promise<number>;
  targetGroups(elbv2: ElasticLoadBalancingV2Client, arns: readonly string[]): Promise<Map<string, TargetGroupSettings>>;
}

export function createLifecycleCache(): LifecycleCache {
  const hooks = new Map<string, number>();
  const groups = new Map<string, TargetGroupSettings>();
  return {
    async heartbeatTimeoutS(autoScaling, group, hook) {
      const key = `${group}\u0000${hook}`;
      const known = hooks.get(key);
      if (known !== undefined) return known;
      const out = await autoScaling.send(
        new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group, LifecycleHookNames: [hook] }),
      );
      const timeout = out.LifecycleHooks?.[0]?.HeartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT_S;
      hooks.set(key, timeout);
      return timeout;
    },
    async targetGroups(elbv2, arns) {
      const missing = arns.filter((arn) => !groups.has(arn));
      if (missing.length > 0) {
        const out = await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...missing] }));
        for (const tg of out.TargetGroups ?? []) {
          if (tg.TargetGroupArn) groups.set(tg.TargetGroupArn, settingsOf(tg));
        }
      }
      return new Map(arns.flatMap((arn) => (groups.has(arn) ? [[arn, groups.get(arn) as TargetGroupSettings]] : [])));
    },
  };
}

function settingsOf(tg: {
  Protocol?: string;
  Port?: number;
  HealthCheckProtocol?: string;
  HealthCheckPath?: string;
  HealthCheckPort?: string;
  HealthCheckIntervalSeconds?: number;
  HealthyThresholdCount?: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}): TargetGroupSettings {
  const protocol = tg.HealthCheckProtocol ?? tg.Protocol ?? '?';
  const path = tg.HealthCheckPath ? ` ${tg.HealthCheckPath}` : '';
  const matcher = tg.Matcher?.HttpCode ?? tg.Matcher?.GrpcCode;
  const expects = matcher ? ` expects ${matcher}` : '';
  const port =
    tg.HealthCheckPort && tg.HealthCheckPort !== 'traffic-port' ? tg.HealthCheckPort : String(tg.Port ?? '?');
  return {
    // ELB defaults (ELB user guide, "Health checks for your target groups"): 30 s interval, 5 healthy checks.
    intervalS: tg.HealthCheckIntervalSeconds ?? 30,
    healthyThreshold: tg.HealthyThresholdCount ?? 5,
    summary: `${protocol}${path}${expects} on port ${port}, every ${tg.HealthCheckIntervalSeconds ?? '?'} s, healthy after ${tg.HealthyThresholdCount ?? '?'} passes`,
  };
}
