/**
 * Demo chapter: scheduled scaling in Seoul, one evening, night and morning. The chapter takes the virtual time and the
 * group as the earlier chapters leave them: it waits for their work (and any instance refresh) to end, then moves on
 * to the next Seoul evening whose next day is a working day (a Monday to Thursday, 18:50), where the stack's
 * EventBridge Scheduler schedules start (one per rule, the 15-minute reconcile, and the other capabilities' schedules:
 * AMI bake and retention, site check and report, certificate audit) and keep running for the rest of the week.
 *
 * The story: the first reconcile puts the group on its calendar (office hours: min 2, max 6, desired 4), whatever
 * capacity the earlier chapters left; someone starts an instance refresh, so the 19:00 scale-in waits for it and the
 * first reconcile after it applies it; the team's 5xx alarm goes into ALARM before 23:00, so the night scale-in waits
 * until the alarm is OK again; the scale-out at 07:30 is never held back. Each change, deferral and the reason is an
 * e-mail and a line in the timeline.
 */
import {
  AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DateTime } from 'luxon';
import { ACTIVE_REFRESH_STATUSES } from '../../functions/schedule/scale';
import { attachSim } from '../../sim/plug';
import { type Chapter, HOUR } from './chapter';

const ZONE = 'Asia/Seoul';
/** The team's alarm the schedule's guard names (as in fleetpilot.example.yml). */
export const ALARM = 'web-5xx-high';
const MINUTE = 60_000;
/** Luxon weekdays (1 = Monday) whose evening is followed by a working-day morning. */
const EVENING_DAYS = [1, 2, 3, 4];

/**
 * The first instant strictly after `now` at which the clock in `zone` shows hh:mm on one of `weekdays` (luxon
 * numbering, 1 = Monday), or, without `weekdays`, on any day.
 */
export function nextLocal(now: number, zone: string, hh: number, mm: number, weekdays?: readonly number[]): number {
  let day = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let i = 0; i < 15; i++, day = day.plus({ days: 1 })) {
    const at = day.set({ hour: hh, minute: mm });
    if (at.toMillis() > now && (!weekdays || weekdays.includes(at.weekday))) return at.toMillis();
  }
  throw new RangeError(`no ${hh}:${mm} in ${zone} on weekdays ${weekdays?.join(',')} within two weeks`);
}

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
    // Demo-sized: Seoul office hours; the guards of the example (floor, ceiling, the refresh and the 5xx alarm).
    service.schedule = {
      timezone: ZONE,
      rules: [
        { name: 'office-hours', cron: 'cron(30 7 ? * MON-FRI *)', capacity: { min: 2, max: 6, desired: 4 } },
        { name: 'evening', cron: 'cron(0 19 ? * MON-FRI *)', capacity: { min: 1, desired: 2 } },
        { name: 'night', cron: 'cron(0 23 * * ? *)', capacity: { min: 1, desired: 1 } },
      ],
      exceptions: [],
      guards: { floor: 1, ceiling: 6, deferScaleInDuringRefresh: true, deferWhileAlarms: [ALARM] },
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
    const local = (at = sim.clock.now()) => DateTime.fromMillis(at, { zone: ZONE }).toFormat('ccc HH:mm');
    /** Advance to the next time the Seoul clock shows hh:mm (a few minutes past a rule, so its change is done). */
    const until = async (hh: number, mm: number, weekdays?: readonly number[]) =>
      sim.clock.advance(nextLocal(sim.clock.now(), ZONE, hh, mm, weekdays) - sim.clock.now());
    const check = (when: string, min: number, max: number, desired: number) => {
      const g = size();
      if (g?.minSize !== min || g.maxSize !== max || g.desiredCapacity !== desired) {
        story.push(
          `${when}: the group is min ${g?.minSize}, max ${g?.maxSize}, desired ${g?.desiredCapacity}, not ${min}/${max}/${desired}`,
        );
      }
    };
    const autoScaling = new AutoScalingClient({ region: sim.account.region, maxAttempts: 1 });
    attachSim(autoScaling, sim.account);
    const cloudWatch = new CloudWatchClient({ region: sim.account.region, maxAttempts: 1 });
    attachSim(cloudWatch, sim.account);
    const setAlarm = (state: 'ALARM' | 'OK', reason: string) =>
      cloudWatch.send(new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: state, StateReason: reason }));
    const refreshActive = async () => {
      const out = await autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group }));
      return (out.InstanceRefreshes ?? []).some((r) => ACTIVE_REFRESH_STATUSES.includes(r.Status ?? ''));
    };

    timeline.heading(
      `Scheduled scaling: an evening, a night and a morning on the calendar of ${service.name} (${ZONE})`,
    );
    // Whatever the earlier chapters left running ends first: their functions, hooks and any instance refresh.
    if (!(await sim.settle(4 * HOUR))) story.push('the earlier chapters did not settle before the scheduled evening');
    if (!(await sim.clock.runUntil(async () => !(await refreshActive()), 4 * HOUR, MINUTE))) {
      story.push('an instance refresh of an earlier chapter did not end');
    }
    const found = local();
    await until(18, 50, EVENING_DAYS);
    timeline.note(`${found} in Seoul; the story starts at the next working evening, ${local()}`);

    // The team's alarm on the site's 5xx count. The simulated load balancers report no 5xx counts (a missing datapoint,
    // as on an ALB without errors), so its state is the one SetAlarmState sets, kept by "ignore" missing data.
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: ALARM,
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web-alb/50dc6c495c0c9188' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 5,
        Threshold: 50,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    const published = sim.account.sns.published.length;
    timeline.note(
      `schedules deployed and started: ${sim.scheduler.schedules.map((s) => `${s.name} ${s.expression}`).join(', ')}; reconciles that change nothing are not shown`,
    );
    const startedAt = sim.clock.now();
    sim.scheduler.start(startedAt);
    // The deployment's first reconcile (invoked by hand here, as `npm run invoke` would) brings the group onto the
    // calendar at once: on a working day at 18:50 the office-hours level holds, whatever the group was before.
    const first = await sim.lambda.invokeDirect(
      'scheduleScale',
      { fleetpilot: 'schedule', action: 'reconcile', scheduledTime: new Date(sim.clock.now()).toISOString() },
      'first-reconcile',
    );
    if (first.outcome !== 'ok') story.push(`the first reconcile ended ${first.outcome}`);
    check('the first reconcile (office hours hold)', 2, 6, 4);
    await sim.settle(HOUR);

    timeline.note('someone starts an instance refresh of the group (a long checkpoint keeps it running past 19:00)');
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
    // min follows the calendar at once; only the lowering of desired waits.
    check('evening (19:00), during the refresh', 1, 6, 4);
    if (!(await sim.clock.runUntil(async () => !(await refreshActive()), 4 * HOUR, MINUTE))) {
      story.push('the instance refresh did not end');
    }
    await sim.clock.advance(16 * MINUTE);
    await sim.settle(HOUR);
    check('the first reconcile after the refresh', 1, 6, 2);

    await until(22, 40);
    timeline.note(`the team's alarm ${ALARM} goes into ALARM (SetAlarmState)`);
    await setAlarm('ALARM', 'Threshold Crossed: 5xx responses above 50 a minute (set by the demo)');
    await until(23, 5);
    await sim.settle(HOUR);
    check(`night (23:00), ${ALARM} in ALARM`, 1, 6, 2);
    await until(23, 40);
    timeline.note(`${ALARM} is OK again (SetAlarmState)`);
    await setAlarm('OK', 'Threshold no longer crossed (set by the demo)');
    await sim.clock.advance(16 * MINUTE);
    await sim.settle(HOUR);
    check(`the first reconcile after ${ALARM} is OK`, 1, 6, 1);

    await until(7, 35);
    await sim.settle(HOUR);
    check('before office hours (07:30)', 2, 6, 4);

    // The day goes on with every schedule of the stack running (the site report at 15:00 and the certificate audit
    // at 16:00 Seoul included); each run must end well. The Scheduler keeps running for whatever comes next.
    await until(16, 5);
    if (!(await sim.settle(HOUR))) story.push('the scheduled day did not settle within its time limit');
    const runs = sim.scheduler.runs.filter((r) => r.at >= startedAt);
    const bySchedule = new Map<string, number>();
    for (const r of runs) bySchedule.set(r.schedule, (bySchedule.get(r.schedule) ?? 0) + 1);
    timeline.note(
      `${local()}: ${runs.length} scheduled runs since 18:50 (${[...bySchedule].map(([name, n]) => `${name} ${n}`).join(', ')})`,
    );
    for (const r of runs.filter((r) => r.record?.outcome !== 'ok')) {
      story.push(`the scheduled run of ${r.schedule} at ${new Date(r.at).toISOString()} ended ${r.record?.outcome}`);
    }

    const mine = sim.account.sns.published
      .slice(published)
      .filter((m) => m.attributes.service?.StringValue === service.name);
    const kinds = mine.map((m) => m.attributes.kind?.StringValue ?? '');
    const changes = kinds.filter((k) => k === 'schedule.capacity.changed').length;
    if (changes < 5) story.push(`${changes} capacity changes were reported, not at least 5`);
    const deferrals = mine
      .filter((m) => m.attributes.kind?.StringValue === 'schedule.capacity.deferred')
      .map((m) => m.subject ?? '');
    if (!deferrals.some((s) => s.includes('instance refresh'))) {
      story.push('the evening scale-in was not reported as deferred for the instance refresh');
    }
    if (!deferrals.some((s) => s.includes(ALARM))) {
      story.push(`the night scale-in was not reported as deferred for ${ALARM}`);
    }
    if (kinds.includes('schedule.capacity.failed')) story.push('a scheduled change failed');
    return story;
  },
};
