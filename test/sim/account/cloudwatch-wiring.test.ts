import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { type Simulation, startSimulation } from '../../../sim/simulation';
import { readWiring } from '../../../sim/wiring';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

describe('the stack’s CloudWatch alarms on the simulated account', () => {
  let sim: Simulation | undefined;
  afterEach(() => sim?.stop());

  it('reads every AWS::CloudWatch::Alarm of serverless.yml, with references named by logical id', () => {
    const wiring = readWiring('fleetpilot.example.yml', { stage: 'sim' });
    const byId = new Map(wiring.alarms.map((declared) => [declared.logicalId, declared.alarm]));

    expect(byId.get('DnsChangeDeadLetterAlarm')).toMatchObject({
      AlarmName: 'fleetpilot-sim-dns-changes-dlq',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'DnsChangeDeadLetterQueue' }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ['AlertsTopic'],
    });
    expect(byId.get('AlertsDeliveryFailedAlarm')?.Dimensions).toEqual([{ Name: 'TopicName', Value: 'AlertsTopic' }]);
  });

  it('creates them in the account, where they are evaluated over virtual time', async () => {
    sim = startSimulation({ config: loadConfig(EXAMPLE), seed: 5 });
    const names = sim.wiring.alarms.map((declared) => declared.alarm.AlarmName).sort();
    expect(names.length).toBeGreaterThan(0);
    expect(sim.account.cloudWatch.alarmNames()).toEqual(names);
    expect(names.map((name) => sim?.account.cloudWatch.alarmState(name ?? ''))).toEqual(
      names.map(() => 'INSUFFICIENT_DATA'),
    );

    // No data for most of these metrics in the sim: an alarm that treats missing data as not breaching goes OK; one
    // that treats it as missing keeps INSUFFICIENT_DATA. The target group's host counts have data (the example's load
    // balancer is in the stack): no instance yet, so "fewer than minHealthy healthy" is in ALARM.
    await sim.clock.advance(6 * 60_000);
    const expected = new Map(
      sim.wiring.alarms.map((declared) => [
        declared.alarm.AlarmName,
        declared.alarm.MetricName === 'HealthyHostCount'
          ? 'ALARM'
          : declared.alarm.TreatMissingData === 'notBreaching' || declared.alarm.MetricName === 'UnHealthyHostCount'
            ? 'OK'
            : 'INSUFFICIENT_DATA',
      ]),
    );
    expect(expected.size).toBe(names.length);
    expect(names.map((name) => sim?.account.cloudWatch.alarmState(name ?? ''))).toEqual(
      names.map((name) => expected.get(name)),
    );
  });
});
