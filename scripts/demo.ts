/**
 * The README's main command: a scripted week on the simulated account, with fleetpilot's real handlers wired as
 * serverless.yml wires them, using fleetpilot.example.yml. No AWS account, no network.
 *
 *   npm run demo [-- --seed 7]
 *
 * The story is told in chapters (scripts/demo/*.ts, in the order of `chapters` below), each a part of the week on one
 * simulation; then every notification as an e-mail subscriber reads it, and the summary.
 *
 * Exits 1 when an invariant breaks (see sim/invariants.ts) or a chapter did not happen as told.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load';
import { checkInvariants } from '../sim/invariants';
import { type SimulationOptions, startSimulation } from '../sim/simulation';
import { Timeline } from '../sim/timeline';
import { amiRefresh } from './demo/ami-refresh';
import type { Chapter } from './demo/chapter';
import { lifecycleDay } from './demo/lifecycle-day';
import { scheduledDay } from './demo/scheduled-day';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The week, in order. */
const chapters: readonly Chapter[] = [lifecycleDay, amiRefresh, scheduledDay];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '2026' } } });
  const wallStart = performance.now();
  const configFile = 'fleetpilot.example.yml';
  const config = loadConfig(configFile);
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const write = (line: string) => process.stdout.write(`${line}\n`);

  let timeline: Timeline | undefined;
  const options: SimulationOptions = {
    config,
    configFile,
    seed: values.seed ?? '2026',
    initialCapacity: 2,
    onInvocation: (record) => timeline?.onInvocation(record),
  };
  for (const chapter of chapters) chapter.prepare?.(config, service, options);
  const sim = startSimulation(options);
  try {
    const shown = new Timeline(sim.account, { colour, write });
    timeline = shown;
    write(
      `fleetpilot demo: service "${service.name}", Auto Scaling group ${service.autoScalingGroup}, example config ${configFile}`,
    );
    write(
      `Simulated account ${sim.account.accountId} in ${sim.account.region}; virtual clock from ${new Date(sim.clock.now()).toISOString()}.`,
    );

    const story: string[] = [];
    for (const chapter of chapters) story.push(...(await chapter.run({ sim, timeline: shown, service, write })));
    const violations = [...checkInvariants(sim), ...story];

    shown.heading('Notifications, as an e-mail subscriber reads them');
    shown.printEmails();

    shown.heading('Summary');
    shown.printSummary(violations);
    write(`  Wall time             ${Math.round(performance.now() - wallStart)} ms`);
    return violations.length === 0 ? 0 : 1;
  } finally {
    sim.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
