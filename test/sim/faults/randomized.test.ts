/**
 * The randomized fault suite: many seeded scenarios on the simulated account (sim/fault-scenarios.ts), each with its
 * own mix of throttling, server errors, duplicated and delayed (reordered) event delivery, and crashing first
 * attempts. The invariants of sim/invariants.ts must hold in every one. The same seeds give the same runs;
 * FLEETPILOT_FAULT_SCENARIOS changes the count (default 30). `npm run faults -- --scenarios 1000` runs many more.
 */
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { type FaultScenarioResult, faultProfileFor, runFaultScenario } from '../../../sim/fault-scenarios';

const SCENARIOS = Number(process.env.FLEETPILOT_FAULT_SCENARIOS ?? 30);
const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));

describe('randomized fault suite', () => {
  it(`keeps every invariant in ${SCENARIOS} seeded scenarios with throttling, 5xx, duplicates, reordering and crashes`, async () => {
    const failures: FaultScenarioResult[] = [];
    const started = performance.now();
    for (let seed = 1; seed <= SCENARIOS; seed++) {
      const result = await runFaultScenario(config, seed);
      if (result.violations.length > 0) failures.push(result);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `fault suite: ${SCENARIOS} scenarios in ${seconds} s, ${failures.length} with violations, ${failures.reduce((n, f) => n + f.violations.length, 0)} violations\n`,
    );

    expect(failures).toEqual([]);
  }, 240_000);

  it('draws the same fault profile for the same seed and different ones for different seeds', () => {
    expect(faultProfileFor(3)).toEqual(faultProfileFor(3));
    expect(faultProfileFor(3)).not.toEqual(faultProfileFor(4));
  });
});
