import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  InvalidFormatFault,
  InvalidParameterValueException,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { apps } from '../../../sim';
import type { AlarmStateChangeEvent } from '../../../sim/events';
import { loadEvent } from '../../helpers/events';
import { type Harness, rejectionOf, startAccount } from './harness';

/** Every key path of a JSON value (array items by their first element), for comparing shapes. */
const keyPaths = (value: unknown, prefix = ''): string[] => {
  if (Array.isArray(value)) return value.length === 0 ? [prefix] : keyPaths(value[0], `${prefix}[]`);
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [
    `${prefix}.${key}`,
    ...keyPaths(inner, `${prefix}.${key}`),
  ]);
};

describe('simulated CloudWatch alarms on target group metrics', () => {
  let h: Harness;
  let dimensions: Array<{ Name: string; Value: string }>;
  let events: AlarmStateChangeEvent[];
  let instanceId: string;

  const alarm = (overrides: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
    AlarmName: 'web-unhealthy-hosts',
    AlarmDescription: 'A target of web is unhealthy',
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'UnHealthyHostCount',
    Dimensions: dimensions,
    Statistic: 'Maximum',
    Period: 60,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    ...overrides,
  });

  beforeEach(async () => {
    h = startAccount({
      targetGroups: [
        {
          name: 'web',
          healthCheck: { intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
          healthCheckPhaseSeconds: 0,
        },
      ],
      autoScalingGroups: [
        {
          name: 'web-asg',
          minSize: 2,
          maxSize: 2,
          desiredCapacity: 2,
          subnetIds: ['subnet-0aaa'],
          targetGroupNames: ['web'],
        },
      ],
    });
    const { TargetGroups } = await h.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    const group = TargetGroups?.[0];
    // AWS's dimension values: the ARN suffixes targetgroup/<name>/<id> and app/<name>/<id>.
    dimensions = [
      { Name: 'TargetGroup', Value: group?.TargetGroupArn?.split(':').pop() ?? '' },
      { Name: 'LoadBalancer', Value: group?.LoadBalancerArns?.[0]?.split(':loadbalancer/')[1] ?? '' },
    ];
    events = [];
    h.account.onEvent((event) => {
      if (event['detail-type'] === 'CloudWatch Alarm State Change') events.push(event);
    });
    instanceId = h.account.ec2.list()[0]?.id ?? '';
  });
  afterEach(() => h.done());

  it('goes OK → ALARM → OK as a target fails and recovers, with the reasons and events AWS writes', async () => {
    await h.cloudWatch.send(new PutMetricAlarmCommand(alarm()));
    expect(h.account.cloudWatch.alarmStatus('web-unhealthy-hosts')).toEqual({
      value: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
    });

    await h.clock.advance(61_000); // 09:01:01: the 09:00 datapoint (0 unhealthy) is in
    expect(h.account.cloudWatch.alarmState('web-unhealthy-hosts')).toBe('OK');

    h.account.apps.set(instanceId, apps.broken(502));
    await h.clock.advance(60_000); // 09:02:01: failing since 09:01:10, unhealthy at 09:01:20
    expect(h.account.cloudWatch.alarmState('web-unhealthy-hosts')).toBe('OK'); // one breaching datapoint of two
    await h.clock.advance(60_000); // 09:03:01
    expect(h.account.cloudWatch.alarmStatus('web-unhealthy-hosts')?.reason).toBe(
      'Threshold Crossed: 2 out of the last 2 datapoints [1.0 (05/01/26 09:02:00), 1.0 (05/01/26 09:01:00)] were ' +
        'greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    expect(h.account.cloudWatch.alarmState('web-unhealthy-hosts')).toBe('ALARM');

    h.account.apps.set(instanceId, apps.healthy());
    await h.clock.advance(60_000); // 09:04:01: healthy again at 09:03:20
    expect(h.account.cloudWatch.alarmStatus('web-unhealthy-hosts')).toEqual({
      value: 'OK',
      reason:
        'Threshold Crossed: 1 out of the last 2 datapoints [0.0 (05/01/26 09:03:00)] was not greater than the ' +
        'threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).',
      reasonData:
        '{"version":"1.0","queryDate":"2026-01-05T09:04:00.000+0000","startDate":"2026-01-05T09:02:00.000+0000",' +
        '"statistic":"Maximum","period":60,"recentDatapoints":[1.0,0.0],"threshold":0.0}',
    });

    await h.clock.advance(1_000);
    expect(events.map((event) => [event.detail.previousState.value, event.detail.state.value, event.time])).toEqual([
      ['INSUFFICIENT_DATA', 'OK', '2026-01-05T09:01:00Z'],
      ['OK', 'ALARM', '2026-01-05T09:03:00Z'],
      ['ALARM', 'OK', '2026-01-05T09:04:00Z'],
    ]);
    const toAlarm = events[1];
    expect(toAlarm?.source).toBe('aws.cloudwatch');
    expect(toAlarm?.resources).toEqual([`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-unhealthy-hosts`]);
    expect(toAlarm?.detail.configuration.metrics[0]?.metricStat).toEqual({
      metric: {
        dimensions: { TargetGroup: dimensions[0]?.Value, LoadBalancer: dimensions[1]?.Value },
        name: 'UnHealthyHostCount',
        namespace: 'AWS/ApplicationELB',
      },
      period: 60,
      stat: 'Maximum',
    });
    expect(toAlarm?.detail.state.timestamp).toBe('2026-01-05T09:03:00.000+0000');
  });

  it('emits events with the keys of AWS sample, reason data included', async () => {
    const sample = loadEvent<Record<string, unknown> & { detail: { state: { reasonData: string } } }>(
      'cloudwatch-alarm-state-change',
    );
    await h.cloudWatch.send(new PutMetricAlarmCommand(alarm()));
    await h.clock.advance(61_000);
    h.account.apps.set(instanceId, apps.broken(502));
    await h.clock.advance(121_000);

    // OK -> ALARM: both states were evaluated, so both carry reason data, as in the sample.
    const event = events[1];
    expect(event?.detail.state.value).toBe('ALARM');
    // The sample watches an EC2 metric: the dimension names differ, the shape does not.
    const shape = (value: unknown) => [
      ...new Set(keyPaths(value).map((path) => path.replace(/\.dimensions\.\w+/, '.dimensions.*'))),
    ];
    expect(shape(event).sort()).toEqual(shape(sample).sort());
    expect(Object.keys(JSON.parse(event?.detail.state.reasonData ?? '{}')).sort()).toEqual(
      Object.keys(JSON.parse(sample.detail.state.reasonData)).sort(),
    );
  });

  it('treats missing data as told: INSUFFICIENT_DATA by default, OK when not breaching', async () => {
    const unknownTarget = [
      { Name: 'TargetGroup', Value: 'targetgroup/nothing/0123456789abcdef' },
      { Name: 'LoadBalancer', Value: dimensions[1]?.Value ?? '' },
    ];
    await h.cloudWatch.send(new PutMetricAlarmCommand(alarm({ AlarmName: 'missing', Dimensions: unknownTarget })));
    await h.cloudWatch.send(
      new PutMetricAlarmCommand(
        alarm({ AlarmName: 'quiet', Dimensions: unknownTarget, TreatMissingData: 'notBreaching' }),
      ),
    );
    await h.clock.advance(5 * 60_000);

    expect(h.account.cloudWatch.alarmStatus('missing')?.reason).toBe('Insufficient Data: 2 datapoints were unknown.');
    expect(h.account.cloudWatch.alarmStatus('quiet')).toMatchObject({
      value: 'OK',
      reason:
        'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching].',
    });
  });

  it('lets SetAlarmState force a state until the next evaluation, and refuses bad reason data', async () => {
    await h.cloudWatch.send(new PutMetricAlarmCommand(alarm()));
    await h.clock.advance(61_000);
    await h.cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-unhealthy-hosts', StateValue: 'ALARM', StateReason: 'drill' }),
    );
    expect(h.account.cloudWatch.alarmState('web-unhealthy-hosts')).toBe('ALARM');
    await h.clock.advance(60_000);
    expect(h.account.cloudWatch.alarmState('web-unhealthy-hosts')).toBe('OK');
    expect(events.map((event) => event.detail.state.reason)).toContain('drill');

    const bad = await rejectionOf(
      h.cloudWatch.send(
        new SetAlarmStateCommand({
          AlarmName: 'web-unhealthy-hosts',
          StateValue: 'ALARM',
          StateReason: 'x',
          StateReasonData: '{not json',
        }),
      ),
    );
    expect(bad).toBeInstanceOf(InvalidFormatFault);
    const unknown = await rejectionOf(
      h.cloudWatch.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFound);
  });

  it('describes alarms by names, prefix and state, a page at a time, and deletes them', async () => {
    for (const name of ['web-a', 'web-b', 'web-c', 'api-a']) {
      await h.cloudWatch.send(new PutMetricAlarmCommand(alarm({ AlarmName: name })));
    }
    const first = await h.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'web-', MaxRecords: 2 }));
    expect(first.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['web-a', 'web-b']);
    const second = await h.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: 'web-', MaxRecords: 2, NextToken: first.NextToken }),
    );
    expect(second.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['web-c']);
    expect(second.NextToken).toBeUndefined();

    const byName = await h.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['api-a'] }));
    expect(byName.MetricAlarms?.[0]).toMatchObject({
      AlarmName: 'api-a',
      StateValue: 'INSUFFICIENT_DATA',
      Namespace: 'AWS/ApplicationELB',
      Dimensions: dimensions,
      DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
    });
    await h.clock.advance(61_000);
    const ok = await h.cloudWatch.send(new DescribeAlarmsCommand({ StateValue: 'OK' }));
    expect(ok.MetricAlarms).toHaveLength(4);

    await h.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: ['web-a', 'api-a'] }));
    expect(h.account.cloudWatch.alarmNames()).toEqual(['web-b', 'web-c']);
    expect(await rejectionOf(h.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: ['web-a'] })))).toBeInstanceOf(
      ResourceNotFound,
    );
  });

  it('refuses a period that is not 10, 20, 30 or a multiple of 60, and more datapoints than periods', async () => {
    const period = await rejectionOf(h.cloudWatch.send(new PutMetricAlarmCommand(alarm({ Period: 90 }))));
    expect(period).toBeInstanceOf(InvalidParameterValueException);
    const datapoints = await rejectionOf(
      h.cloudWatch.send(new PutMetricAlarmCommand(alarm({ EvaluationPeriods: 2, DatapointsToAlarm: 3 }))),
    );
    expect(datapoints).toBeInstanceOf(InvalidParameterValueException);
    expect(h.account.cloudWatch.alarmNames()).toEqual([]);
  });

  it('counts healthy hosts too, and only for the load balancer the target group is behind', async () => {
    await h.cloudWatch.send(
      new PutMetricAlarmCommand(
        alarm({
          AlarmName: 'too-few',
          MetricName: 'HealthyHostCount',
          ComparisonOperator: 'LessThanThreshold',
          Threshold: 2,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
        }),
      ),
    );
    await h.clock.advance(61_000);
    expect(h.account.cloudWatch.alarmState('too-few')).toBe('OK');
    h.account.apps.set(instanceId, apps.broken('timeout'));
    await h.clock.advance(60_000);
    expect(h.account.cloudWatch.alarmState('too-few')).toBe('ALARM');
    expect(
      h.account.elbv2.hostCountMetric('AWS/NetworkELB', 'HealthyHostCount', {
        TargetGroup: dimensions[0]?.Value ?? '',
        LoadBalancer: dimensions[1]?.Value ?? '',
      }),
    ).toBeUndefined();
  });
});
