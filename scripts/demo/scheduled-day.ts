/**
 * Demo chapter: scheduled scaling in Seoul, from Monday 18:57 (where the week's story has got to) to Tuesday morning.
 * The stack's EventBridge Scheduler schedules start running (one per rule and the 15-minute reconcile; the AMI refresh
 * schedules too): the first reconcile puts the group on the calendar, an evening scale-in waits for an instance refresh
 * someone started and is applied by the first reconcile after it, the night capacity, and the scale-out before office
 * hours. Each change is an UpdateAutoScalingGroup, a line in the timeline and an e-mail. (The order follows the
 * clock: reaching a morning first would cost a day of virtual time, and the demo's wall time with it.)
 */
import { AutoScalingClient, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { attachSim } from '../../sim/plug';
import type { Simulation } from '../../sim/simulation';
import { type Chapter, HOUR } from './chapter';

const ZONE = 'Asia/Seoul';
/** Seoul is UTC+9 all year. */
const SEOUL_MS = 9 * HOUR;

/**
 * Reconciles and rule runs that changed and said nothing (unchanged, nothing fired yet, a deferral already reported)
 * are left out of the timeline: there is one every 15 minutes.
 */
function quiet(result: unknown): boolean {
  const services = (result as { services?: Record<string, { status?: string }> } | undefined)?.services;
  return (
    services !== undefined &&
    Object.values(services).every((s) => ['unchanged', 'idle', 'deferred'].includes(s.status ?? ''))
  );
}

export const scheduledDay: Chapter = {
  prepare(_config, service, options) {
    // Demo-sized: Seoul office hours; no alarm guard (the simulated CloudWatch has no alarms to read).
    service.schedule = {
      timezone: ZONE,
      rules: [
        { name: 'office-hours', cron: 'cron(30 7 ? * MON-FRI *)', capacity: { min: 2, max: 6, desired: 4 } },
        { name: 'evening', cron: 'cron(0 19 ? * MON-FRI *)', capacity: { min: 1, desired: 2 } },
        { name: 'night', cron: 'cron(0 23 * * ? *)', capacity: { min: 1, desired: 1 } },
      ],
      exceptions: [],
      guards: { floor: 1, ceiling: 6, deferScaleInDuringRefresh: true, deferWhileAlarms: [] },
    };
    const shown = options.onInvocation;
    options.onInvocation = (record) => {
      if (record.fn === 'scheduleScale' && record.outcome === 'ok' && quiet(record.result)) return;
      shown?.(record);
    };
  },

  async run({ sim, timeline, service }) {
    const story: string[] = [];
    const group = service.autoScalingGroup;
    const size = () => sim.account.autoscaling.view().find((g) => g.name === group);
    /** Advance to the next time the Seoul clock shows `hh:mm` (a few minutes past a rule, so its change is done). */
    const until = async (hh: number, mm: number) => {
      const local = sim.clock.now() + SEOUL_MS;
      const day = Math.floor(local / (24 * HOUR)) * 24 * HOUR;
      let target = day + hh * HOUR + mm * 60_000;
      if (target <= local) target += 24 * HOUR;
      await sim.clock.advance(target - local);
    };
    const check = (when: string, min: number, max: number, desired: number) => {
      const g = size();
      if (g?.minSize !== min || g.maxSize !== max || g.desiredCapacity !== desired) {
        story.push(
          `${when}: the group is min ${g?.minSize}, max ${g?.maxSize}, desired ${g?.desiredCapacity}, not ${min}/${max}/${desired}`,
        );
      }
    };

    timeline.heading(
      `Scheduled scaling: an evening, a night and a morning on the calendar of ${service.name} (${ZONE})`,
    );
    timeline.note(
      `schedules deployed: ${sim.scheduler.schedules.map((s) => `${s.name} ${s.expression}`).join(', ')}; reconciles that change nothing are not shown`,
    );
    sim.scheduler.start(sim.clock.now());
    // The deployment's first reconcile (invoked by hand here, as `npm run invoke` would) brings the group onto the
    // calendar at once: at 18:57 on a Monday the office-hours level holds.
    const first = await sim.lambda.invokeDirect(
      'scheduleScale',
      { fleetpilot: 'schedule', action: 'reconcile', scheduledTime: new Date(sim.clock.now()).toISOString() },
      'first-reconcile',
    );
    if (first.outcome !== 'ok') story.push(`the first reconcile ended ${first.outcome}`);
    await sim.settle(HOUR);
    check('the first reconcile (office hours hold)', 2, 6, 4);

    timeline.note('someone starts an instance refresh of the group (a long checkpoint keeps it running past 19:00)');
    const autoScaling = new AutoScalingClient({ region: sim.account.region, maxAttempts: 1 });
    attachSim(autoScaling, sim.account);
    await autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: group,
        Preferences: {
          MinHealthyPercentage: 50,
          SkipMatching: false,
          CheckpointPercentages: [50],
          CheckpointDelay: 1800,
        },
      }),
    );
    await until(19, 5);
    check('evening (19:00), during the refresh', 1, 6, 4);
    if (!(await refreshEnded(sim, 4 * HOUR))) story.push('the instance refresh did not end');
    await sim.clock.advance(16 * 60_000);
    await sim.settle(HOUR);
    check('the first reconcile after the refresh', 1, 6, 2);

    await until(23, 5);
    await sim.settle(HOUR);
    check('night (23:00)', 1, 6, 1);

    await until(7, 35);
    await sim.settle(HOUR);
    check('before office hours (07:30)', 2, 6, 4);
    sim.scheduler.stop();

    const kinds = sim.account.sns.published.map((m) => m.attributes.kind?.StringValue ?? '');
    const changes = kinds.filter((k) => k === 'schedule.capacity.changed').length;
    if (changes < 4) story.push(`${changes} capacity changes were reported, not at least 4`);
    if (!kinds.includes('schedule.capacity.deferred')) story.push('the evening scale-in was not reported as deferred');
    if (kinds.includes('schedule.capacity.failed')) story.push('a scheduled change failed');
    return story;
  },
};

const TERMINAL = new Set(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed']);

async function refreshEnded(sim: Simulation, maxMs: number): Promise<boolean> {
  return sim.clock.runUntil(
    () => TERMINAL.has(sim.account.autoscaling.refreshes.list().at(-1)?.status ?? ''),
    maxMs,
    60_000,
  );
}
