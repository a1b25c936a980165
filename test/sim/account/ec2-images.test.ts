import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import type { AmiStateChangeEvent } from '../../../sim/events';
import { type Harness, rejectionOf, startAccount } from './harness';

const BASE = `ami-0${'1'.repeat(16)}`;
const MARKETPLACE = `ami-0${'2'.repeat(16)}`;

const amiEvents = (h: Harness): AmiStateChangeEvent[] =>
  h.account
    .emittedEvents()
    .filter((event): event is AmiStateChangeEvent => event['detail-type'] === 'EC2 AMI State Change');

describe('simulated EC2 images and snapshots', () => {
  let h: Harness;
  let instanceId: string;

  beforeEach(() => {
    h = startAccount({
      images: [
        { id: BASE, name: 'web-base-2026-01-01', tags: { team: 'web' } },
        { id: MARKETPLACE, name: 'al2023-ami-2026', ownerId: '137112412989', ownerAlias: 'amazon' },
      ],
      autoScalingGroups: [
        { name: 'web-asg', minSize: 1, maxSize: 2, desiredCapacity: 1, subnetIds: ['subnet-0aaa'], imageId: BASE },
      ],
    });
    instanceId = h.account.ec2.list()[0]?.id ?? '';
  });

  afterEach(() => h.done());

  const bake = (name: string, extra: { NoReboot?: boolean } = {}) =>
    h.ec2.send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: name,
        ...extra,
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'fleetpilot:service', Value: 'web' }] },
          { ResourceType: 'snapshot', Tags: [{ Key: 'fleetpilot:image', Value: name }] },
        ],
      }),
    );

  it('bakes an image pending → available in five virtual minutes, with a tagged snapshot and one state-change event', async () => {
    const { ImageId } = await bake('web-2026-01-05');
    const [pending] = (await h.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ''] }))).Images ?? [];
    expect(pending).toMatchObject({ State: 'pending', Name: 'web-2026-01-05', SourceInstanceId: instanceId });
    expect(pending?.Tags).toEqual([{ Key: 'fleetpilot:service', Value: 'web' }]);
    const snapshotId = pending?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? '';
    const [snapshot] = (await h.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots ?? [];
    expect(snapshot).toMatchObject({ State: 'pending', Tags: [{ Key: 'fleetpilot:image', Value: 'web-2026-01-05' }] });
    // Without NoReboot the instance reboots: its app is unreachable for a while.
    expect(h.account.ec2.runningFor(instanceId)).toBeUndefined();

    await h.clock.advance(299_000);
    expect(amiEvents(h)).toHaveLength(0);
    await h.clock.advance(2_000);

    const [available] = (await h.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ''] }))).Images ?? [];
    expect(available?.State).toBe('available');
    const after = (await h.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots ?? [];
    expect(after[0]?.State).toBe('completed');
    expect(h.account.ec2.runningFor(instanceId)).toBeGreaterThan(0);
    const events = amiEvents(h);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.ec2',
      'detail-type': 'EC2 AMI State Change',
      resources: [`arn:aws:ec2:${h.account.region}::image/${ImageId}`],
      detail: { ImageId, State: 'available', ErrorMessage: '' },
    });
    expect(Object.keys(events[0]?.detail ?? {}).sort()).toEqual(['ErrorMessage', 'ImageId', 'RequestId', 'State']);
  });

  it('keeps the app reachable with NoReboot', async () => {
    await bake('web-noreboot', { NoReboot: true });
    expect(h.account.ec2.runningFor(instanceId)).toBeDefined();
  });

  it('fails a bake when the scenario says so: state failed, a StateReason, snapshots in error, a failed event', async () => {
    h.account.ec2.images.failNext(1, 'Volume snapshot failed');
    const { ImageId } = await bake('web-broken', { NoReboot: true });
    await h.clock.advance(301_000);
    const [image] = (await h.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId ?? ''] }))).Images ?? [];
    expect(image).toMatchObject({
      State: 'failed',
      StateReason: { Code: 'Server.InternalError', Message: 'Volume snapshot failed' },
    });
    expect(amiEvents(h).map((event) => [event.detail.State, event.detail.ErrorMessage])).toEqual([
      ['failed', 'Volume snapshot failed'],
    ]);
  });

  it('filters DescribeImages by owner, name with wildcards, tags, state and id', async () => {
    const { ImageId } = await bake('web-2026-01-05', { NoReboot: true });
    const names = async (input: DescribeImagesCommandInput) =>
      ((await h.ec2.send(new DescribeImagesCommand(input))).Images ?? []).map((image) => image.Name).sort();

    expect(await names({ Owners: ['self'] })).toEqual(['web-2026-01-05', 'web-base-2026-01-01']);
    expect(await names({ Owners: ['amazon'] })).toEqual(['al2023-ami-2026']);
    expect(await names({ Filters: [{ Name: 'name', Values: ['web-2026-*'] }] })).toEqual(['web-2026-01-05']);
    expect(await names({ Filters: [{ Name: 'name', Values: ['web-base-????-01-01', 'al2023*'] }] })).toEqual([
      'al2023-ami-2026',
      'web-base-2026-01-01',
    ]);
    expect(await names({ Filters: [{ Name: 'tag:fleetpilot:service', Values: ['web'] }] })).toEqual(['web-2026-01-05']);
    expect(await names({ Filters: [{ Name: 'tag-key', Values: ['team'] }] })).toEqual(['web-base-2026-01-01']);
    expect(await names({ Filters: [{ Name: 'state', Values: ['pending'] }] })).toEqual(['web-2026-01-05']);
    expect(
      await names({
        Owners: ['self'],
        Filters: [
          { Name: 'image-id', Values: [ImageId ?? ''] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    ).toEqual([]);

    await h.ec2.send(
      new CreateTagsCommand({ Resources: [BASE], Tags: [{ Key: 'fleetpilot:rejected', Value: 'true' }] }),
    );
    expect(await names({ Filters: [{ Name: 'tag:fleetpilot:rejected', Values: ['true'] }] })).toEqual([
      'web-base-2026-01-01',
    ]);
  });

  it('answers EC2 error codes for unknown and malformed image ids and unknown filters', async () => {
    const unknown = `ami-0${'9'.repeat(16)}`;
    expect((await rejectionOf(h.ec2.send(new DescribeImagesCommand({ ImageIds: [unknown] })))).name).toBe(
      'InvalidAMIID.NotFound',
    );
    expect((await rejectionOf(h.ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-nope'] })))).name).toBe(
      'InvalidAMIID.Malformed',
    );
    expect(
      (await rejectionOf(h.ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })))).name,
    ).toBe('InvalidParameterValue');
    expect((await rejectionOf(h.ec2.send(new DeregisterImageCommand({ ImageId: unknown })))).name).toBe(
      'InvalidAMIID.NotFound',
    );
  });

  it('refuses a duplicate name, an unknown instance and a tag specification for another resource type', async () => {
    await bake('web-once', { NoReboot: true });
    expect((await rejectionOf(bake('web-once'))).name).toBe('InvalidAMIName.Duplicate');
    const missing = await rejectionOf(
      h.ec2.send(new CreateImageCommand({ InstanceId: `i-0${'f'.repeat(16)}`, Name: 'web-x' })),
    );
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    const wrongType = await rejectionOf(
      h.ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: 'web-y',
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }],
        }),
      ),
    );
    expect(wrongType.name).toBe('InvalidParameterValue');
  });

  it('deregisters without deleting the snapshot, which can be deleted only once no registered image uses it', async () => {
    const { ImageId = '' } = await bake('web-old', { NoReboot: true });
    await h.clock.advance(301_000);
    const [image] = (await h.ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId] }))).Images ?? [];
    const snapshotId = image?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? '';

    const inUse = await rejectionOf(h.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    expect(inUse.name).toBe('InvalidSnapshot.InUse');
    expect(inUse.message).toContain(ImageId);

    await h.ec2.send(new DeregisterImageCommand({ ImageId }));
    expect((await h.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images?.map((i) => i.ImageId)).toEqual([
      BASE,
    ]);
    expect((await h.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots).toHaveLength(1);
    expect(amiEvents(h).map((event) => event.detail.State)).toEqual(['available', 'deregistered']);
    expect((await rejectionOf(h.ec2.send(new DeregisterImageCommand({ ImageId })))).name).toBe(
      'InvalidAMIID.Unavailable',
    );

    await h.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    expect((await rejectionOf(h.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })))).name).toBe(
      'InvalidSnapshot.NotFound',
    );
  });

  it('refuses to deregister an image another account owns', async () => {
    expect((await rejectionOf(h.ec2.send(new DeregisterImageCommand({ ImageId: MARKETPLACE })))).name).toBe(
      'AuthFailure',
    );
  });
});
