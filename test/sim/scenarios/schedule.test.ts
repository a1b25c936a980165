/**
 * Scheduled scaling end to end on the simulated account: the schedules the stack declares (functions/schedule/
 * deploy.ts) run in the simulated EventBridge Scheduler (sim/scheduler.ts), which invokes the real scaling function.
 * Across the 2026 spring-forward of America/New_York (2026-03-08 02:00 EST → 03:00 EDT): the 02:30 rule does not run
 * that night, a lost invocation is repaired by the next reconcile, a duplicate invocation changes and says nothing,
 * a scale-in waits for an instance refresh and is applied by the first reconcile after it, and one waits while a
 * configured alarm is in ALARM (set with SetAlarmState through the SDK) and is applied once it is OK.
 * Every expected instant below is computed by hand: EST = UTC-5 until 2026-03-08 07:00Z, EDT = UTC-4 after.
 */
import { join } from 'node:path';
import { AutoScalingClient, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ruleScheduleId } from '../../../functions/schedule/deploy';
import { STATE_TAG } from '../../../functions/schedule/scale';
import { loadConfig } from '../../../shared/config/load';
import { checkInvariants } from '../../../sim/invariants';
import { attachSim } from '../../../sim/plug';
import type { SimSchedule } from '../../../sim/scheduler';
import { type Simulation, startSimulation } from '../../../sim/simulation';
import { Timeline } from '../../../sim/timeline';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const HOUR = 3_600_000;
const BASE_IMAGE = `ami-0${'1'.repeat(16)}`;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

interface Options {
  start: string;
  initialCapacity: number;
  drop?: (schedule: SimSchedule, at: number) => boolean;
  /** guards.deferWhileAlarms */
  alarms?: string[];
}

function start(options: Options): Simulation {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  if (!service) throw new Error('the example config has no service');
  service.schedule = {
    timezone: 'America/New_York',
    rules: [
      { name: 'morning', cron: 'cron(0 8 * * ? *)', capacity: { min: 2, max: 8, desired: 4 } },
      { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { min: 1, desired: 1 } },
    ],
    exceptions: [],
    guards: { deferScaleInDuringRefresh: true, deferWhileAlarms: options.alarms ?? [] },
  };
  delete service.amiRefresh;
  sim = startSimulation({
    config,
    seed: 'schedule',
    start: options.start,
    initialCapacity: options.initialCapacity,
    launchTemplate: { imageId: BASE_IMAGE },
    ...(options.drop ? { dropScheduled: options.drop } : {}),
  });
  return sim;
}

const group = (s: Simulation) => {
  const g = s.account.autoscaling.view()[0];
  if (!g) throw new Error('no group');
  return g;
};
const describeGroup = async (s: Simulation) => {
  const out = await s.account.autoscaling.operationHandler('DescribeAutoScalingGroups')?.({});
  return (
    out as {
      AutoScalingGroups: {
        MinSize: number;
        MaxSize: number;
        DesiredCapacity: number;
        Tags: { Key: string; Value: string }[];
      }[];
    }
  ).AutoScalingGroups[0];
};
const capacity = async (s: Simulation) => {
  const g = await describeGroup(s);
  return { min: g?.MinSize, max: g?.MaxSize, desired: g?.DesiredCapacity };
};
/** Notifications of a kind: when (UTC, minutes) and the e-mail text. */
const titles = (s: Simulation, kind: string) =>
  s.account.sns.published
    .filter((m) => m.attributes.kind?.StringValue === kind)
    .map((m) => ({
      at: new Date(m.publishedAt).toISOString().slice(0, 16),
      subject: (JSON.parse(m.message) as { email?: string; default: string }).email ?? '',
    }));
const runsOf = (s: Simulation, schedule: string) =>
  s.scheduler.runs.filter((r) => r.schedule === schedule).map((r) => new Date(r.at).toISOString());

describe('scheduled scaling on the simulated account', () => {
  it('skips the 02:30 rule in the spring-forward gap and repairs a lost invocation at the next reconcile', async () => {
    // Arrange: Sunday 2026-03-08 00:07 EST, the night the clocks go forward; the 2026-03-09 08:00 EDT (12:00Z)
    // morning invocation is lost. The schedules are created at 00:07 (the reconcile runs at :07, :22, :37, :52).
    const lost = Date.parse('2026-03-09T12:00:00Z');
    const created = Date.parse('2026-03-08T05:07:00Z');
    const s = start({
      start: '2026-03-08T05:07:00Z',
      initialCapacity: 2,
      drop: (schedule, at) => schedule.name === ruleScheduleId('web', 'morning') && at === lost,
    });
    expect(await s.settle(HOUR)).toBe(true);
    s.scheduler.start(created);

    // Act: 1) until the first reconcile; 2) past the DST night and the next morning; 3) past the lost invocation.
    await s.clock.advance(Date.parse('2026-03-08T05:23:00Z') - s.clock.now());
    const first = await capacity(s);
    await s.clock.advance(Date.parse('2026-03-09T11:59:00Z') - s.clock.now());
    const beforeLost = await capacity(s);
    await s.clock.advance(Date.parse('2026-03-09T12:30:00Z') - s.clock.now());
    await s.settle(HOUR);

    // Assert: the calendar's level at 00:07 EST Sunday (Saturday's morning, 08:00) is applied by the first reconcile
    // (00:22 EST = 05:22Z).
    expect(first).toEqual({ min: 2, max: 8, desired: 4 });
    // Night: 2026-03-08 02:30 does not exist in New York (skipped); 2026-03-09 02:30 EDT = 06:30Z.
    expect(runsOf(s, ruleScheduleId('web', 'night'))).toEqual(['2026-03-09T06:30:00.000Z']);
    // Morning: 2026-03-08 08:00 EDT = 12:00Z (already after the change), 2026-03-09 08:00 EDT = 12:00Z (lost).
    expect(runsOf(s, ruleScheduleId('web', 'morning'))).toEqual([
      '2026-03-08T12:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
    ]);
    expect(s.scheduler.runs.find((r) => r.at === lost)?.dropped).toBe(true);
    expect(beforeLost).toEqual({ min: 1, max: 8, desired: 1 });
    expect(await capacity(s)).toEqual({ min: 2, max: 8, desired: 4 });
    // The changes as people read them, when they happened: the lost 08:00 is repaired by the 12:07Z reconcile.
    expect(titles(s, 'schedule.capacity.changed')).toEqual([
      { at: '2026-03-08T05:22', subject: expect.stringContaining('web: 2 → 4') },
      { at: '2026-03-09T06:30', subject: expect.stringContaining('web: 4 → 1') },
      { at: '2026-03-09T12:07', subject: expect.stringContaining('web: 1 → 4') },
    ]);
    expect(titles(s, 'schedule.capacity.changed').at(-1)?.subject).toContain(
      'web: 1 → 4, min 1 → 2 (morning, America/New_York 08:00)',
    );
    expect(group(s).instances.filter((i) => i.lifecycleState === 'InService')).toHaveLength(4);
    expect(checkInvariants(s)).toEqual([]);
  }, 120_000);

  it('does nothing and says nothing on a duplicate invocation', async () => {
    const s = start({ start: '2026-03-09T12:05:00Z', initialCapacity: 4 });
    expect(await s.settle(HOUR)).toBe(true);
    const invoke = (id: string) =>
      s.lambda.invokeDirect(
        'scheduleScale',
        {
          fleetpilot: 'schedule',
          action: 'rule',
          service: 'web',
          rule: 'morning',
          scheduledTime: '2026-03-09T12:00:00Z',
        },
        id,
      );

    const first = await invoke('dup-1');
    const published = s.account.sns.published.length;
    const tag = (await describeGroup(s))?.Tags.find((t) => t.Key === STATE_TAG)?.Value;
    const second = await invoke('dup-2');

    expect(first.outcome).toBe('ok');
    expect(tag).toBe('2026-03-09T12:00:00.000Z morning applied');
    expect(second.result).toEqual({
      status: 'done',
      services: { web: { status: 'unchanged', capacity: { min: 2, max: 8, desired: 4 } } },
    });
    expect(s.account.sns.published.length).toBe(published);
  }, 60_000);

  it('defers the night scale-in while an instance refresh runs and applies it at the first reconcile after', async () => {
    // Arrange: Monday 2026-03-09 01:47 EDT, 4 instances; a refresh with a long checkpoint starts before 02:30.
    const s = start({ start: '2026-03-09T05:47:00Z', initialCapacity: 4 });
    expect(await s.settle(HOUR)).toBe(true);
    s.scheduler.start(Date.parse('2026-03-09T05:47:00Z'));
    await s.clock.advance(16 * 60_000);
    const autoScaling = new AutoScalingClient({ region: s.account.region, maxAttempts: 1 });
    attachSim(autoScaling, s.account);
    await autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'web-asg',
        Preferences: {
          MinHealthyPercentage: 50,
          SkipMatching: false,
          CheckpointPercentages: [50],
          CheckpointDelay: 1800,
        },
      }),
    );

    // Act
    await s.clock.runUntil(() => s.clock.now() >= Date.parse('2026-03-09T06:31:00Z'), HOUR, 60_000);
    const during = await capacity(s);
    const refreshEnded = await s.clock.runUntil(
      () => ['Successful', 'Failed', 'Cancelled'].includes(s.account.autoscaling.refreshes.list().at(-1)?.status ?? ''),
      4 * HOUR,
      60_000,
    );
    const endedAt = s.clock.now();
    await s.clock.advance(16 * 60_000);
    await s.settle(HOUR);

    // Assert
    // min and max follow the calendar at once (night: min 1); only the lowering of desired waits.
    expect(during).toEqual({ min: 1, max: 8, desired: 4 });
    expect(titles(s, 'schedule.capacity.deferred')).toEqual([
      { at: '2026-03-09T06:30', subject: expect.stringContaining('Scale-in to 1 deferred (instance refresh') },
    ]);
    expect(refreshEnded).toBe(true);
    expect(await capacity(s)).toEqual({ min: 1, max: 8, desired: 1 });
    const applied = titles(s, 'schedule.capacity.changed').at(-1);
    expect(applied?.subject).toContain('web: 4 → 1');
    expect(Date.parse(`${applied?.at}:00Z`) - endedAt).toBeLessThanOrEqual(15 * 60_000);
    expect(checkInvariants(s)).toEqual([]);
  }, 120_000);

  it('defers the night scale-in while a configured alarm is in ALARM and applies it once the alarm is OK', async () => {
    // Arrange: Tuesday 2026-03-10 02:00 EDT (06:00Z), 4 instances; the team's 5xx alarm exists and goes into ALARM
    // before the night rule (02:30 EDT = 06:30Z). The simulated load balancers report no 5xx count, so with
    // TreatMissingData "ignore" the evaluations keep the state SetAlarmState sets (CloudWatch user guide,
    // "Configuring how CloudWatch alarms treat missing data").
    const s = start({ start: '2026-03-10T06:00:00Z', initialCapacity: 4, alarms: ['web-5xx-high'] });
    const shown: string[] = [];
    const timeline = new Timeline(s.account, { colour: false, write: (line) => shown.push(line) });
    expect(await s.settle(HOUR)).toBe(true);
    const cloudWatch = new CloudWatchClient({ region: s.account.region, maxAttempts: 1 });
    attachSim(cloudWatch, s.account);
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx-high',
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
    const setAlarm = (StateValue: 'ALARM' | 'OK') =>
      cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'web-5xx-high', StateValue, StateReason: 'test' }));
    // Rate schedules count from the start: reconciles at 06:15Z, 06:30Z, 06:45Z, ...
    s.scheduler.start(Date.parse('2026-03-10T06:00:00Z'));
    await setAlarm('ALARM');

    // Act: the night rule at 06:30Z and two reconciles (06:45Z, 07:00Z) while in ALARM; OK at 07:05Z.
    await s.clock.runUntil(() => s.clock.now() >= Date.parse('2026-03-10T06:31:00Z'), HOUR, 60_000);
    const atNight = await capacity(s);
    await s.clock.runUntil(() => s.clock.now() >= Date.parse('2026-03-10T07:05:00Z'), HOUR, 60_000);
    const beforeOk = await capacity(s);
    const stateBeforeOk = s.account.cloudWatch.alarmState('web-5xx-high');
    await setAlarm('OK');
    await s.clock.runUntil(() => s.clock.now() >= Date.parse('2026-03-10T07:16:00Z'), HOUR, 60_000);
    await s.settle(HOUR);

    // Assert: min follows the calendar at once; desired waits, reported once (not at every reconcile).
    expect(stateBeforeOk).toBe('ALARM');
    expect(atNight).toEqual({ min: 1, max: 8, desired: 4 });
    expect(beforeOk).toEqual({ min: 1, max: 8, desired: 4 });
    expect(titles(s, 'schedule.capacity.deferred')).toEqual([
      {
        at: '2026-03-10T06:30',
        subject: expect.stringContaining('Scale-in to 1 deferred (alarm web-5xx-high is in ALARM)'),
      },
    ]);
    // Applied by the first reconcile after the alarm is OK (07:15Z).
    expect(await capacity(s)).toEqual({ min: 1, max: 8, desired: 1 });
    expect(titles(s, 'schedule.capacity.changed').at(-1)).toEqual({
      at: '2026-03-10T07:15',
      subject: expect.stringContaining('web: 4 → 1'),
    });
    // The demo summary's line: the 06:15Z reconcile (min 0 → 2, max 10 → 8), the night's min, the applied 4 → 1.
    shown.length = 0;
    timeline.printSummary([]);
    expect(shown).toContainEqual(
      expect.stringMatching(/^ {2}Scheduled scaling +3 changes, 1 deferred, 0 clipped, 0 failed$/),
    );
    expect(checkInvariants(s)).toEqual([]);
  }, 120_000);
});
