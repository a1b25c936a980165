/**
 * Seeded fault scenarios on the simulated account, shared by the randomized fault suite (jest) and `npm run faults`.
 *
 * A scenario starts a group at two instances through the lifecycle hooks, scales out to a peak (some launches with a
 * broken application), then scales in to one, under a fault profile drawn from its seed: throttling, 5xx, duplicated
 * and delayed (reordered) EventBridge delivery, and crashing first attempts. After it has settled, the invariants of
 * sim/invariants.ts are checked. The same seed gives the same profile and the same run.
 */
import type { FleetpilotConfig } from '../shared/config/schema';
import { apps } from './apps';
import { checkInvariants } from './invariants';
import { SeededRandom } from './random';
import { type Simulation, startSimulation } from './simulation';

const HOUR = 3_600_000;

export interface FaultProfile {
  throttleRate: number;
  serverErrorRate: number;
  duplicateRate: number;
  delayRate: number;
  delayMs: number;
  crashRate: number;
  brokenLaunches: number;
  peak: number;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** The fault profile of one seed (deterministic). */
export function faultProfileFor(seed: number): FaultProfile {
  const dice = new SeededRandom(`fault-profile:${seed}`);
  return {
    throttleRate: round(dice.next() * 0.3),
    serverErrorRate: round(dice.next() * 0.1),
    duplicateRate: round(dice.next() * 0.5),
    delayRate: round(dice.next() * 0.5),
    delayMs: 1_000 + dice.int(90_000),
    crashRate: round(dice.next() * 0.3),
    brokenLaunches: dice.int(2),
    peak: 3 + dice.int(3),
  };
}

export interface FaultScenarioResult {
  seed: number;
  profile: FaultProfile;
  /** Invariant violations and steps that did not settle; empty when the scenario passed. */
  violations: string[];
}

/** Runs one seeded scenario to the end and stops its simulation, whatever happens. */
export async function runFaultScenario(config: FleetpilotConfig, seed: number): Promise<FaultScenarioResult> {
  const profile = faultProfileFor(seed);
  const group = config.services[0]?.autoScalingGroup;
  if (group === undefined) throw new RangeError('runFaultScenario: the config declares no service');
  let sim: Simulation | undefined;
  try {
    sim = startSimulation({ config, seed, initialCapacity: 2, crashRate: profile.crashRate });
    sim.account.faults
      .throttle({ rate: profile.throttleRate })
      .serverErrors({ rate: profile.serverErrorRate, status: 503 })
      .eventDelivery({ duplicateRate: profile.duplicateRate, delayRate: profile.delayRate, delayMs: profile.delayMs });
    const settled: boolean[] = [];
    settled.push(await sim.settle(2 * HOUR));
    sim.account.apps.nextLaunches(profile.brokenLaunches, apps.broken(500));
    sim.account.autoscaling.setDesiredCapacity(group, profile.peak);
    settled.push(await sim.settle(4 * HOUR));
    sim.account.autoscaling.setDesiredCapacity(group, 1);
    settled.push(await sim.settle(4 * HOUR));
    const violations = checkInvariants(sim);
    settled.forEach((ok, step) => {
      if (!ok) violations.push(`step ${step + 1} did not settle`);
    });
    return { seed, profile, violations };
  } finally {
    sim?.stop();
  }
}
