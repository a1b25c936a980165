/**
 * Many seeded fault scenarios in one process (sim/fault-scenarios.ts), each checked against sim/invariants.ts.
 *
 *   npm run faults -- --scenarios 1000 [--first-seed 1]
 *
 * Prints every violation (0 expected) and the real time per scenario at scenarios 10, 100, 200 and 1000: the time of
 * that scenario, the mean of the ten scenarios up to it, and a re-run of one reference seed at that point, which is
 * the same work every time, so a process that slows down as it goes (a leak) shows as a growing number.
 * Exits 1 when any scenario broke an invariant.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load';
import { runFaultScenario } from '../sim/fault-scenarios';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const CHECKPOINTS = [10, 100, 200, 500, 1000, 2000, 5000];
const REFERENCE_SEED = 10;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { scenarios: { type: 'string', default: '1000' }, 'first-seed': { type: 'string', default: '1' } },
  });
  const count = Number(values.scenarios);
  const firstSeed = Number(values['first-seed']);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`--scenarios must be a positive integer`);
  if (!Number.isInteger(firstSeed)) throw new RangeError(`--first-seed must be an integer`);
  const config = loadConfig('fleetpilot.example.yml');
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write(`fault scenarios: seeds ${firstSeed}..${firstSeed + count - 1}, one process`);

  const times: number[] = [];
  let violations = 0;
  let failedScenarios = 0;
  const wallStart = performance.now();
  for (let n = 1; n <= count; n++) {
    const seed = firstSeed + n - 1;
    const { value: result, ms } = await timed(() => runFaultScenario(config, seed));
    times.push(ms);
    if (result.violations.length > 0) {
      failedScenarios++;
      violations += result.violations.length;
      write(`  seed ${seed} ${JSON.stringify(result.profile)}`);
      for (const violation of result.violations) write(`    ${violation}`);
    }
    if (CHECKPOINTS.includes(n) || n === count) {
      const last10 = times.slice(-10);
      const mean = last10.reduce((a, b) => a + b, 0) / last10.length;
      const reference = await timed(() => runFaultScenario(config, REFERENCE_SEED));
      write(
        `  scenario ${String(n).padStart(5)}: ${ms.toFixed(0).padStart(5)} ms; mean of the last ${last10.length}: ${mean.toFixed(0).padStart(5)} ms; reference seed ${REFERENCE_SEED} re-run: ${reference.ms.toFixed(0).padStart(5)} ms`,
      );
    }
  }
  const seconds = ((performance.now() - wallStart) / 1000).toFixed(1);
  write(`${count} scenarios in ${seconds} s: ${failedScenarios} with violations, ${violations} violations`);
  return violations === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
