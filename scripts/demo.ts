/**
 * The README's main command: a scripted day on the simulated account, with fleetpilot's real handlers wired as
 * serverless.yml wires them, using fleetpilot.example.yml. No AWS account, no network.
 *
 *   npm run demo [-- --seed 7]
 *
 * Exits 1 when an invariant breaks (see sim/invariants.ts).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load';
import { apps } from '../sim/apps';
import { checkInvariants } from '../sim/invariants';
import { startSimulation } from '../sim/simulation';
import { Timeline } from '../sim/timeline';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '2026' } } });
  const wallStart = performance.now();
  const configFile = 'fleetpilot.example.yml';
  const config = loadConfig(configFile);
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const group = service.autoScalingGroup;
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const write = (line: string) => process.stdout.write(`${line}\n`);

  let timeline: Timeline | undefined;
  const sim = startSimulation({
    config,
    configFile,
    seed: values.seed ?? '2026',
    initialCapacity: 2,
    onInvocation: (record) => timeline?.onInvocation(record),
  });
  try {
    timeline = new Timeline(sim.account, { colour, write });
    write(`fleetpilot demo: service "${service.name}", Auto Scaling group ${group}, example config ${configFile}`);
    write(
      `Simulated account ${sim.account.accountId} in ${sim.account.region}; virtual clock from ${new Date(sim.clock.now()).toISOString()}.`,
    );

    timeline.heading(`The group starts with 2 instances; each goes through the launch hook`);
    await sim.settle(3_600_000);

    timeline.heading('Scale out 2 -> 4; the application on the fourth instance never answers its health check');
    sim.account.apps.nextLaunches(1, apps.healthy());
    sim.account.apps.nextLaunches(1, apps.broken('timeout'));
    sim.account.autoscaling.setDesiredCapacity(group, 4);
    timeline.note(`SetDesiredCapacity ${group} 4`);
    await sim.settle(4 * 3_600_000);

    timeline.heading('Scale in 4 -> 2: instances are deregistered, drained and removed from DNS');
    sim.account.autoscaling.setDesiredCapacity(group, 2);
    timeline.note(`SetDesiredCapacity ${group} 2`);
    const settled = await sim.settle(4 * 3_600_000);

    const violations = checkInvariants(sim);
    if (!settled) violations.push('the simulation did not settle within its time limit');

    timeline.heading('Notifications, as an e-mail subscriber reads them');
    timeline.printEmails();

    timeline.heading('Summary');
    timeline.printSummary(violations);
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
