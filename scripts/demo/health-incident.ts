/**
 * Demo chapter: a health incident. The application on one instance starts answering its health check with 404 (a
 * release moved the route). The load balancer marks the target unhealthy, the `unhealthy` alarm fires after
 * `unhealthyMinutes`, and fleetpilot explains why (the application answers, but not on the health-check path). After
 * `remediation.afterMinutes` the `persistent` alarm fires: the instance is the only unhealthy one, no refresh runs,
 * the hourly cap is not reached, so it is marked Unhealthy (SetInstanceHealth); Auto Scaling replaces it through the
 * lifecycle hooks (terminate: deregistered, drained, records removed; launch: registered, healthy, records written),
 * the alarm returns to OK and fleetpilot reports how long the incident lasted.
 */
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { alarmName, watchedGroups } from '../../functions/target-health/alarms';
import { apps } from '../../sim/apps';
import { attachSim } from '../../sim/plug';
import { LOAD_BALANCER_SECURITY_GROUP, type Simulation, targetGroupName } from '../../sim/simulation';
import { type Chapter, HOUR } from './chapter';

const MINUTE = 60_000;

/**
 * The load balancers the targetHealth sections name, in the simulated account with their target groups (the alarms'
 * LoadBalancer dimension must name a load balancer in front of the target group, or the metric has no data). A stack
 * that declares them already is left as it is; otherwise each is created with the config's ARN, the stack's load
 * balancer security group and an HTTP listener forwarding to the target group. Returns the ARNs it created.
 */
export async function ensureWatchedLoadBalancers(sim: Simulation): Promise<string[]> {
  const elbv2 = new ElasticLoadBalancingV2Client({ region: sim.account.region, maxAttempts: 1 });
  attachSim(elbv2, sim.account);
  const exists = async (arn: string): Promise<LoadBalancer | undefined> => {
    try {
      const out = await elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
      return out.LoadBalancers?.[0];
    } catch (error) {
      if ((error as Error).name === 'LoadBalancerNotFoundException') return undefined;
      throw error;
    }
  };
  const created: string[] = [];
  for (const group of watchedGroups(sim.config)) {
    if (await exists(group.loadBalancerArn)) continue;
    const tg = targetGroupName(group.targetGroupArn);
    const network = group.loadBalancerDimension.startsWith('net/');
    sim.account.elbv2.loadBalancers.create({
      name: group.loadBalancerDimension.split('/')[1] ?? tg,
      arn: group.loadBalancerArn,
      type: network ? 'network' : 'application',
      ...(network ? {} : { securityGroups: [sim.account.ec2.securityGroups.idOf(LOAD_BALANCER_SECURITY_GROUP)] }),
      listeners: [{ protocol: network ? 'TCP' : 'HTTP', port: 80, defaultAction: { forwardTo: tg } }],
      targetGroups: [tg],
    });
    created.push(group.loadBalancerArn);
  }
  return created;
}

/** The text an e-mail subscriber reads (the `email` body of a JSON-structured message, else the message). */
export function emailText(message: { message: string; messageStructure?: string }): string {
  if (message.messageStructure !== 'json') return message.message;
  const bodies = JSON.parse(message.message) as Record<string, string>;
  return bodies.email ?? bodies.default ?? '';
}

export const healthIncident: Chapter = {
  async run({ sim, timeline, service }) {
    const story: string[] = [];
    const watched = watchedGroups(sim.config).find((g) => g.service.name === service.name);
    if (!watched || !service.targetHealth?.remediation.enabled) {
      return [`the example config: ${service.name} has no targetHealth section with remediation`];
    }
    const { remediation, alarms } = service.targetHealth;
    const { stage } = sim.wiring;
    const names = {
      unhealthy: alarmName(stage, watched, 'unhealthy'),
      persistent: alarmName(stage, watched, 'persistent'),
    };
    timeline.heading(
      'Target health: an application starts failing its health check; fleetpilot explains why, replaces the instance, and reports the recovery',
    );
    for (const arn of await ensureWatchedLoadBalancers(sim))
      timeline.note(`load balancer ${arn} in front of ${watched.targetGroupArn}`);
    // A few minutes of data, so that the alarms are evaluated on what the load balancer reports.
    await sim.clock.advance(5 * MINUTE);
    await sim.settle(HOUR);
    const cloudWatch = sim.account.cloudWatch;
    for (const name of Object.values(names)) {
      if (cloudWatch.alarmState(name) !== 'OK')
        story.push(`alarm ${name} is ${cloudWatch.alarmState(name)}, not OK, before the incident`);
    }

    const group = service.autoScalingGroup;
    const inService = () =>
      (sim.account.autoscaling.view().find((g) => g.name === group)?.instances ?? []).filter(
        (i) => i.lifecycleState === 'InService',
      );
    const before = inService().map((i) => i.id);
    const victim = before[0];
    if (!victim) return [...story, `${group} has no instance in service for the health incident`];
    const published = sim.account.sns.published.length;
    const hooksBefore = sim.account.autoscaling.hookResults.length;
    const start = sim.clock.now();
    sim.account.apps.set(victim, apps.broken(404));
    timeline.note(
      `a release moves the application's routes: ${victim} now answers ${watched.targetGroupArn.split('/')[1]}'s health check with 404`,
    );
    const notices = () => sim.account.sns.published.slice(published);
    const kinds = () => notices().map((m) => m.attributes.kind?.StringValue ?? '');

    // The incident: alarm, diagnosis, remedy, replacement, recovery (the unhealthy alarm's OK is reported).
    const recovered = await sim.clock.runUntil(
      () => kinds().includes('target-health.alarm.recovered'),
      remediation.afterMinutes * MINUTE + 2 * HOUR,
      MINUTE,
    );
    await sim.settle(HOUR);
    if (!recovered) story.push('the health incident did not end with a recovery report within two hours');

    const diagnosis = notices().find((m) => m.attributes.kind?.StringValue === 'target-health.alarm.diagnosed');
    if (!diagnosis) story.push('no diagnosis was sent when the unhealthy alarm fired');
    else if (!/not on the health-check path/.test(emailText(diagnosis))) {
      story.push('the diagnosis does not say that the application answers, but not on the health-check path');
    }
    const remedy = notices().find((m) => m.attributes.kind?.StringValue === 'target-health.remedy.applied');
    if (!remedy) story.push(`${victim} was not marked Unhealthy (no target-health.remedy.applied)`);
    else if (!emailText(remedy).includes(victim)) story.push(`the remedy report does not name ${victim}`);
    if (kinds().includes('target-health.remedy.refused')) story.push('a remedy was refused');
    const recovery = notices().find((m) => m.attributes.kind?.StringValue === 'target-health.alarm.recovered');
    if (recovery && !/\d+ min/.test(emailText(recovery)))
      story.push('the recovery report does not say how long it lasted');

    const victimState = sim.account.ec2.get(victim)?.state;
    if (victimState !== 'terminated') story.push(`${victim} is ${victimState ?? 'gone'}, not terminated`);
    const hooks = sim.account.autoscaling.hookResults.slice(hooksBefore);
    const terminated = hooks.find(
      (h) => h.instanceId === victim && h.transition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    const launched = hooks.filter(
      (h) =>
        h.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING' &&
        h.result === 'CONTINUE' &&
        !before.includes(h.instanceId),
    );
    if (terminated?.result !== 'CONTINUE') story.push(`${victim} did not leave through the terminate hook`);
    if (launched.length !== 1) story.push(`${launched.length} replacements went through the launch hook, not 1`);
    else timeline.note(`${launched[0]?.instanceId} replaced ${victim} through the lifecycle hooks`);
    if (inService().length !== before.length)
      story.push(`${group} has ${inService().length} instances in service, not ${before.length}`);
    for (const name of Object.values(names)) {
      if (cloudWatch.alarmState(name) !== 'OK')
        story.push(`alarm ${name} is ${cloudWatch.alarmState(name)} after the incident, not OK`);
    }
    timeline.note(
      `incident over after ${Math.round((sim.clock.now() - start) / MINUTE)} virtual minutes (alarm after ${alarms.unhealthyMinutes} min, remedy after ${remediation.afterMinutes} min, at most ${remediation.maxPerHour} per hour)`,
    );
    return story;
  },
};
