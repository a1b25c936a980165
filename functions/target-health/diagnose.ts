/**
 * Everything AWS knows about a watched target group at this moment, read (never written): target health with reason
 * codes, the health-check settings, the load balancer's security groups, the instances' Auto Scaling states and
 * their security groups, the group's recent scaling activities and instance refreshes. Then the verdict and one
 * explanation per target that is not healthy (explain.ts).
 */
import {
  type Activity,
  type AutoScalingClient,
  type AutoScalingInstanceDetails,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScalingActivitiesCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Instance,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { WatchedGroup } from './alarms';
import {
  type Explanation,
  explainTarget,
  type GroupVerdict,
  groupVerdict,
  type HealthCheckSettings,
  type RefreshFacts,
  type TargetFacts,
} from './explain';
import { portAccess } from './security-groups';

export interface DiagnosisClients {
  elbv2: ElasticLoadBalancingV2Client;
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
}

export interface TargetDiagnosis extends TargetFacts, Explanation {
  /** From DescribeInstances: when the instance was launched. */
  launchTime?: Date;
  /** Auto Scaling's health status of the instance (HEALTHY / UNHEALTHY) and the group it is in. */
  autoScalingHealth?: string;
  autoScalingGroup?: string;
}

export interface Diagnosis {
  healthCheck: HealthCheckSettings;
  targets: TargetDiagnosis[];
  verdict: GroupVerdict;
  /** The latest refresh that is still running, if any. */
  activeRefresh?: RefreshFacts;
  /** The group's recent scaling activities, newest first (DescribeScalingActivities). */
  activities: Activity[];
  loadBalancerGroups: string[];
}

/** Instance refresh statuses that mean "still running" (Auto Scaling API reference, InstanceRefresh.Status). */
export const ACTIVE_REFRESH = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/** DescribeAutoScalingInstances takes at most 50 ids per call (Auto Scaling API reference). */
const ASG_IDS_PER_CALL = 50;

const isInstanceId = (id: string) => /^i-[0-9a-f]{8,17}$/.test(id);

function healthCheckOf(tg: TargetGroup | undefined, trafficPort: number): HealthCheckSettings {
  const port = tg?.HealthCheckPort && tg.HealthCheckPort !== 'traffic-port' ? Number(tg.HealthCheckPort) : trafficPort;
  const matcher = tg?.Matcher?.HttpCode ?? tg?.Matcher?.GrpcCode;
  return {
    protocol: tg?.HealthCheckProtocol ?? tg?.Protocol ?? 'HTTP',
    port,
    ...(tg?.HealthCheckPath ? { path: tg.HealthCheckPath } : {}),
    ...(matcher ? { matcher } : {}),
    intervalSeconds: tg?.HealthCheckIntervalSeconds ?? 30,
    timeoutSeconds: tg?.HealthCheckTimeoutSeconds ?? 5,
    healthyThreshold: tg?.HealthyThresholdCount ?? 5,
    unhealthyThreshold: tg?.UnhealthyThresholdCount ?? 2,
  };
}

async function autoScalingStates(
  autoScaling: AutoScalingClient,
  ids: string[],
): Promise<Map<string, AutoScalingInstanceDetails>> {
  const states = new Map<string, AutoScalingInstanceDetails>();
  for (let i = 0; i < ids.length; i += ASG_IDS_PER_CALL) {
    const out = await autoScaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: ids.slice(i, i + ASG_IDS_PER_CALL) }),
    );
    for (const d of out.AutoScalingInstances ?? []) if (d.InstanceId) states.set(d.InstanceId, d);
  }
  return states;
}

function activeRefreshOf(refreshes: readonly InstanceRefresh[]): RefreshFacts | undefined {
  const r = refreshes.find((x) => x.Status && ACTIVE_REFRESH.has(x.Status));
  if (!r?.InstanceRefreshId || !r.Status) return undefined;
  return { id: r.InstanceRefreshId, status: r.Status, ...(r.StartTime ? { startTime: r.StartTime } : {}) };
}

export async function diagnose(group: WatchedGroup, clients: DiagnosisClients, now: number): Promise<Diagnosis> {
  const { elbv2, autoScaling, ec2 } = clients;
  const asgName = group.service.autoScalingGroup;
  const [health, groups, balancers, activities, refreshes] = await Promise.all([
    elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.targetGroupArn })),
    elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [group.targetGroupArn] })),
    elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [group.loadBalancerArn] })),
    autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: asgName, MaxRecords: 50 })),
    autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName, MaxRecords: 5 })),
  ]);
  const tg = groups.TargetGroups?.[0];
  const loadBalancerGroups = balancers.LoadBalancers?.[0]?.SecurityGroups ?? [];
  const descriptions = health.TargetHealthDescriptions ?? [];
  const instanceIds = descriptions.map((d) => d.Target?.Id ?? '').filter(isInstanceId);
  const states = instanceIds.length > 0 ? await autoScalingStates(autoScaling, instanceIds) : new Map();

  // Security groups and launch times of the targets that are not healthy.
  const troubled = descriptions
    .filter((d) => d.TargetHealth?.State !== 'healthy')
    .map((d) => d.Target?.Id ?? '')
    .filter(isInstanceId);
  const instances = new Map<string, Instance>();
  const securityGroups = new Map<string, SecurityGroup>();
  if (troubled.length > 0) {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: troubled }));
    for (const r of out.Reservations ?? [])
      for (const i of r.Instances ?? []) if (i.InstanceId) instances.set(i.InstanceId, i);
    const groupIds = [
      ...new Set([...instances.values()].flatMap((i) => (i.SecurityGroups ?? []).map((g) => g.GroupId ?? ''))),
    ].filter((id) => id !== '');
    if (groupIds.length > 0 && loadBalancerGroups.length > 0) {
      const sg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }));
      for (const g of sg.SecurityGroups ?? []) if (g.GroupId) securityGroups.set(g.GroupId, g);
    }
  }

  const trafficPortOf = (port: number | undefined) => port ?? tg?.Port ?? 80;
  const firstPort = trafficPortOf(descriptions[0]?.Target?.Port);
  const healthCheck = healthCheckOf(tg, firstPort);

  const targets: TargetDiagnosis[] = descriptions.map((d) => {
    const id = d.Target?.Id ?? '?';
    const port = trafficPortOf(d.Target?.Port);
    const asg = states.get(id);
    const instance = instances.get(id);
    const hc = healthCheckOf(tg, port);
    const instanceGroupIds = (instance?.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter((g) => g !== '');
    const known = instanceGroupIds.map((g) => securityGroups.get(g)).filter((g): g is SecurityGroup => !!g);
    // Only when the load balancer has security groups (an NLB may have none) and the instance's groups were read.
    const access =
      loadBalancerGroups.length > 0 && known.length > 0
        ? {
            traffic: portAccess(known, loadBalancerGroups, port),
            healthCheck: portAccess(known, loadBalancerGroups, hc.port),
            instanceGroups: instanceGroupIds,
            loadBalancerGroups,
          }
        : undefined;
    const facts: TargetFacts = {
      targetId: id,
      port,
      state: d.TargetHealth?.State ?? 'unknown',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
      ...(asg?.LifecycleState ? { lifecycleState: asg.LifecycleState } : {}),
      ...(access ? { access } : {}),
    };
    return {
      ...facts,
      ...explainTarget(facts, hc),
      ...(instance?.LaunchTime ? { launchTime: instance.LaunchTime } : {}),
      ...(asg?.HealthStatus ? { autoScalingHealth: asg.HealthStatus } : {}),
      ...(asg?.AutoScalingGroupName ? { autoScalingGroup: asg.AutoScalingGroupName } : {}),
    };
  });
  const activeRefresh = activeRefreshOf(refreshes.InstanceRefreshes ?? []);
  return {
    healthCheck,
    targets,
    verdict: groupVerdict(targets, activeRefresh, group.service.targetHealth.remediation.maxUnhealthyShare, now),
    ...(activeRefresh ? { activeRefresh } : {}),
    activities: activities.Activities ?? [],
    loadBalancerGroups,
  };
}

/** The facts of a diagnosis as notification lines. */
export function diagnosisFacts(d: Diagnosis): [string, string][] {
  const hc = d.healthCheck;
  const facts: [string, string][] = [
    [
      'Health check',
      `${hc.protocol} port ${hc.port}${hc.path ? ` ${hc.path}` : ''}${hc.matcher ? ` expects ${hc.matcher}` : ''}, every ${hc.intervalSeconds} s, timeout ${hc.timeoutSeconds} s, healthy after ${hc.healthyThreshold}, unhealthy after ${hc.unhealthyThreshold}`,
    ],
    ['Verdict', d.verdict.explanation],
    ['Next step', d.verdict.nextStep],
  ];
  if (d.activeRefresh) facts.push(['Instance refresh', `${d.activeRefresh.id} (${d.activeRefresh.status})`]);
  for (const t of d.targets.filter((x) => x.state !== 'healthy')) {
    const where = t.lifecycleState ? `, Auto Scaling ${t.lifecycleState}` : '';
    facts.push([
      `${t.targetId}:${t.port}`,
      `${t.state}${t.reason ? ` (${t.reason}${t.description ? `: ${t.description}` : ''})` : ''}${where}. ${t.explanation} Next: ${t.nextStep}`,
    ]);
  }
  const healthy = d.targets.filter((x) => x.state === 'healthy').length;
  facts.push(['Healthy targets', `${healthy} of ${d.targets.length}`]);
  return facts;
}
