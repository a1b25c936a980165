/**
 * Target health on the simulated account, for the health scenarios: the example config (targetHealth on web-http
 * behind app/web, unhealthyMinutes 3, remediation after 10 min, at most 1 per hour, share 0.5), the stack's alarms
 * (serverless.yml), the watched load balancer, and a group of instances in service long enough to be remedied.
 */
import { join } from 'node:path';
import { AutoScalingClient, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { alarmName, watchedGroups } from '../../functions/target-health/alarms';
import type { TargetHealthKind } from '../../functions/target-health/report';
import { ensureWatchedLoadBalancers } from '../../scripts/demo/health-incident';
import { loadConfig } from '../../shared/config/load';
import { attachSim } from '../../sim/plug';
import { type Simulation, type SimulationOptions, startSimulation } from '../../sim/simulation';
import type { PublishedMessage } from '../../sim/sns';

export const EXAMPLE = join(__dirname, '..', '..', 'fleetpilot.example.yml');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export interface HealthSim {
  sim: Simulation;
  group: string;
  alarms: { unhealthy: string; persistent: string; healthyLow: string };
  inService(): string[];
  /** Notifications of target health since the start of the scenario. */
  notices(kind?: TargetHealthKind): PublishedMessage[];
  /** The e-mail text of a notification. */
  text(message: PublishedMessage): string;
  /** The group's scaling activities caused by a user health check (SetInstanceHealth Unhealthy). */
  userHealthChecks(): Promise<number>;
  /** Advance in steps of a minute until `done`, at most `maxMs`. */
  until(done: () => boolean, maxMs: number): Promise<boolean>;
}

export async function startHealthSim(
  seed: string,
  options: Partial<Omit<SimulationOptions, 'config' | 'seed'>> = {},
): Promise<HealthSim> {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  const watched = watchedGroups(config)[0];
  if (!service || !watched) throw new Error('the example config watches no target group');
  const sim = startSimulation({ config, seed, initialCapacity: 4, ...options });
  try {
    await ensureWatchedLoadBalancers(sim);
    if (!(await sim.settle(HOUR))) throw new Error('the group did not settle');
    // Past the remediation's minimum age, with the alarms evaluated on data.
    await sim.clock.advance(15 * MINUTE);
  } catch (error) {
    sim.stop();
    throw error;
  }
  const published = sim.account.sns.published.length;
  const autoScaling = new AutoScalingClient({ region: sim.account.region, maxAttempts: 1 });
  attachSim(autoScaling, sim.account);
  const group = service.autoScalingGroup;
  const text = (message: PublishedMessage): string => {
    if (message.messageStructure !== 'json') return message.message;
    const bodies = JSON.parse(message.message) as Record<string, string>;
    return bodies.email ?? bodies.default ?? '';
  };
  return {
    sim,
    group,
    alarms: {
      unhealthy: alarmName(sim.wiring.stage, watched, 'unhealthy'),
      persistent: alarmName(sim.wiring.stage, watched, 'persistent'),
      healthyLow: alarmName(sim.wiring.stage, watched, 'healthy-low'),
    },
    inService: () =>
      (sim.account.autoscaling.view().find((g) => g.name === group)?.instances ?? [])
        .filter((i) => i.lifecycleState === 'InService')
        .map((i) => i.id),
    notices: (kind) =>
      sim.account.sns.published
        .slice(published)
        .filter((m) => (m.attributes.kind?.StringValue ?? '').startsWith(kind ?? 'target-health.')),
    text,
    userHealthChecks: async () => {
      const out = await autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: group }));
      return (out.Activities ?? []).filter((a) => /in response to a user health-check/.test(a.Cause ?? '')).length;
    },
    until: (done, maxMs) => sim.clock.runUntil(done, maxMs, MINUTE),
  };
}
