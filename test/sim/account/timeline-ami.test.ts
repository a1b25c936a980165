import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { startSimulation } from '../../../sim/simulation';
import { Timeline } from '../../../sim/timeline';

const HOUR = 3_600_000;

describe('the demo timeline of an AMI refresh', () => {
  it('shows and counts the bake, the new version, the refresh, its outcome and the default moved', async () => {
    const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));
    const service = config.services[0];
    const ami = service?.amiRefresh;
    if (!service || !ami || !('instance' in ami.source)) throw new Error('the example config bakes no images');
    ami.refresh = { ...ami.refresh, minHealthyPercentage: 50, checkpointPercentages: undefined };
    delete ami.refresh.checkpointDelaySeconds;
    const sim = startSimulation({
      config,
      seed: 'timeline-ami',
      initialCapacity: 1,
      launchTemplate: { imageId: `ami-0${'1'.repeat(16)}` },
    });
    const lines: string[] = [];
    try {
      const timeline = new Timeline(sim.account, { colour: false, write: (line) => lines.push(line) });
      expect(await sim.settle(HOUR)).toBe(true);
      const template = sim.account.ec2.launchTemplates.byName(`${service.autoScalingGroup}-lt`);
      const member = sim.account.autoscaling.view()[0]?.instances[0]?.id ?? '';
      ami.launchTemplate = { id: template?.id ?? '' };
      ami.source = { instance: { instanceId: member, reboot: false } };

      const bake = await sim.lambda.invokeDirect(
        'amiRefreshBake',
        { fleetpilot: 'ami-refresh', action: 'bake', service: service.name },
        'bake-1',
      );
      await sim.clock.runUntil(
        () => sim.account.autoscaling.refreshes.list()[0]?.status === 'Successful',
        3 * HOUR,
        5_000,
      );
      expect(await sim.settle(HOUR)).toBe(true);

      expect(bake).toMatchObject({ fn: 'amiRefreshBake', trigger: 'direct', outcome: 'ok' });
      expect(timeline.summary.ami).toEqual({
        images: { baked: 1, available: 1, failed: 0, rejected: 0, retired: 0 },
        snapshotsDeleted: 0,
        versions: { created: 1, defaultMoved: 1 },
        refreshes: { started: 1, checkpoints: 0, outcomes: { succeeded: 1 } },
      });
      expect(lines.some((l) => /StartInstanceRefresh +web-asg -> lt-\w+ version 2/.test(l))).toBe(true);
      expect(lines.some((l) => /ModifyLaunchTemplate +lt-\w+ default version -> 2/.test(l))).toBe(true);
      expect(lines.some((l) => /Template versions +1 created/.test(l))).toBe(false);
      timeline.printSummary([]);
      expect(lines.some((l) => /Template versions +1 created, default moved 1 time/.test(l))).toBe(true);
    } finally {
      sim.stop();
    }
  });
});
