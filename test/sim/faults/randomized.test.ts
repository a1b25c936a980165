/**
 * The randomized fault suite: many seeded scenarios on the simulated account, each with its own mix of throttling,
 * server errors, duplicated and delayed (reordered) event delivery, and crashing first attempts. The invariants of
 * sim/invariants.ts must hold in every one. The same seeds give the same runs; FLEETPILOT_FAULT_SCENARIOS changes
 * the count (default 30).
 */
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { apps } from '../../../sim/apps';
import { checkInvariants } from '../../../sim/invariants';
import { SeededRandom } from '../../../sim/random';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const SCENARIOS = Number(process.env.FLEETPILOT_FAULT_SCENARIOS ?? 30);
const HOUR = 3_600_000;
const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));
const group = config.services[0]?.autoScalingGroup ?? '';

interface Profile {
  throttleRate: number;
  serverErrorRate: number;
  duplicateRate: number;
  delayRate: number;
  delayMs: number;
  crashRate: number;
  brokenLaunches: number;
  peak: number;
}

function profileFor(seed: number): Profile {
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

async function runScenario(seed: number, profile: Profile): Promise<string[]> {
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
    return violations;
  } finally {
    sim?.stop();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

describe('randomized fault suite', () => {
  it(`keeps every invariant in ${SCENARIOS} seeded scenarios with throttling, 5xx, duplicates, reordering and crashes`, async () => {
    const failures: { seed: number; profile: Profile; violations: string[] }[] = [];
    const started = performance.now();
    for (let seed = 1; seed <= SCENARIOS; seed++) {
      const profile = profileFor(seed);
      const violations = await runScenario(seed, profile);
      if (violations.length > 0) failures.push({ seed, profile, violations });
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `fault suite: ${SCENARIOS} scenarios in ${seconds} s, ${failures.length} with violations, ${failures.reduce((n, f) => n + f.violations.length, 0)} violations\n`,
    );

    expect(failures).toEqual([]);
  }, 240_000);

  it('draws the same fault profile for the same seed and different ones for different seeds', () => {
    expect(profileFor(3)).toEqual(profileFor(3));
    expect(profileFor(3)).not.toEqual(profileFor(4));
  });
});
