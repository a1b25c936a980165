import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { createSimAccount, createVirtualClock } from '../../../sim';
import { type SimulationOptions, stackFromConfig } from '../../../sim/simulation';

const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));
const IMAGE = `ami-0${'5'.repeat(16)}`;

describe('stackFromConfig and launch templates', () => {
  const accountFor = (options: Partial<SimulationOptions>) => {
    const clock = createVirtualClock({ seedMathRandom: 3 });
    const account = createSimAccount(stackFromConfig(config, { config, seed: 3, ...options }, clock, { queues: [] }));
    return { clock, account };
  };

  it('gives every group a launch template on the base image and the ELB health check when asked', async () => {
    const { clock, account } = accountFor({ launchTemplate: { imageId: IMAGE }, initialCapacity: 1 });
    try {
      const groupName = config.services[0]?.autoScalingGroup ?? '';
      const template = account.ec2.launchTemplates.byName(`${groupName}-lt`);
      expect(template?.id).toMatch(/^lt-[0-9a-f]{17}$/);
      expect(account.ec2.images.get(IMAGE)?.state).toBe('available');
      await clock.advance(120_000);
      const member = account.autoscaling.view().find((group) => group.name === groupName)?.instances[0];
      expect(account.ec2.get(member?.id ?? '')?.imageId).toBe(IMAGE);
    } finally {
      clock.uninstall();
    }
  });

  it('keeps groups without a launch template when not asked', () => {
    const { clock, account } = accountFor({});
    try {
      expect(account.ec2.launchTemplates.list()).toEqual([]);
      expect(account.ec2.images.list()).toEqual([]);
    } finally {
      clock.uninstall();
    }
  });
});
