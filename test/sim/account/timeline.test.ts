import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { startSimulation } from '../../../sim/simulation';
import { Timeline } from '../../../sim/timeline';

const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));

describe('the demo timeline', () => {
  it('counts the lifecycle answers, registrations and DNS writes of one launch by the calls the account answered', async () => {
    const sim = startSimulation({ config, seed: 3, initialCapacity: 1 });
    const lines: string[] = [];
    try {
      const timeline = new Timeline(sim.account, { colour: false, write: (line) => lines.push(line) });
      const settled = await sim.settle(3_600_000);

      expect(settled).toBe(true);
      expect(timeline.summary.hooks).toEqual({ continue: 1, abandon: 0, byDefaultResult: 0 });
      expect(timeline.summary.registrations).toBeGreaterThan(0);
      expect(timeline.summary.recordsWritten).toBeGreaterThan(0);
      expect(lines.some((line) => line.includes('CompleteLifecycleAction'))).toBe(true);
    } finally {
      sim.stop();
    }
  });
});
