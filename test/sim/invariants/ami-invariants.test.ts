/**
 * The AMI refresh invariants of sim/invariants.ts can fail: an image deregistered while a group's launch template
 * version and running instances use it, and a refresh during which the group's healthy count fell below its
 * MinHealthyPercentage, are each reported; an unused image deregistered and a plain refresh are not.
 */
import { join } from 'node:path';
import { AutoScalingClient, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CreateImageCommand, DeregisterImageCommand, EC2Client } from '@aws-sdk/client-ec2';
import { loadConfig } from '../../../shared/config/load';
import { attachSim } from '../../../sim';
import { invariants } from '../../../sim/invariants';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;
const BASE_IMAGE = `ami-0${'2'.repeat(16)}`;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

/** A settled group of two on `web-asg-lt` version 1 (BASE_IMAGE), without the AMI refresh capability reacting. */
async function settled() {
  const config = loadConfig(EXAMPLE);
  for (const service of config.services) delete service.amiRefresh;
  const s = startSimulation({
    config,
    seed: 'ami-invariants',
    initialCapacity: 2,
    launchTemplate: { imageId: BASE_IMAGE },
  });
  sim = s;
  expect(await s.settle(HOUR)).toBe(true);
  const ec2 = new EC2Client({ region: s.config.region, maxAttempts: 1 });
  const autoScaling = new AutoScalingClient({ region: s.config.region, maxAttempts: 1 });
  attachSim(ec2, s.account);
  attachSim(autoScaling, s.account);
  expect(invariants.noImageInUseDeregistered(s)).toEqual([]);
  expect(invariants.refreshKeptMinHealthy(s)).toEqual([]);
  return { s, ec2, autoScaling };
}

const members = (s: Simulation) => s.account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];

describe('AMI refresh invariants report a violating account', () => {
  it('noImageInUseDeregistered: the image of the group version and of its running instances', async () => {
    const { s, ec2 } = await settled();
    const [first, second] = members(s);
    const templateId = s.account.ec2.launchTemplates.byName(`${GROUP}-lt`)?.id;

    await ec2.send(new DeregisterImageCommand({ ImageId: BASE_IMAGE }));

    const at = new Date(s.clock.now()).toISOString();
    expect(invariants.noImageInUseDeregistered(s).sort()).toEqual(
      [
        `${BASE_IMAGE} was deregistered at ${at} while ${first} ran on it`,
        `${BASE_IMAGE} was deregistered at ${at} while ${second} ran on it`,
        `${BASE_IMAGE} was deregistered at ${at} while ${GROUP} used ${templateId} version 1 on it`,
      ].sort(),
    );
  });

  it('noImageInUseDeregistered: an image nobody uses may go', async () => {
    const { s, ec2 } = await settled();
    const made = await ec2.send(
      new CreateImageCommand({ InstanceId: members(s)[0] ?? '', Name: 'unused-image', NoReboot: true }),
    );
    await s.clock.advance(6 * 60_000);

    await ec2.send(new DeregisterImageCommand({ ImageId: made.ImageId ?? '' }));

    expect(s.account.ec2.images.deregistrations.map((d) => d.imageId)).toEqual([made.ImageId]);
    expect(invariants.noImageInUseDeregistered(s)).toEqual([]);
  });

  it('refreshKeptMinHealthy: no instance healthy during a refresh that must keep one', async () => {
    const { s, autoScaling } = await settled();
    const templateId = s.account.ec2.launchTemplates.byName(`${GROUP}-lt`)?.id ?? '';
    await autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: GROUP,
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '1' } },
        Preferences: { MinHealthyPercentage: 50, SkipMatching: false, InstanceWarmup: 60 },
      }),
    );
    await s.clock.advance(10_000);
    expect(invariants.refreshKeptMinHealthy(s)).toEqual([]);

    // While the first batch is replaced, someone stops the instance that was keeping the group at its minimum.
    const keeper = s.account.autoscaling.view()[0]?.instances.find((i) => i.lifecycleState === 'InService')?.id;
    s.account.ec2.stop(keeper ?? '');
    await s.clock.advance(10_000);

    const [refresh] = s.account.autoscaling.refreshes.history();
    expect(refresh?.lowestHealthy?.healthy).toBe(0);
    expect(invariants.refreshKeptMinHealthy(s)).toEqual([
      `refresh ${refresh?.id} of ${GROUP} had 0 healthy of 2 at ${new Date(refresh?.lowestHealthy?.at ?? 0).toISOString()} (refresh), below MinHealthyPercentage 50 (at least 1)`,
    ]);
  });
});
