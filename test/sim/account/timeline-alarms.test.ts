import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { loadConfig } from '../../../shared/config/load';
import { attachSim } from '../../../sim';
import { startSimulation } from '../../../sim/simulation';
import { Timeline } from '../../../sim/timeline';

const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));

describe('the demo timeline and CloudWatch alarms', () => {
  it('shows each alarm state change with its states, and counts them in the summary', async () => {
    const sim = startSimulation({ config, seed: 3 });
    const lines: string[] = [];
    try {
      const timeline = new Timeline(sim.account, { colour: false, write: (line) => lines.push(line) });
      const name = sim.wiring.alarms[0]?.alarm.AlarmName ?? '';
      await sim.clock.advance(61_000);
      const cloudWatch = new CloudWatchClient({ region: sim.account.region });
      attachSim(cloudWatch, sim.account);
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'drill' }));
      await sim.clock.advance(1_000);

      expect(lines.filter((line) => line.includes(`CloudWatch Alarm State Change ${name} `))).toEqual([
        expect.stringMatching(/INSUFFICIENT_DATA -> OK$/),
        expect.stringMatching(/OK -> ALARM$/),
      ]);
      // Every alarm that treats missing data as not breaching went OK at the first minute, and so did the target
      // group's host-count alarms, which have data (the example's load balancer is in the stack) but not yet the
      // datapoints to alarm; then the drill.
      const wentOk = sim.wiring.alarms.filter(
        (declared) =>
          declared.alarm.TreatMissingData === 'notBreaching' || declared.alarm.Namespace === 'AWS/ApplicationELB',
      ).length;
      expect(wentOk).toBeGreaterThan(0);
      expect(timeline.summary.alarms).toEqual({ changes: wentOk + 1, toAlarm: 1 });
      timeline.printSummary([]);
      expect(lines).toContain(`  Alarm state changes   ${wentOk + 1} (1 into ALARM)`);
    } finally {
      sim.stop();
    }
  });
});
