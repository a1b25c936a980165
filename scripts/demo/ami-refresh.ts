/**
 * Demo chapter: AMI refresh. An image baked from a reference instance rolls through the group (every replacement
 * through the lifecycle hooks), the new launch template version becomes the default and retention retires the oldest
 * fleetpilot-made image; then an image whose application never passes its health check: the launch hooks abandon
 * each replacement, the refresh fails and rolls back, and the image is rejected. (The rollback on a CloudWatch alarm
 * is tested in test/sim/scenarios/ami-refresh.test.ts.)
 */
import { apps } from '../../sim/apps';
import { FAILED_LAUNCHES_TO_FAIL } from '../../sim/autoscaling/instance-refresh';
import type { Simulation } from '../../sim/simulation';
import { type Chapter, HOUR } from './chapter';

/** The image the group runs at the start (version 1 of its launch template): last month's bake. */
export const CURRENT_IMAGE = `ami-0${'1'.repeat(16)}`;
/** The distribution image the reference instance was built from. */
const DISTRIBUTION_IMAGE = `ami-0${'d'.repeat(16)}`;
/** Instance refresh statuses that end a refresh (Auto Scaling API reference, InstanceRefresh.Status). */
const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

export const amiRefresh: Chapter = {
  prepare(_config, service, options) {
    const ami = service.amiRefresh;
    if (!ami || !('instance' in ami.source)) throw new Error(`the example config: ${service.name} bakes no images`);
    // The example names a reference instance and a launch template of an account we do not have: both are pointed at
    // the simulated account's in run(), once they exist. Two demo-sized changes: half the group may be replaced at
    // once (2 instances), and retention keeps only the newest image so that one is retired.
    ami.refresh = { ...ami.refresh, minHealthyPercentage: 50 };
    ami.retention = { keepNewest: 1, keepYoungerThanDays: 0 };
    options.launchTemplate = { imageId: CURRENT_IMAGE };
  },

  async run({ sim, timeline, service }) {
    const ami = service.amiRefresh;
    if (!ami || !('instance' in ami.source)) throw new Error(`the example config: ${service.name} bakes no images`);
    const group = service.autoScalingGroup;
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
    const first = await bakeAndRefresh(sim, service.name, 'manual-bake-1');
    let settled = await sim.settle(HOUR);
    if (first !== 'Successful') story.push(`the first refresh ended ${first ?? 'never'}, not Successful`);
    if (template.defaultVersion !== 2) story.push(`the default version is ${template.defaultVersion}, not 2`);
    if (sim.account.ec2.images.get(CURRENT_IMAGE)?.state !== 'deregistered') {
      story.push(`retention did not retire ${CURRENT_IMAGE}`);
    }

    timeline.heading('A second image whose application never passes its health check: the refresh rolls back');
    timeline.note(
      `a new release on ${reference.id} never answers its health check with 200; each replacement's launch hook is abandoned, and Auto Scaling fails the refresh after ${FAILED_LAUNCHES_TO_FAIL} failed launches in a row (the simulated account's count; AWS documents none)`,
    );
    timeline.note(`Invoke amiRefreshBake {"action":"bake","service":"${service.name}"}`);
    const abandonedBefore = abandonedLaunches(sim);
    const second = await bakeAndRefresh(sim, service.name, 'manual-bake-2', async (imageId) => {
      sim.account.ec2.images.setApp(imageId, apps.broken(500));
    });
    settled = (await sim.settle(HOUR)) && settled;
    if (second !== 'RollbackSuccessful') story.push(`the second refresh ended ${second ?? 'never'}, not rolled back`);
    if (template.defaultVersion !== 2) story.push(`the default version moved to ${template.defaultVersion}`);
    const abandoned = abandonedLaunches(sim) - abandonedBefore;
    if (abandoned < FAILED_LAUNCHES_TO_FAIL)
      story.push(`${abandoned} launches were abandoned, not ${FAILED_LAUNCHES_TO_FAIL}`);
    const failedNotice = sim.account.sns.published.find(
      (m) => m.attributes.kind?.StringValue === 'ami-refresh.refresh.failed' && /failed to launch/.test(m.message),
    );
    if (!failedNotice) story.push('no critical notification explains that the replacements failed to launch');
    const rejected = sim.account.ec2.images.list().filter((i) => i.tags.get('fleetpilot:rejected') === 'true');
    if (rejected.length !== 1) story.push(`${rejected.length} images are tagged rejected, not 1`);
    if (!settled) story.push('the AMI refresh did not settle within its time limit');
    return story;
  },
};

/**
 * Invokes amiRefreshBake by hand and runs virtual time until the instance refresh its image starts has ended
 * (`baked` runs once CreateImage has made the image, before it is available); returns the refresh's final status, or
 * undefined if none ended in time.
 */
async function bakeAndRefresh(
  sim: Simulation,
  service: string,
  requestId: string,
  baked?: (imageId: string) => Promise<void>,
): Promise<string | undefined> {
  const known = sim.account.autoscaling.refreshes.list().length;
  const latest = () => sim.account.autoscaling.refreshes.list()[known];
  const images = new Set(sim.account.ec2.images.list().map((i) => i.id));
  const fresh = () => sim.account.ec2.images.list().find((i) => !images.has(i.id));
  const invocation = sim.lambda.invokeDirect(
    'amiRefreshBake',
    { fleetpilot: 'ami-refresh', action: 'bake', service },
    requestId,
  );
  await sim.clock.runUntil(() => fresh() !== undefined, HOUR);
  const image = fresh();
  if (baked && image) await baked(image.id);
  await sim.clock.runUntil(() => latest() !== undefined, HOUR);
  const record = await invocation;
  if (record.outcome !== 'ok') throw new Error(`amiRefreshBake: ${record.outcome} ${record.error ?? ''}`);
  await sim.clock.runUntil(() => TERMINAL.has(latest()?.status ?? ''), 4 * HOUR);
  return latest()?.status;
}

/** How many launch lifecycle actions fleetpilot has abandoned so far (its critical lifecycle notices). */
function abandonedLaunches(sim: Simulation): number {
  return sim.account.sns.published.filter((m) => /abandon/i.test(m.attributes.kind?.StringValue ?? '')).length;
}
