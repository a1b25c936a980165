/**
 * Demo chapter: AMI refresh. An image baked from a reference instance rolls through the group (every replacement
 * through the lifecycle hooks), the new launch template version becomes the default and retention retires the oldest
 * fleetpilot-made image; then an image whose release fails real requests is rolled back by the refresh's CloudWatch
 * alarm and rejected.
 */
import { apps } from '../../sim/apps';
import type { Simulation } from '../../sim/simulation';
import { type Chapter, HOUR } from './chapter';

/** The image the group runs at the start (version 1 of its launch template): last month's bake. */
export const CURRENT_IMAGE = `ami-0${'1'.repeat(16)}`;
/** The distribution image the reference instance was built from. */
const DISTRIBUTION_IMAGE = `ami-0${'d'.repeat(16)}`;
/** Instance refresh statuses that end a refresh (Auto Scaling API reference, InstanceRefresh.Status). */
const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

const alarmOf = (serviceName: string) => `${serviceName}-5xx`;

export const amiRefresh: Chapter = {
  prepare(_config, service, options) {
    const ami = service.amiRefresh;
    if (!ami || !('instance' in ami.source)) throw new Error(`the example config: ${service.name} bakes no images`);
    // The example names a reference instance and a launch template of an account we do not have: both are pointed at
    // the simulated account's in run(), once they exist. Three demo-sized changes: half the group may be replaced at
    // once (2 instances), a CloudWatch alarm on 5xx guards the refresh, and retention keeps only the newest image so
    // that one is retired.
    ami.refresh = { ...ami.refresh, minHealthyPercentage: 50, alarms: [alarmOf(service.name)] };
    ami.retention = { keepNewest: 1, keepYoungerThanDays: 0 };
    options.launchTemplate = { imageId: CURRENT_IMAGE };
  },

  async run({ sim, timeline, service }) {
    const ami = service.amiRefresh;
    if (!ami || !('instance' in ami.source)) throw new Error(`the example config: ${service.name} bakes no images`);
    const group = service.autoScalingGroup;
    const alarm = alarmOf(service.name);
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

    timeline.heading('A second image whose release fails real requests: the refresh rolls back on its 5xx alarm');
    timeline.note(
      `a new release on ${reference.id} answers the health check but fails real requests (CloudWatch alarm ${alarm} on 5xx)`,
    );
    timeline.note(`Invoke amiRefreshBake {"action":"bake","service":"${service.name}"}`);
    const before = new Set(sim.account.autoscaling.view()[0]?.instances.map((i) => i.id));
    const second = await bakeAndRefresh(sim, service.name, 'manual-bake-2', async () => {
      // The first replacement takes traffic, its 5xx rate crosses the alarm's threshold.
      const replaced = () =>
        sim.account.autoscaling.view()[0]?.instances.find((i) => !before.has(i.id) && i.lifecycleState === 'InService');
      await sim.clock.runUntil(() => replaced() !== undefined, 3 * HOUR);
      sim.account.autoscaling.refreshes.setAlarmState(alarm, 'ALARM');
      timeline.note(`CloudWatch alarm ${alarm} -> ALARM (5xx from ${replaced()?.id ?? '?'})`);
    });
    sim.account.autoscaling.refreshes.setAlarmState(alarm, 'OK');
    settled = (await sim.settle(HOUR)) && settled;
    if (second !== 'RollbackSuccessful') story.push(`the second refresh ended ${second ?? 'never'}, not rolled back`);
    if (template.defaultVersion !== 2) story.push(`the default version moved to ${template.defaultVersion}`);
    const rejected = sim.account.ec2.images.list().filter((i) => i.tags.get('fleetpilot:rejected') === 'true');
    if (rejected.length !== 1) story.push(`${rejected.length} images are tagged rejected, not 1`);
    if (!settled) story.push('the AMI refresh did not settle within its time limit');
    return story;
  },
};

/**
 * Invokes amiRefreshBake by hand and runs virtual time until the instance refresh its image starts has ended
 * (`during` runs once the refresh exists); returns its final status, or undefined if none ended in time.
 */
async function bakeAndRefresh(
  sim: Simulation,
  service: string,
  requestId: string,
  during?: () => Promise<void>,
): Promise<string | undefined> {
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
