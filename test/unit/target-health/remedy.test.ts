/**
 * Remediation on the `persistent` alarm (a target unhealthy for remediation.afterMinutes): SetInstanceHealth
 * Unhealthy for a lone failing instance, and every refusal with its reason (systemic, cap counted from Auto Scaling's
 * activities, refresh in progress, others not settled, already replaced, too young, opt-out), dry run.
 */
import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { makeTargetHealthHandler } from '../../../functions/target-health/handlers';
import {
  alarmEvent,
  alarmIs,
  autoScaling,
  configWith,
  makeDeps,
  NOW,
  nameOf,
  reset,
  type TargetSpec,
  userHealthCheckActivity,
  type World,
  world,
} from './harness';

const BAD = 'i-0bad000000000000a';
const healthy = (n: number): TargetSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `i-0healthy00000000${i}`, state: 'healthy' }));
const failing = (over: Partial<TargetSpec> = {}): TargetSpec => ({
  id: BAD,
  state: 'unhealthy',
  reason: 'Target.ResponseCodeMismatch',
  description: 'Health checks failed with these codes: [500]',
  ...over,
});

async function persistentAlarm(w: World, config = configWith()) {
  const { deps, notifier } = makeDeps(config);
  const name = nameOf('persistent', config);
  alarmIs(name, 'ALARM');
  world(w);
  const handler = makeTargetHealthHandler(deps);
  const result = await handler(alarmEvent(name));
  return { result, notifier, handler, name };
}

const refusal = (sent: { facts: ReadonlyArray<readonly [string, string]> }[] | undefined) =>
  sent?.[0]?.facts.find(([label]) => label === `Not replaced ${BAD}`)?.[1];

beforeEach(() => reset());

it('marks a lone instance unhealthy for longer than afterMinutes Unhealthy, respecting the grace period', async () => {
  const { notifier } = await persistentAlarm({ targets: [...healthy(3), failing()] });

  expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
  expect(autoScaling).toHaveReceivedCommandWith(SetInstanceHealthCommand, {
    InstanceId: BAD,
    HealthStatus: 'Unhealthy',
    ShouldRespectGracePeriod: true,
  });
  expect(notifier.sent.map((n) => n.kind)).toEqual(['target-health.remedy.applied']);
  expect(notifier.sent[0]?.facts).toContainEqual([
    `Replaced ${BAD}`,
    'unhealthy for more than 10 min (Target.ResponseCodeMismatch) while the other targets are healthy',
  ]);
});

it('refuses in a systemic failure (more than maxUnhealthyShare unhealthy) and says so', async () => {
  const { notifier } = await persistentAlarm({
    targets: [...healthy(1), failing(), failing({ id: 'i-0bad000000000000b' }), failing({ id: 'i-0bad000000000000c' })],
  });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(notifier.sent.map((n) => n.kind)).toEqual(['target-health.remedy.refused']);
  expect(notifier.sent[0]?.severity).toBe('critical');
  expect(refusal(notifier.sent)).toContain('systemic: 3 of 4 targets unhealthy (more than 50 %)');
});

it('refuses when the cap is reached, counting user health-check replacements from Auto Scaling', async () => {
  const { notifier } = await persistentAlarm({
    targets: [...healthy(3), failing()],
    activities: [userHealthCheckActivity(20)],
  });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toBe(
    'cap reached: 1 replacement(s) by health check in web-asg within the last hour (maxPerHour 1)',
  );
});

it('does not count a replacement older than an hour, nor other activities, against the cap', async () => {
  await persistentAlarm({
    targets: [...healthy(3), failing()],
    activities: [
      userHealthCheckActivity(70),
      {
        ActivityId: 'scale-out',
        AutoScalingGroupName: 'web-asg',
        Cause:
          'At 2026-11-25T11:50:00Z a user request update of AutoScalingGroup constraints changed the desired capacity from 3 to 4.',
        StartTime: new Date(NOW - 10 * 60_000),
        StatusCode: 'Successful',
      },
    ],
  });

  expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
});

it('replaces at most maxPerHour at once, refusing the rest with the cap as reason', async () => {
  const config = configWith({
    remediation: { enabled: true, afterMinutes: 10, maxPerHour: 1, maxUnhealthyShare: 0.5 },
  });
  const { notifier } = await persistentAlarm(
    { targets: [...healthy(4), failing(), failing({ id: 'i-0bad000000000000b' })] },
    config,
  );

  expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
  expect(notifier.sent[0]?.facts).toContainEqual([
    'Not replaced i-0bad000000000000b',
    'cap reached: 1 replacement(s) by health check in web-asg within the last hour (maxPerHour 1)',
  ]);
});

it('refuses during an instance refresh, naming it', async () => {
  const { notifier } = await persistentAlarm({
    targets: [...healthy(3), failing()],
    refreshes: [{ InstanceRefreshId: 'refresh-1', AutoScalingGroupName: 'web-asg', Status: 'InProgress' }],
  });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toBe('instance refresh refresh-1 is InProgress: it replaces instances itself');
});

it('refuses while another target is still initial (the rest must be healthy)', async () => {
  const { notifier } = await persistentAlarm({
    targets: [
      ...healthy(2),
      failing(),
      { id: 'i-0new000000000000a', state: 'initial', reason: 'Elb.InitialHealthChecking' },
    ],
  });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toContain('the other targets are not all healthy (i-0new000000000000a initial)');
});

it('refuses an instance launched more recently than afterMinutes', async () => {
  const { notifier } = await persistentAlarm({ targets: [...healthy(3), failing({ launchedMinutesAgo: 4 })] });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toBe('launched 4 min ago: it cannot have been unhealthy for 10 min');
});

it('a repeated event finds the instance already UNHEALTHY in Auto Scaling and does not mark it again', async () => {
  const { notifier } = await persistentAlarm({ targets: [...healthy(3), failing({ health: 'UNHEALTHY' })] });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toContain('already marked Unhealthy in Auto Scaling');
});

it('a duplicate delivery to the same function marks the instance once', async () => {
  const { handler, name, notifier } = await persistentAlarm({ targets: [...healthy(3), failing()] });

  await handler(alarmEvent(name));

  expect(autoScaling).toHaveReceivedCommandTimes(SetInstanceHealthCommand, 1);
  expect(notifier.sent).toHaveLength(1);
});

it('refuses an instance Auto Scaling is already acting on (Terminating)', async () => {
  const { notifier } = await persistentAlarm({
    targets: [...healthy(3), failing({ lifecycle: 'Terminating:Wait' })],
  });

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(refusal(notifier.sent)).toBe('the instance is Terminating:Wait: Auto Scaling is already acting on it');
});

it('in dry run makes no call and lists the one it would have made', async () => {
  const { notifier } = await persistentAlarm({ targets: [...healthy(3), failing()] }, configWith({}, { dryRun: true }));

  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(notifier.sent[0]?.title).toMatch(/^\[dry run\] /);
  expect(notifier.sent[0]?.facts).toContainEqual(['Dry run: would have', `SetInstanceHealth ${BAD} Unhealthy`]);
});

it('without remediation there is no persistent alarm: its name is not one fleetpilot acts on', async () => {
  const optedOut = configWith({ remediation: { enabled: false } });
  const { deps, notifier } = makeDeps(optedOut);
  world({ targets: [...healthy(3), failing()] });

  const result = await makeTargetHealthHandler(deps)(alarmEvent(nameOf('persistent')));

  expect(result).toMatchObject({ status: 'ignored' });
  expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  expect(notifier.sent).toHaveLength(0);
});
