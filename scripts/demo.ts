/**
 * The README's main command: a scripted day on the simulated account, with fleetpilot's real handlers wired as
 * serverless.yml wires them, using fleetpilot.example.yml. No AWS account, no network.
 *
 *   npm run demo [-- --seed 7]
 *
 * After the lifecycle part, an AMI refresh: an image baked from a reference instance rolls through the group (every
 * replacement through the lifecycle hooks), the new launch template version becomes the default and retention retires
 * the oldest fleetpilot-made image; then an image whose release fails real requests is rolled back by the refresh's
 * CloudWatch alarm and rejected.
 *
 * Exits 1 when an invariant breaks (see sim/invariants.ts) or the story did not happen as told.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config/load';
import { apps } from '../sim/apps';
import { checkInvariants } from '../sim/invariants';
import { type Simulation, startSimulation } from '../sim/simulation';
import { Timeline } from '../sim/timeline';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const HOUR = 3_600_000;
/** The image the group runs at the start (version 1 of its launch template): last month's bake. */
const CURRENT_IMAGE = `ami-0${'1'.repeat(16)}`;
/** The distribution image the reference instance was built from. */
const DISTRIBUTION_IMAGE = `ami-0${'d'.repeat(16)}`;
/** Instance refresh statuses that end a refresh (Auto Scaling API reference, InstanceRefresh.Status). */
const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seed: { type: 'string', default: '2026' } } });
  const wallStart = performance.now();
  const configFile = 'fleetpilot.example.yml';
  const config = loadConfig(configFile);
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const group = service.autoScalingGroup;
  const ami = service.amiRefresh;
  if (!ami || !('instance' in ami.source)) throw new Error(`${configFile}: ${service.name} bakes no images`);
  // The example names a reference instance and a launch template of an account we do not have: both are pointed at
  // the simulated account's below, once they exist. The rest is the example's, with three demo-sized changes: half
  // the group may be replaced at once (2 instances), a CloudWatch alarm on 5xx guards the refresh, and retention
  // keeps only the newest image so that one is retired.
  const alarm = `${service.name}-5xx`;
  ami.refresh = { ...ami.refresh, minHealthyPercentage: 50, alarms: [alarm] };
  ami.retention = { keepNewest: 1, keepYoungerThanDays: 0 };
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const write = (line: string) => process.stdout.write(`${line}\n`);

  let timeline: Timeline | undefined;
  const sim = startSimulation({
    config,
    configFile,
    seed: values.seed ?? '2026',
    initialCapacity: 2,
    launchTemplate: { imageId: CURRENT_IMAGE },
    onInvocation: (record) => timeline?.onInvocation(record),
  });
  try {
    const shown = new Timeline(sim.account, { colour, write });
    timeline = shown;
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
    let settled = await sim.settle(4 * 3_600_000);

    const story: string[] = [];
    const template = sim.account.ec2.launchTemplates.byName(`${group}-lt`);
    if (!template) throw new Error(`the simulated account has no launch template ${group}-lt`);
    ami.launchTemplate = { id: template.id };
    const reference = sim.account.ec2.launch({
      subnetId: sim.account.ec2.get(sim.account.autoscaling.view()[0]?.instances[0]?.id ?? '')?.subnetId ?? '',
      imageId: DISTRIBUTION_IMAGE,
      instanceType: 't3.micro',
      tags: { Name: `${service.name}-reference` },
      app: apps.healthy(),
      alreadyRunning: true,
    });
    ami.source = { instance: { ...ami.source.instance, instanceId: reference.id } };
    const current = sim.account.ec2.images.get(CURRENT_IMAGE);
    current?.tags.set('fleetpilot:service', service.name);
    current?.tags.set('fleetpilot:source', reference.id);

    timeline.heading(
      'AMI refresh: a new image is baked, rolled through the group, made the default; the old one retired',
    );
    timeline.note(
      `reference instance ${reference.id}; the group runs ${CURRENT_IMAGE} (last month's bake) from ${template.id} version 1`,
    );
    timeline.note(`Invoke amiRefreshBake {"action":"bake","service":"${service.name}"} (as npm run invoke does)`);
    const first = await bakeAndRefresh(sim, 'manual-bake-1');
    settled = (await sim.settle(HOUR)) && settled;
    if (first !== 'Successful') story.push(`the first refresh ended ${first ?? 'never'}, not Successful`);
    if (template.defaultVersion !== 2) story.push(`the default version is ${template.defaultVersion}, not 2`);
    if (sim.account.ec2.images.get(CURRENT_IMAGE)?.state !== 'deregistered') {
      story.push(`retention did not retire ${CURRENT_IMAGE}`);
    }

    timeline.heading('A second image whose release fails real requests: the refresh rolls back on its 5xx alarm');
    timeline.note(
      `a new release on ${reference.id} answers the health check but fails real requests (CloudWatch alarm ${alarm} on 5xx)`,
    );
    timeline.note(`Invoke amiRefreshBake {"action":"bake","service":"${service.name}"}`);
    const before = new Set(sim.account.autoscaling.view()[0]?.instances.map((i) => i.id));
    const second = await bakeAndRefresh(sim, 'manual-bake-2', async () => {
      // The first replacement takes traffic, its 5xx rate crosses the alarm's threshold.
      const replaced = () =>
        sim.account.autoscaling.view()[0]?.instances.find((i) => !before.has(i.id) && i.lifecycleState === 'InService');
      await sim.clock.runUntil(() => replaced() !== undefined, 3 * HOUR);
      sim.account.autoscaling.refreshes.setAlarmState(alarm, 'ALARM');
      shown.note(`CloudWatch alarm ${alarm} -> ALARM (5xx from ${replaced()?.id ?? '?'})`);
    });
    sim.account.autoscaling.refreshes.setAlarmState(alarm, 'OK');
    settled = (await sim.settle(HOUR)) && settled;
    if (second !== 'RollbackSuccessful') story.push(`the second refresh ended ${second ?? 'never'}, not rolled back`);
    if (template.defaultVersion !== 2) story.push(`the default version moved to ${template.defaultVersion}`);
    const rejected = sim.account.ec2.images.list().filter((i) => i.tags.get('fleetpilot:rejected') === 'true');
    if (rejected.length !== 1) story.push(`${rejected.length} images are tagged rejected, not 1`);

    const violations = [...checkInvariants(sim), ...story];
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

/**
 * Invokes amiRefreshBake by hand and runs virtual time until the instance refresh its image starts has ended
 * (`during` runs once the refresh exists); returns its final status, or undefined if none ended in time.
 */
async function bakeAndRefresh(
  sim: Simulation,
  requestId: string,
  during?: () => Promise<void>,
): Promise<string | undefined> {
  const service = sim.config.services[0]?.name ?? '';
  const known = sim.account.autoscaling.refreshes.list().length;
  const latest = () => sim.account.autoscaling.refreshes.list()[known];
  const invocation = sim.lambda.invokeDirect(
    'amiRefreshBake',
    { fleetpilot: 'ami-refresh', action: 'bake', service },
    requestId,
  );
  await sim.clock.runUntil(() => latest() !== undefined, HOUR);
  const record = await invocation;
  if (record.outcome !== 'ok') throw new Error(`amiRefreshBake: ${record.outcome} ${record.error ?? ''}`);
  if (during) await during();
  await sim.clock.runUntil(() => TERMINAL.has(latest()?.status ?? ''), 4 * HOUR);
  return latest()?.status;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
