/**
 * Diagnosis on ALARM and the recovery report on OK, through the handler, on AWS's sample alarm event
 * (events/cloudwatch-alarm-state-change.json) renamed to fleetpilot's alarm, under aws-sdk-client-mock.
 */
import { SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { REASON_CODES } from '../../../functions/target-health/explain';
import { makeTargetHealthHandler } from '../../../functions/target-health/handlers';
import { ConfigError } from '../../../shared/errors';
import type { Notification } from '../../../shared/notify/notifier';
import { loadEvent } from '../../helpers/events';
import {
  alarmEvent,
  alarmIs,
  allowFromLb,
  autoScaling,
  cloudWatch,
  elbv2,
  makeDeps,
  NOW,
  nameOf,
  reset,
  type TargetSpec,
  world,
} from './harness';

const HEALTHY = (n: number): TargetSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `i-0healthy00000000${i}`, state: 'healthy' }));
const text = (n: Notification | undefined) =>
  n ? [n.title, n.summary, ...n.facts.map(([k, v]) => `${k}: ${v}`)].join('\n') : '';

beforeEach(() => reset());

describe('which alarms it acts on', () => {
  it("ignores AWS's sample as published (an alarm fleetpilot does not deploy) and asks AWS nothing", async () => {
    const { deps, notifier } = makeDeps();

    const result = await makeTargetHealthHandler(deps)(loadEvent('cloudwatch-alarm-state-change'));

    expect(result).toMatchObject({ status: 'ignored' });
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it("ignores the same group's alarm of another stage and asks AWS nothing", async () => {
    const { deps, notifier } = makeDeps();
    alarmIs(nameOf('unhealthy', undefined, 'prod'), 'ALARM');

    const result = await makeTargetHealthHandler(deps)(alarmEvent(nameOf('unhealthy', undefined, 'prod')));

    expect(result).toMatchObject({ status: 'ignored', reason: expect.stringContaining('not one fleetpilot deploys') });
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it('refuses to start without its stage (FLEETPILOT_STAGE): no alarm name could be recognised', () => {
    const { deps } = makeDeps();
    const { stage: _stage, ...withoutStage } = deps;

    expect(() => makeTargetHealthHandler(withoutStage)).toThrow(ConfigError);
    expect(() => makeTargetHealthHandler(withoutStage)).toThrow(/FLEETPILOT_STAGE/);
  });

  it('trusts DescribeAlarms, not the event: an ALARM event for an alarm that is OK again is ignored', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'OK');
    world({ targets: HEALTHY(2) });

    const result = await makeTargetHealthHandler(deps)(alarmEvent(name, 'ALARM'));

    expect(result).toMatchObject({ status: 'ignored', reason: expect.stringContaining('is OK now') });
    expect(elbv2).not.toHaveReceivedCommand(DescribeTargetHealthCommand);
    expect(notifier.sent).toHaveLength(0);
  });

  it('ignores an alarm that carries a fleetpilot name but watches another metric', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    cloudWatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: name, Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', StateValue: 'ALARM' }],
    });

    const result = await makeTargetHealthHandler(deps)(alarmEvent(name));

    expect(result).toMatchObject({ status: 'ignored', reason: expect.stringContaining('does not watch') });
    expect(notifier.sent).toHaveLength(0);
  });

  it('reports a repeated delivery of the same state change once', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({ targets: [...HEALTHY(3), { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.Timeout' }] });
    const handler = makeTargetHealthHandler(deps);

    await handler(alarmEvent(name));
    const second = await handler(alarmEvent(name));

    expect(second).toMatchObject({ status: 'ignored', reason: expect.stringContaining('already handled') });
    expect(notifier.sent.map((n) => n.kind)).toEqual(['target-health.alarm.diagnosed']);
  });

  it('rejects a malformed event, naming the field, and changes nothing', async () => {
    const { deps, notifier } = makeDeps();
    const event = alarmEvent(nameOf('unhealthy'));
    (event.detail as Record<string, unknown>).state = { value: 'BROKEN' };

    const result = await makeTargetHealthHandler(deps)(event);

    expect(result).toMatchObject({ status: 'rejected', reason: expect.stringContaining('detail.state.value') });
    expect(notifier.sent.map((n) => n.kind)).toEqual(['target-health.event.invalid']);
    expect(cloudWatch.calls()).toHaveLength(0);
  });
});

describe('diagnosis of each reason code', () => {
  const cases: [string, TargetSpec['state'], string, string][] = [
    ['Elb.RegistrationInProgress', 'initial', '', 'being registered'],
    ['Elb.InitialHealthChecking', 'initial', '', 'still running its first health checks (3 passing checks 10 s apart'],
    [
      'Target.ResponseCodeMismatch',
      'unhealthy',
      'Health checks failed with these codes: [404]',
      'not on the health-check path',
    ],
    [
      'Target.Timeout',
      'unhealthy',
      'Request timed out',
      'does not answer the health check on port 80 (/health) within 5 s',
    ],
    ['Target.FailedHealthChecks', 'unhealthy', 'Health checks failed', 'could not connect to port 80'],
    [
      'Target.NotRegistered',
      'unused',
      'Target is not registered to the target group',
      'not registered in the target group',
    ],
    [
      'Target.NotInUse',
      'unused',
      'Target group is not configured to receive traffic from the load balancer',
      'not used by any load balancer',
    ],
    ['Target.DeregistrationInProgress', 'draining', 'Target deregistration is in progress', 'being deregistered'],
    ['Target.InvalidState', 'unused', 'Target is in the stopped state', 'stopped or terminated'],
    [
      'Target.IpUnusable',
      'unused',
      'The IP address is in use by a load balancer',
      'reserved for use by a load balancer',
    ],
    [
      'Target.HealthCheckDisabled',
      'unavailable',
      'Health checks are disabled',
      'Health checks are disabled on the target group',
    ],
    [
      'Elb.InternalError',
      'unhealthy',
      'Health checks failed due to an internal error',
      'internal error of the load balancer',
    ],
  ];

  it('covers every reason code ELB documents', () => {
    expect(cases.map(([code]) => code).sort()).toEqual([...REASON_CODES].sort());
  });

  it.each(cases)('%s (%s) is explained in words with a next step', async (reason, state, description, expected) => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({
      targets: [...HEALTHY(3), { id: 'i-0bad000000000000a', state, reason, ...(description ? { description } : {}) }],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    const sent = notifier.sent[0];
    expect(sent?.kind).toBe('target-health.alarm.diagnosed');
    const line = sent?.facts.find(([label]) => label === 'i-0bad000000000000a:80')?.[1] ?? '';
    expect(line).toContain(expected);
    expect(line).toContain(reason);
    expect(line).toMatch(/Next: \S/);
  });
});

describe('what the combination of facts means', () => {
  it('a 404 on /health: the application answers, but not on the health-check path', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({
      targets: [
        ...HEALTHY(3),
        {
          id: 'i-0bad000000000000a',
          state: 'unhealthy',
          reason: 'Target.ResponseCodeMismatch',
          description: 'Health checks failed with these codes: [404]',
        },
      ],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    const body = text(notifier.sent[0]);
    expect(body).toContain('The application answers, but not on the health-check path: /health returned 404');
    expect(body).toContain('Is /health served by the application (the WAS behind the web server)?');
    expect(body).toContain('HTTP port 80 /health expects 200');
    expect(notifier.sent[0]?.severity).toBe('warning');
    // One failing target: its explanation is the summary, not only a fact line.
    expect(notifier.sent[0]?.summary).toContain(
      'i-0bad000000000000a: The application answers, but not on the health-check path',
    );
  });

  it('a timeout with no inbound rule from the load balancer: the security group blocks the health check', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({
      targets: [...HEALTHY(3), { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.Timeout' }],
      // Only SSH is open, and only from an office range.
      webRules: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    const body = text(notifier.sent[0]);
    expect(body).toContain('The security group blocks the health check');
    expect(body).toContain('sg-0web00000000000b allowing TCP 80 from security group sg-0lb000000000000a');
  });

  it('a timeout on a separate health-check port the group does not open is a block, even if traffic is allowed', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({
      targets: [...HEALTHY(3), { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.Timeout' }],
      healthCheck: { port: '8081' },
      webRules: [allowFromLb(80)],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    expect(text(notifier.sent[0])).toContain('reach TCP 8081');
  });

  it('a timeout with the port open: the application does not answer in time', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({ targets: [...HEALTHY(3), { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.Timeout' }] });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    const body = text(notifier.sent[0]);
    expect(body).toContain('the security groups let the load balancer in');
    expect(body).not.toContain('blocks');
  });

  it('every target failing right after a refresh started: the new image is bad, naming the refresh', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    const failing = (i: number): TargetSpec => ({
      id: `i-0new00000000000${i}a`,
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [502]',
    });
    world({
      targets: [failing(1), failing(2), failing(3)],
      refreshes: [
        {
          InstanceRefreshId: 'ccfdb0b4-6ee1-4a8e-bc1e-2c9b2bbb8e3e',
          AutoScalingGroupName: 'web-asg',
          Status: 'InProgress',
          StartTime: new Date(NOW - 8 * 60_000),
        },
      ],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    const sent = notifier.sent[0];
    expect(sent?.severity).toBe('critical');
    expect(sent?.summary).toContain('The new image is bad: 3 of 3 targets are unhealthy');
    expect(sent?.summary).toContain('instance refresh ccfdb0b4-6ee1-4a8e-bc1e-2c9b2bbb8e3e');
  });

  it('most targets failing without a refresh: systemic, not one instance', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('healthy-low');
    alarmIs(name, 'ALARM');
    world({
      targets: [
        { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.FailedHealthChecks' },
        { id: 'i-0bad000000000000b', state: 'unhealthy', reason: 'Target.FailedHealthChecks' },
        ...HEALTHY(1),
      ],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    expect(notifier.sent[0]?.summary).toContain('2 of 3 targets are unhealthy (more than 50 %): the cause is shared');
    expect(notifier.sent[0]?.title).toContain('fewer than 1 healthy targets');
    expect(autoScaling).not.toHaveReceivedCommand(SetInstanceHealthCommand);
  });

  it('every target blocked by the security group: says so for the group, not "systemic"', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'ALARM');
    world({
      targets: [
        { id: 'i-0bad000000000000a', state: 'unhealthy', reason: 'Target.Timeout' },
        { id: 'i-0bad000000000000b', state: 'unhealthy', reason: 'Target.Timeout' },
      ],
      webRules: [],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name));

    expect(notifier.sent[0]?.summary).toContain('the security group blocks the health check for every one of them');
  });
});

describe('recovery', () => {
  it('reports OK with how long the alarm lasted, from the alarm history', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'OK', new Date(NOW));
    cloudWatch.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [
        {
          AlarmName: name,
          HistoryItemType: 'StateUpdate',
          Timestamp: new Date(NOW),
          HistorySummary: 'Alarm updated from ALARM to OK',
          HistoryData: JSON.stringify({
            version: '1.0',
            oldState: { stateValue: 'ALARM' },
            newState: { stateValue: 'OK' },
          }),
        },
        {
          AlarmName: name,
          HistoryItemType: 'StateUpdate',
          Timestamp: new Date(NOW - 25 * 60_000),
          HistorySummary: 'Alarm updated from OK to ALARM',
          HistoryData: JSON.stringify({
            version: '1.0',
            oldState: { stateValue: 'OK' },
            newState: { stateValue: 'ALARM' },
          }),
        },
      ],
    });

    await makeTargetHealthHandler(deps)(alarmEvent(name, 'OK'));

    const sent = notifier.sent[0];
    expect(sent?.kind).toBe('target-health.alarm.recovered');
    expect(sent?.severity).toBe('info');
    expect(sent?.title).toBe('web-http: recovered after 25 min');
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmHistoryCommand, {
      AlarmName: name,
      HistoryItemType: 'StateUpdate',
    });
  });

  it('says the duration is unknown when the history holds no ALARM', async () => {
    const { deps, notifier } = makeDeps();
    const name = nameOf('unhealthy');
    alarmIs(name, 'OK', new Date(NOW));
    cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });

    await makeTargetHealthHandler(deps)(alarmEvent(name, 'OK'));

    expect(notifier.sent[0]?.title).toContain('recovered after unknown');
  });
});
