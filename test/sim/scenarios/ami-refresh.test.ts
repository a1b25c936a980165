/**
 * AMI refresh end to end on the simulated account: an image made elsewhere becomes available (adopt source) →
 * fleetpilot versions the group's launch template → starts a refresh → the refresh replaces every instance through
 * the lifecycle hooks (each new instance registered, healthy and named before it goes into service) → the refresh
 * succeeds → the new version becomes the template's default. Then the paths the issue names: a duplicated image
 * event, a refresh already running when the image arrives (wait / skip), a failed bake, a rollback through a
 * CloudWatch alarm (the sim fails a refresh on an alarm in ALARM), a rollback after
 * replacements that never pass their health check (abandoned by the launch hook until the sim fails the refresh and
 * rolls it back: sim/autoscaling/instance-refresh.ts, header), and retention with images in use. Each asserts the
 * account's final state, the notifications and the invariants.
 */
import { join } from 'node:path';
import { AutoScalingClient, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateImageCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import { loadConfig } from '../../../shared/config/load';
import { apps } from '../../../sim/apps';
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

type AmiSection = NonNullable<ReturnType<typeof loadConfig>['services'][number]['amiRefresh']>;

interface Overrides {
  refresh?: Partial<AmiSection['refresh']>;
  retention?: AmiSection['retention'];
}

function start(overrides: Overrides = {}): Simulation {
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
      ...overrides.refresh,
    },
    ...(overrides.retention ? { retention: overrides.retention } : {}),
  } as typeof service.amiRefresh;
  delete (service.amiRefresh as { schedule?: unknown }).schedule;
  sim = startSimulation({ config, seed: 'ami-refresh', initialCapacity: 2, launchTemplate: { imageId: BASE_IMAGE } });
  return sim;
}

/** Someone else's pipeline makes an image of a running instance of the group (CreateImage through the SDK). */
async function bakeElsewhere(s: Simulation, name: string, tags: Tag[] = [], from?: string): Promise<string> {
  const ec2 = new EC2Client({ region: s.account.region, maxAttempts: 1 });
  attachSim(ec2, s.account);
  const member = from ?? s.account.autoscaling.view()[0]?.instances[0]?.id ?? '';
  const out = await ec2.send(
    new CreateImageCommand({
      InstanceId: member,
      Name: name,
      NoReboot: true,
      ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'image', Tags: tags }] } : {}),
    }),
  );
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

/** The AMI refresh notifications sent so far: kind, severity and text. */
const notices = (s: Simulation) =>
  s.account.sns.published
    .map((m) => ({
      kind: m.attributes.kind?.StringValue ?? '',
      severity: m.attributes.severity?.StringValue ?? '',
      message: m.message,
    }))
    .filter((n) => n.kind.startsWith('ami-refresh.'));

const kindsOf = (s: Simulation) => notices(s).map((n) => n.kind);
const count = (s: Simulation, kind: string) => kindsOf(s).filter((k) => k === kind).length;

function sdk(s: Simulation) {
  const autoScaling = new AutoScalingClient({ region: s.account.region, maxAttempts: 1 });
  attachSim(autoScaling, s.account);
  return autoScaling;
}

/** Someone starts a refresh by hand on the group's current version 1 (every instance replaced). */
async function startByHand(s: Simulation): Promise<string> {
  const out = await sdk(s).send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: s.config.services[0]?.autoScalingGroup,
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: template(s)?.id, Version: '1' } },
      Preferences: { MinHealthyPercentage: 50, SkipMatching: false },
    }),
  );
  return out.InstanceRefreshId ?? '';
}

const groupImages = (s: Simulation) =>
  (s.account.autoscaling.view()[0]?.instances ?? []).map((i) => s.account.ec2.get(i.id)?.imageId);

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

  it('creates one version and one refresh when every event is delivered twice', async () => {
    const s = start();
    expect(await s.settle(HOUR)).toBe(true);
    s.account.faults.eventDelivery({ duplicateRate: 1 });

    const image = await bakeElsewhere(s, 'web-duplicated');
    expect(await runRefresh(s)).toBe('Successful');

    const deliveries = s.account.events.deliveries.filter(
      (d) => d.event['detail-type'] === 'EC2 AMI State Change' && JSON.stringify(d.event.detail).includes(image),
    );
    expect(deliveries.length).toBe(2);
    expect(template(s)?.latestVersion).toBe(2);
    expect(template(s)?.defaultVersion).toBe(2);
    expect(s.account.autoscaling.refreshes.list().map((r) => r.status)).toEqual(['Successful']);
    expect(groupImages(s).every((id) => id === image)).toBe(true);
    expect(count(s, 'ami-refresh.refresh.started')).toBe(1);
    // The repeated Succeeded event finds the default already moved and stays silent.
    expect(count(s, 'ami-refresh.refresh.succeeded')).toBe(1);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('waits for a refresh already running, then starts its own after it (whenInProgress: wait)', async () => {
    const s = start({ refresh: { whenInProgress: 'wait' } });
    expect(await s.settle(HOUR)).toBe(true);
    const theirs = await startByHand(s);

    const image = await bakeElsewhere(s, 'web-after-theirs');
    await s.clock.runUntil(() => s.account.autoscaling.refreshes.list().length === 2, 3 * HOUR);
    expect(await runRefresh(s)).toBe('Successful');

    const refreshes = s.account.autoscaling.refreshes.history();
    expect(refreshes.map((r) => [r.id === theirs, r.status, r.desired?.version])).toEqual([
      [true, 'Successful', '1'],
      [false, 'Successful', '2'],
    ]);
    expect(refreshes[1]?.startTime).toBeGreaterThanOrEqual(refreshes[0]?.endTime ?? Infinity);
    expect(template(s)?.defaultVersion).toBe(2);
    expect(groupImages(s).every((id) => id === image)).toBe(true);
    expect(count(s, 'ami-refresh.refresh.waiting')).toBe(1);
    expect(count(s, 'ami-refresh.refresh.started')).toBe(1);
    expect(kindsOf(s).indexOf('ami-refresh.refresh.waiting')).toBeLessThan(
      kindsOf(s).indexOf('ami-refresh.refresh.started'),
    );
    expect(checkInvariants(s)).toEqual([]);
  });

  it('reports and starts nothing when a refresh is already running (whenInProgress: skip)', async () => {
    const s = start({ refresh: { whenInProgress: 'skip' } });
    expect(await s.settle(HOUR)).toBe(true);
    const theirs = await startByHand(s);

    const image = await bakeElsewhere(s, 'web-skipped');
    await runRefresh(s);
    await s.clock.advance(HOUR);
    expect(await s.settle(HOUR)).toBe(true);

    expect(s.account.autoscaling.refreshes.list().map((r) => [r.id, r.status])).toEqual([[theirs, 'Successful']]);
    expect(template(s)?.defaultVersion).toBe(1);
    expect(groupImages(s).includes(image)).toBe(false);
    const skipped = notices(s).filter((n) => n.kind === 'ami-refresh.refresh.skipped');
    expect(skipped.map((n) => n.severity)).toEqual(['warning']);
    expect(skipped[0]?.message).toContain(image);
    expect(count(s, 'ami-refresh.refresh.started')).toBe(0);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('reports a failed bake with its reason and versions nothing', async () => {
    const s = start();
    expect(await s.settle(HOUR)).toBe(true);
    s.account.ec2.images.failNext(1, 'Snapshot creation failed: volume in error state');

    const image = await bakeElsewhere(s, 'web-broken-bake');
    await s.clock.advance(10 * 60_000);
    expect(await s.settle(HOUR)).toBe(true);

    expect(s.account.ec2.images.get(image)?.state).toBe('failed');
    expect(template(s)?.latestVersion).toBe(1);
    expect(template(s)?.defaultVersion).toBe(1);
    expect(s.account.autoscaling.refreshes.list()).toEqual([]);
    const failed = notices(s).filter((n) => n.kind === 'ami-refresh.bake.failed');
    expect(failed.map((n) => n.severity)).toEqual(['critical']);
    expect(failed[0]?.message).toContain('Snapshot creation failed: volume in error state');
    expect(checkInvariants(s)).toEqual([]);
  });

  it('rolls back on an alarm: the default stays, the image is rejected, a critical report says why', async () => {
    const s = start({ refresh: { autoRollback: true, alarms: ['web-5xx'] } });
    expect(await s.settle(HOUR)).toBe(true);
    const before = s.account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];

    const image = await bakeElsewhere(s, 'web-bad-release');
    // The first replacement is in service on the new image: then the application's 5xx alarm fires.
    await s.clock.runUntil(
      () =>
        (s.account.autoscaling.view()[0]?.instances ?? []).some(
          (i) => i.lifecycleState === 'InService' && s.account.ec2.get(i.id)?.imageId === image,
        ),
      2 * HOUR,
    );
    // The application's alarm (someone else's, on a metric the sim has no data for: its state is kept) fires.
    const cloudWatch = new CloudWatchClient({ region: s.account.region, maxAttempts: 1 });
    attachSim(cloudWatch, s.account);
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'the application fails' }),
    );
    expect(await runRefresh(s)).toBe('RollbackSuccessful');

    expect(template(s)?.defaultVersion).toBe(1);
    expect(template(s)?.latestVersion).toBe(2);
    expect(s.account.ec2.images.get(image)?.tags.get('fleetpilot:rejected')).toBe('true');
    expect(groupImages(s).every((id) => id === BASE_IMAGE)).toBe(true);
    expect(groupImages(s).length).toBe(before.length);
    const failed = notices(s).filter((n) => n.kind === 'ami-refresh.refresh.failed');
    expect(failed.map((n) => n.severity)).toEqual(['critical']);
    expect(failed[0]?.message).toContain('web-5xx');
    expect(failed[0]?.message).toContain(image);
    expect(count(s, 'ami-refresh.refresh.succeeded')).toBe(0);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('rolls back when the replacements never pass their health check: launch hooks abandon them, the image is rejected', async () => {
    const s = start({ refresh: { autoRollback: true } });
    expect(await s.settle(HOUR)).toBe(true);
    const before = s.account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];

    const image = await bakeElsewhere(s, 'web-never-healthy');
    s.account.ec2.images.setApp(image, apps.broken(500));
    expect(await runRefresh(s)).toBe('RollbackSuccessful');

    expect(template(s)?.defaultVersion).toBe(1);
    expect(s.account.ec2.images.get(image)?.tags.get('fleetpilot:rejected')).toBe('true');
    expect(groupImages(s).every((id) => id === BASE_IMAGE)).toBe(true);
    expect(groupImages(s).length).toBe(before.length);
    // Each replacement on the new image was abandoned by fleetpilot's launch hook (a critical lifecycle notice).
    const abandoned = s.account.sns.published.filter((m) => /abandon/i.test(m.attributes.kind?.StringValue ?? ''));
    expect(abandoned.length).toBeGreaterThanOrEqual(3);
    const failed = notices(s).filter((n) => n.kind === 'ami-refresh.refresh.failed');
    expect(failed.map((n) => n.severity)).toEqual(['critical']);
    expect(failed[0]?.message).toMatch(/failed to launch/);
    expect(failed[0]?.message).toContain(image);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('retires only unreferenced fleetpilot-made images beyond the policy, and their snapshots', async () => {
    const s = start({ retention: { keepNewest: 1, keepYoungerThanDays: 0 } });
    expect(await s.settle(HOUR)).toBe(true);
    const ours = (source: string): Tag[] => [
      { Key: 'fleetpilot:service', Value: 'web' },
      { Key: 'fleetpilot:source', Value: source },
    ];
    // Earlier bakes: two unreferenced, one a standalone instance still runs on; and an image fleetpilot did not make.
    const oldA = await bakeElsewhere(s, 'bake-a', ours('i-earlier'));
    const oldB = await bakeElsewhere(s, 'bake-b', ours('i-earlier'));
    const running = await bakeElsewhere(s, 'bake-running', ours('i-earlier'));
    const foreign = await bakeElsewhere(s, 'someone-elses');
    await s.clock.advance(6 * 60_000);
    const subnetId = s.account.ec2.get(s.account.autoscaling.view()[0]?.instances[0]?.id ?? '')?.subnetId ?? '';
    const standalone = s.account.ec2.launch({
      subnetId,
      imageId: running,
      instanceType: 't3.micro',
      alreadyRunning: true,
    });
    const snapshotsOf = (id: string) => s.account.ec2.images.get(id)?.blockDevices.map((d) => d.snapshotId) ?? [];
    const goneSnapshots = [...snapshotsOf(oldA), ...snapshotsOf(oldB)];

    // The release the group moves to is fleetpilot-tagged too; a newer bake arrives while the refresh runs, so
    // the group's image is beyond keepNewest 1 but in use.
    const release = await bakeElsewhere(s, 'web-release', ours('ci'));
    await s.clock.runUntil(() => s.account.autoscaling.refreshes.list().length === 1, HOUR);
    const newest = await bakeElsewhere(s, 'bake-newest', ours('i-earlier'), standalone.id);
    expect(await runRefresh(s)).toBe('Successful');

    const state = (id: string) => s.account.ec2.images.get(id)?.state;
    expect([oldA, oldB].map(state)).toEqual(['deregistered', 'deregistered']);
    expect([running, release, newest, foreign, BASE_IMAGE].map(state)).toEqual([
      'available',
      'available',
      'available',
      'available',
      'available',
    ]);
    expect(goneSnapshots.map((id) => s.account.ec2.images.snapshot(id))).toEqual([undefined, undefined]);
    expect(snapshotsOf(running).map((id) => s.account.ec2.images.snapshot(id)?.state)).toEqual(['completed']);
    expect(s.account.ec2.images.deregistrations.map((d) => d.imageId).sort()).toEqual([oldA, oldB].sort());
    const succeeded = notices(s).filter((n) => n.kind === 'ami-refresh.refresh.succeeded');
    expect(succeeded.length).toBe(1);
    expect(succeeded[0]?.message).toContain(oldA);
    expect(succeeded[0]?.message).toContain(oldB);
    expect(checkInvariants(s)).toEqual([]);
  });
});
