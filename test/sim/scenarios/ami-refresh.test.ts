/**
 * AMI refresh end to end on the simulated account: an image made elsewhere becomes available (adopt source) →
 * fleetpilot versions the group's launch template → starts a refresh → the refresh replaces every instance through
 * the lifecycle hooks (each new instance registered, healthy and named before it goes into service) → the refresh
 * succeeds → the new version becomes the template's default. (A refresh whose replacements are abandoned by the
 * lifecycle hooks is not yet failed by the simulated account — it launches them again — so the rollback path is
 * covered by the capability's unit tests and the sim's own refresh tests, not here yet.)
 */
import { join } from 'node:path';
import { CreateImageCommand, EC2Client } from '@aws-sdk/client-ec2';
import { loadConfig } from '../../../shared/config/load';
import { checkInvariants } from '../../../sim/invariants';
import { attachSim } from '../../../sim/plug';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const HOUR = 3_600_000;
const BASE_IMAGE = `ami-0${'1'.repeat(16)}`;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

function start(): Simulation {
  const config = loadConfig(EXAMPLE);
  const service = config.services[0];
  if (!service?.amiRefresh) throw new Error('the example config has no amiRefresh section');
  const group = service.autoScalingGroup;
  service.amiRefresh = {
    ...service.amiRefresh,
    source: { adopt: { owners: ['self'], namePrefix: 'web-' } },
    launchTemplate: { name: `${group}-lt` },
    refresh: {
      ...service.amiRefresh.refresh,
      checkpointPercentages: undefined,
      checkpointDelaySeconds: undefined,
      minHealthyPercentage: 50,
    },
  } as typeof service.amiRefresh;
  delete (service.amiRefresh as { schedule?: unknown }).schedule;
  sim = startSimulation({ config, seed: 'ami-refresh', initialCapacity: 2, launchTemplate: { imageId: BASE_IMAGE } });
  return sim;
}

/** Someone else's pipeline makes an image of a running instance of the group (CreateImage through the SDK). */
async function bakeElsewhere(s: Simulation, name: string): Promise<string> {
  const ec2 = new EC2Client({ region: s.account.region, maxAttempts: 1 });
  attachSim(ec2, s.account);
  const member = s.account.autoscaling.view()[0]?.instances[0]?.id ?? '';
  const out = await ec2.send(new CreateImageCommand({ InstanceId: member, Name: name, NoReboot: true }));
  return out.ImageId ?? '';
}

const TERMINAL = ['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed'];

/** Virtual time until a refresh of the group has started and ended, and the functions are quiet; its final status. */
async function runRefresh(s: Simulation): Promise<string | undefined> {
  const refresh = () => s.account.autoscaling.refreshes.list().at(-1);
  await s.clock.runUntil(() => TERMINAL.includes(refresh()?.status ?? ''), 3 * HOUR);
  await s.settle(HOUR);
  return refresh()?.status;
}

const template = (s: Simulation) =>
  s.account.ec2.launchTemplates.byName(`${s.config.services[0]?.autoScalingGroup}-lt`);

describe('AMI refresh on the simulated account', () => {
  it('rolls the group onto an adopted image through the lifecycle hooks, then makes its version the default', async () => {
    const s = start();
    expect(await s.settle(HOUR)).toBe(true);
    const before = s.account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];

    const image = await bakeElsewhere(s, 'web-2026-11-25');
    // The image turns available after a few virtual minutes; then the refresh runs its course.
    expect(await runRefresh(s)).toBe('Successful');

    const after = s.account.autoscaling.view()[0]?.instances ?? [];
    expect(after.map((i) => i.id).filter((id) => before.includes(id))).toEqual([]);
    expect(after.every((i) => s.account.ec2.get(i.id)?.imageId === image)).toBe(true);
    expect(template(s)?.defaultVersion).toBe(2);
    const kinds = s.account.sns.published.map((m) => m.attributes.kind?.StringValue ?? '');
    expect(kinds.some((k) => k.startsWith('ami-refresh.') && /succeeded/.test(k))).toBe(true);
    expect(checkInvariants(s)).toEqual([]);
  });
});
