/**
 * Target health remediation end to end on the simulated account (example config: remediation after 10 min, at most
 * 1 per hour per group, never above half the targets unhealthy, never during an instance refresh): one instance's
 * application fails its health check → diagnosis → the `persistent` alarm → SetInstanceHealth → Auto Scaling replaces
 * it through fleetpilot's lifecycle hooks → OK, with how long it lasted; and Slack shows it (facts as fields, console
 * links as buttons, the burst grouped). Then the refusals: the hourly cap, a refresh in progress, and a repeated
 * delivery of the same alarm event (no second replacement).
 */
import { AutoScalingClient, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import type { KnownBlock } from '@slack/types';
import { slackParameters } from '../../../functions/slack/deploy';
import { type SlackCapture, startSlackCapture } from '../../../scripts/demo/slack-capture';
import { loadConfig } from '../../../shared/config/load';
import { apps } from '../../../sim/apps';
import { checkInvariants } from '../../../sim/invariants';
import { attachSim } from '../../../sim/plug';
import { EXAMPLE, type HealthSim, HOUR, MINUTE, startHealthSim } from '../../helpers/target-health-sim';

jest.setTimeout(120_000);

let h: HealthSim | undefined;
let slack: SlackCapture | undefined;
afterEach(async () => {
  h?.sim.stop();
  h = undefined;
  await slack?.close();
  slack = undefined;
});

const kindsOf = (s: HealthSim) => s.notices().map((m) => m.attributes.kind?.StringValue);

describe('target health remediation on the simulated account', () => {
  it('replaces the one failing instance through the lifecycle hooks, reports the recovery, and shows it in Slack', async () => {
    slack = await startSlackCapture();
    const capture = slack;
    h = await startHealthSim('health-remedy', {
      subscriptions: true,
      parameters: slackParameters(loadConfig(EXAMPLE)).map((name) => ({ name, value: capture.url })),
    });
    const s = h;
    const before = s.inService();
    const victim = before[1] ?? '';
    const hooksBefore = s.sim.account.autoscaling.hookResults.length;
    const postedBefore = capture.posted.length;
    s.sim.account.apps.set(victim, apps.broken(404));

    expect(await s.until(() => kindsOf(s).includes('target-health.alarm.recovered'), 30 * MINUTE)).toBe(true);
    expect(await s.sim.settle(HOUR)).toBe(true);

    expect(kindsOf(s)).toEqual([
      'target-health.alarm.diagnosed',
      'target-health.remedy.applied',
      'target-health.alarm.recovered',
    ]);
    const [, applied, recovered] = s.notices();
    expect(applied ? s.text(applied) : '').toContain(
      `Replaced ${victim}: unhealthy for more than 10 min (Target.ResponseCodeMismatch) while the other targets are healthy`,
    );
    expect(recovered?.subject).toMatch(/web-http: recovered after \d+ min/);
    expect(recovered ? s.text(recovered) : '').toMatch(/Lasted: +\d+ min/);
    expect(await s.userHealthChecks()).toBe(1);
    expect(s.sim.account.ec2.get(victim)?.state).toBe('terminated');
    const hooks = s.sim.account.autoscaling.hookResults.slice(hooksBefore);
    expect(hooks.filter((x) => x.instanceId === victim).map((x) => [x.transition, x.result])).toEqual([
      ['autoscaling:EC2_INSTANCE_TERMINATING', 'CONTINUE'],
    ]);
    const replacements = hooks.filter((x) => x.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
    expect(replacements.map((x) => x.result)).toEqual(['CONTINUE']);
    expect(s.inService().sort()).toEqual(
      [...before.filter((id) => id !== victim), replacements[0]?.instanceId ?? ''].sort(),
    );
    expect(s.sim.account.cloudWatch.alarmState(s.alarms.unhealthy)).toBe('OK');
    expect(s.sim.account.cloudWatch.alarmState(s.alarms.persistent)).toBe('OK');
    expect(checkInvariants(s.sim)).toEqual([]);

    // Slack: the diagnosis as its own message (header, summary, facts as fields, links as buttons, context).
    const posted = capture.posted.slice(postedBefore);
    const diagnosis = posted.find((m) =>
      m.blocks.some((b) => b.type === 'header' && /unhealthy targets/.test(b.text.text)),
    );
    const types = (diagnosis?.blocks ?? []).map((b) => b.type);
    expect(types[0]).toBe('header');
    expect(types).toContain('actions');
    expect(types.at(-1)).toBe('context');
    const fields = (diagnosis?.blocks ?? []).flatMap((b: KnownBlock) =>
      b.type === 'section' ? (b.fields ?? []).map((f) => f.text) : [],
    );
    expect(fields).toContain(
      '*Health check*\nHTTP port 80 /healthz expects 200, every 10 s, timeout 5 s, healthy after 3, unhealthy after 2',
    );
    expect(fields.some((f) => f.startsWith(`*${victim}:80*\nunhealthy (Target.ResponseCodeMismatch`))).toBe(true);
    const buttons = (diagnosis?.blocks ?? []).flatMap((b: KnownBlock) =>
      b.type === 'actions' ? b.elements.map((e) => (e.type === 'button' ? e.text.text : '')) : [],
    );
    expect(buttons).toEqual(['Target group web-http', 'Auto Scaling group web-asg', `EC2 instance ${victim}`]);
    expect(diagnosis?.text).toMatch(/^WARNING web: web-http: unhealthy targets\. 1 of 4 targets are unhealthy/);
    // Every notification reached Slack, and the recovery came in a burst with the replacement's launch: one message.
    const covered = posted.flatMap((m) =>
      m.blocks.flatMap((b) => (b.block_id?.startsWith('sns-') ? [b.block_id] : [])),
    );
    for (const m of s.notices()) expect(covered).toContain(`sns-${m.messageId}`);
    const burst = posted.find((m) => m.blocks.some((b) => b.block_id === `sns-${recovered?.messageId}`));
    expect(burst?.blocks[0]?.type === 'header' && burst.blocks[0].text.text).toMatch(/web: [2-9] notifications$/);
  });

  it('refuses a second replacement within the hour (maxPerHour 1), counted from the scaling activities', async () => {
    h = await startHealthSim('health-cap');
    const s = h;
    const [first, second] = s.inService();
    s.sim.account.apps.set(first ?? '', apps.broken(404));
    expect(await s.until(() => kindsOf(s).includes('target-health.alarm.recovered'), 30 * MINUTE)).toBe(true);
    expect(await s.userHealthChecks()).toBe(1);

    s.sim.account.apps.set(second ?? '', apps.broken(502));
    expect(await s.until(() => kindsOf(s).includes('target-health.remedy.refused'), 30 * MINUTE)).toBe(true);
    const [refused] = s.notices('target-health.remedy.refused');
    expect(refused ? s.text(refused) : '').toContain(
      `Not replaced ${second}: cap reached: 1 replacement(s) by health check in web-asg within the last hour (maxPerHour 1)`,
    );
    expect(await s.userHealthChecks()).toBe(1);
    expect(s.inService()).toContain(second);
    expect(s.sim.account.ec2.get(second ?? '')?.state).toBe('running');
  });

  it('refuses to replace an instance while an instance refresh is in progress', async () => {
    h = await startHealthSim('health-refresh', { launchTemplate: { imageId: 'ami-0123456789abcdef0' } });
    const s = h;
    const autoScaling = new AutoScalingClient({ region: s.sim.account.region, maxAttempts: 1 });
    attachSim(autoScaling, s.sim.account);
    const before = s.inService();
    // A refresh someone started, paused at a checkpoint for two hours after its first replacement.
    const { InstanceRefreshId } = await autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: s.group,
        Preferences: { MinHealthyPercentage: 75, CheckpointPercentages: [25, 100], CheckpointDelay: 7200 },
      }),
    );
    const status = () => s.sim.account.autoscaling.refreshes.list().find((r) => r.id === InstanceRefreshId);
    expect(await s.until(() => (status()?.percentage ?? 0) >= 25, HOUR)).toBe(true);
    expect(await s.sim.settle(HOUR)).toBe(true);
    const old = s.inService().find((id) => before.includes(id)) ?? '';
    s.sim.account.apps.set(old, apps.broken(404));

    expect(await s.until(() => kindsOf(s).includes('target-health.remedy.refused'), 30 * MINUTE)).toBe(true);
    expect(status()?.status).toBe('InProgress');
    const [refused] = s.notices('target-health.remedy.refused');
    expect(refused ? s.text(refused) : '').toContain(
      `instance refresh ${InstanceRefreshId} is InProgress: it replaces instances itself`,
    );
    expect(await s.userHealthChecks()).toBe(0);
    expect(s.inService()).toContain(old);
  });

  it('replaces once when the alarm event is delivered twice', async () => {
    h = await startHealthSim('health-duplicate');
    const s = h;
    const victim = s.inService()[0] ?? '';
    s.sim.account.apps.set(victim, apps.broken(404));
    const persistentAlarm = () =>
      s.sim.account
        .emittedEvents()
        .find(
          (e) =>
            e['detail-type'] === 'CloudWatch Alarm State Change' &&
            (e.detail as { alarmName?: string; state?: { value?: string } }).alarmName === s.alarms.persistent &&
            (e.detail as { state?: { value?: string } }).state?.value === 'ALARM',
        );
    expect(await s.until(() => persistentAlarm() !== undefined, 30 * MINUTE)).toBe(true);
    // EventBridge delivers at least once: the same event again, to a new execution environment and to the warm one.
    const event = persistentAlarm();
    const again = await s.sim.lambda.invokeDirect('targetHealthAlarm', event, 'duplicate-delivery');
    expect(again.outcome).toBe('ok');
    expect(await s.until(() => kindsOf(s).includes('target-health.alarm.recovered'), 30 * MINUTE)).toBe(true);
    expect(await s.sim.settle(HOUR)).toBe(true);

    expect(await s.userHealthChecks()).toBe(1);
    expect(s.notices('target-health.remedy.applied')).toHaveLength(1);
    const terminations = s.sim.account.autoscaling.hookResults.filter(
      (x) => x.transition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    expect(terminations.map((x) => x.instanceId)).toEqual([victim]);
    expect(s.inService()).toHaveLength(4);
  });
});
