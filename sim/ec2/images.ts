/**
 * Simulated Amazon EC2, images (AMIs) and their EBS snapshots.
 *
 * Modelled:
 * - CreateImage from an instance that is `running` or `stopped` (EC2 API reference, CreateImage): the image starts
 *   `pending` with one `pending` snapshot per volume, and becomes `available` (snapshots `completed`) after
 *   `bakeMs` of virtual time; or `failed`, with a StateReason and its snapshots in `error`, when a scenario said so
 *   (`failNext`). Unless NoReboot, the instance reboots (EC2 user guide, "Create an Amazon EBS-backed AMI": without
 *   NoReboot EC2 shuts the instance down and reboots it), so its app is unreachable for `rebootMs`.
 *   TagSpecifications may tag the `image` and the `snapshot`s (the only resource types CreateImage accepts).
 *   Name: 3–128 characters of letters, digits, `( ) [ ] space . / - ' @ _`, unique among the account's registered
 *   images (InvalidAMIName.Malformed, InvalidAMIName.Duplicate).
 * - "EC2 AMI State Change" events (EC2 user guide, "Monitor AMI events using Amazon EventBridge",
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitor-ami-events.html): source aws.ec2, resources the image
 *   ARN, detail RequestId, ImageId, State, ErrorMessage; emitted when an image enters `available`, `failed` or
 *   `deregistered` (the page's table: CreateImage → available | failed, DeregisterImage → deregistered).
 * - DescribeImages (EC2 API reference, DescribeImages): ImageIds (InvalidAMIID.Malformed, InvalidAMIID.NotFound),
 *   Owners (`self`, an account id, an owner alias such as `amazon`), Filters image-id, name, state, owner-id,
 *   owner-alias, tag:<key>, tag-key, tag-value, is-public, with `*` and `?` wildcards (several values OR-ed, several
 *   filters AND-ed), MaxResults/NextToken. Deregistered images are not listed.
 * - DeregisterImage: InvalidAMIID.NotFound for an unknown id, InvalidAMIID.Unavailable for an image already
 *   deregistered (EC2 API reference, "Error codes": "The specified AMI has been deregistered or is in an invalid
 *   state"). The snapshots stay (EC2 user guide, "Deregister an AMI": deregistering does not delete the snapshots)
 *   unless DeleteAssociatedSnapshots.
 * - DeleteSnapshot: InvalidSnapshot.NotFound, InvalidSnapshot.InUse while a registered image (pending, available
 *   or failed) uses it (EC2 API reference, DeleteSnapshot: a snapshot used by a registered AMI cannot be deleted
 *   until the AMI is deregistered). DescribeSnapshots: SnapshotIds, OwnerIds, Filters snapshot-id, status,
 *   volume-id, owner-id, description, tag filters.
 *
 * Approximated: an instance has one 8 GiB root volume (/dev/xvda), so an image has one snapshot; the event's
 * RequestId is drawn by the sim, not the API call's; a deregistered image is remembered (for InvalidAMIID.Unavailable)
 * for `deregisteredVisibleMs`, then forgotten (InvalidAMIID.NotFound); no launch permissions, public images,
 * Recycle Bin, disabling or copying.
 */
import type {
  CreateImageCommandInput,
  CreateImageCommandOutput,
  DeleteSnapshotCommandInput,
  DeregisterImageCommandInput,
  DescribeImagesCommandInput,
  DescribeSnapshotsCommandInput,
  Filter,
  Image,
  ImageState,
  Snapshot,
} from '@aws-sdk/client-ec2';
import type { AppBehaviour } from '../apps';
import { byCodeUnit, type SimContext, type SimOutput } from '../context';
import { SimConfigError } from '../errors';
import { type AmiStateChangeDetail, awsEvent } from '../events';
import { INSTANCE_ID } from './instances';
import { ec2Error, globToRegExp, matchesTagFilter, page, tagsFor, tagsToSdk } from './shared';

/** An image that exists when the account is created (a base AMI, an image made elsewhere). */
export interface ImageSpec {
  id: string;
  name: string;
  /** Owner account; default the account itself. */
  ownerId?: string;
  /** e.g. `amazon` for AWS's public images. */
  ownerAlias?: string;
  tags?: Record<string, string>;
  /** ISO time; default the account's start. */
  creationDate?: string;
  description?: string;
}

export interface ImageTiming {
  /** CreateImage pending → available, ms; default 300,000 (five minutes). */
  bakeMs?: number;
  /** How long CreateImage without NoReboot keeps the instance's app unreachable, ms; default 60,000. */
  rebootMs?: number;
  /** How long a deregistered image is remembered, ms; default one hour. */
  deregisteredVisibleMs?: number;
}

export interface SimSnapshot {
  id: string;
  state: 'pending' | 'completed' | 'error';
  volumeId: string;
  volumeSize: number;
  startTime: number;
  ownerId: string;
  description: string;
  tags: Map<string, string>;
}

export interface SimImage {
  id: string;
  name: string;
  description?: string;
  state: ImageState;
  ownerId: string;
  ownerAlias?: string;
  creationDate: number;
  sourceInstanceId?: string;
  /** Root device → snapshot. */
  blockDevices: Array<{ deviceName: string; snapshotId: string; volumeSize: number }>;
  tags: Map<string, string>;
  stateReason?: { Code: string; Message: string };
  deregisteredAt?: number;
}

/** What images need from the instances: look one up, reboot it. */
export interface ImageSourceInstances {
  get(instanceId: string): { id: string; state: string } | undefined;
  reboot(instanceId: string, rebootMs: number): void;
}

const IMAGE_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SNAPSHOT_ID = /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/;
const IMAGE_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;
const ROOT_DEVICE = '/dev/xvda';
const ROOT_SIZE_GIB = 8;

export class Ec2Images {
  private readonly images = new Map<string, SimImage>();
  private readonly snapshots = new Map<string, SimSnapshot>();
  private readonly apps = new Map<string, AppBehaviour>();
  private readonly failures: string[] = [];
  private readonly timing: Required<ImageTiming>;
  /** Every DeregisterImage that succeeded, with its virtual time; kept after the image itself is forgotten. */
  readonly deregistrations: Array<{ imageId: string; at: number }> = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly instances: ImageSourceInstances,
    specs: ImageSpec[] = [],
    timing: ImageTiming = {},
  ) {
    this.timing = {
      bakeMs: timing.bakeMs ?? 300_000,
      rebootMs: timing.rebootMs ?? 60_000,
      deregisteredVisibleMs: timing.deregisteredVisibleMs ?? 60 * 60 * 1000,
    };
    for (const spec of specs) this.register(spec);
  }

  // ---- sim-side API ----

  /** The next `count` CreateImage calls end `failed` with this message (a failed bake). */
  failNext(count = 1, message = 'An internal error has occurred during AMI creation'): void {
    for (let index = 0; index < count; index++) this.failures.push(message);
  }

  /** Instances launched from `imageId` run this app (e.g. an image whose app never passes its health check). */
  setApp(imageId: string, behaviour: AppBehaviour): void {
    this.apps.set(imageId, behaviour);
  }

  appFor(imageId: string): AppBehaviour | undefined {
    return this.apps.get(imageId);
  }

  get(imageId: string): SimImage | undefined {
    return this.images.get(imageId);
  }

  snapshot(snapshotId: string): SimSnapshot | undefined {
    return this.snapshots.get(snapshotId);
  }

  /** Every image the account remembers (deregistered ones included), oldest first. */
  list(): SimImage[] {
    return [...this.images.values()].sort((a, b) => a.creationDate - b.creationDate || byCodeUnit(a.id, b.id));
  }

  listSnapshots(): SimSnapshot[] {
    return [...this.snapshots.values()].sort((a, b) => a.startTime - b.startTime || byCodeUnit(a.id, b.id));
  }

  /** The tags of an image or snapshot, for CreateTags / DeleteTags; undefined if there is no such resource. */
  tagsOf(resourceId: string): Map<string, string> | undefined {
    const image = this.images.get(resourceId);
    if (image && image.state !== 'deregistered') return image.tags;
    return this.snapshots.get(resourceId)?.tags;
  }

  /** Throw EC2's error for a malformed or unknown image / snapshot id (CreateTags, DeleteTags). */
  assertTaggable(resourceId: string): void {
    if (resourceId.startsWith('ami-')) {
      if (!IMAGE_ID.test(resourceId)) throw this.malformedImage(resourceId);
      if (!this.tagsOf(resourceId)) throw this.imageNotFound([resourceId]);
    } else {
      if (!SNAPSHOT_ID.test(resourceId)) throw this.malformedSnapshot(resourceId);
      if (!this.tagsOf(resourceId)) throw this.snapshotNotFound(resourceId);
    }
  }

  // ---- operations ----

  createImage(input: CreateImageCommandInput): SimOutput<CreateImageCommandOutput> {
    if (!input.InstanceId) throw ec2Error('MissingParameter', 'The request must contain the parameter instanceId');
    if (!input.Name) throw ec2Error('MissingParameter', 'The request must contain the parameter name');
    if (!INSTANCE_ID.test(input.InstanceId)) {
      throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${input.InstanceId}"`);
    }
    const instance = this.instances.get(input.InstanceId);
    if (!instance) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceId}' does not exist`);
    }
    if (!IMAGE_NAME.test(input.Name)) {
      throw ec2Error(
        'InvalidAMIName.Malformed',
        `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
      );
    }
    const duplicate = this.list().find(
      (image) => image.name === input.Name && image.ownerId === this.ctx.accountId && image.state !== 'deregistered',
    );
    if (duplicate) {
      throw ec2Error('InvalidAMIName.Duplicate', `AMI name ${input.Name} is already in use by AMI ${duplicate.id}`);
    }
    if (instance.state !== 'running' && instance.state !== 'stopped') {
      throw ec2Error(
        'IncorrectInstanceState',
        `The instance '${instance.id}' is not in the 'running' or 'stopped' state (it is '${instance.state}')`,
      );
    }
    const imageTags = tagsFor(input.TagSpecifications, ['image', 'snapshot'], 'image');
    const snapshotTags = tagsFor(input.TagSpecifications, ['image', 'snapshot'], 'snapshot');
    const id = this.newId('ami', this.images);
    const now = this.ctx.now();
    const snapshot: SimSnapshot = {
      id: this.newId('snap', this.snapshots),
      state: 'pending',
      volumeId: `vol-${this.ctx.ids.hex(17)}`,
      volumeSize: ROOT_SIZE_GIB,
      startTime: now,
      ownerId: this.ctx.accountId,
      description: `Created by CreateImage(${instance.id}) for ${id}`,
      tags: snapshotTags,
    };
    this.snapshots.set(snapshot.id, snapshot);
    const image: SimImage = {
      id,
      name: input.Name,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      state: 'pending',
      ownerId: this.ctx.accountId,
      creationDate: now,
      sourceInstanceId: instance.id,
      blockDevices: [{ deviceName: ROOT_DEVICE, snapshotId: snapshot.id, volumeSize: ROOT_SIZE_GIB }],
      tags: imageTags,
    };
    this.images.set(id, image);
    if (!input.NoReboot && instance.state === 'running') this.instances.reboot(instance.id, this.timing.rebootMs);
    const requestId = this.ctx.ids.uuid();
    const failure = this.failures.shift();
    this.ctx.schedule(this.timing.bakeMs, () => {
      if (image.state !== 'pending') return;
      if (failure !== undefined) {
        image.state = 'failed';
        image.stateReason = { Code: 'Server.InternalError', Message: failure };
        for (const device of image.blockDevices) this.setSnapshotState(device.snapshotId, 'error');
        this.emit(image, requestId, failure);
      } else {
        image.state = 'available';
        for (const device of image.blockDevices) this.setSnapshotState(device.snapshotId, 'completed');
        this.emit(image, requestId, '');
      }
    });
    return { ImageId: id };
  }

  describeImages(input: DescribeImagesCommandInput) {
    const ids = input.ImageIds ?? [];
    for (const id of ids) if (!IMAGE_ID.test(id)) throw this.malformedImage(id);
    const missing = ids.filter((id) => !this.images.has(id));
    if (missing.length > 0) throw this.imageNotFound(missing);
    let selected = this.list().filter((image) => image.state !== 'deregistered');
    if (ids.length > 0) selected = selected.filter((image) => ids.includes(image.id));
    const owners = input.Owners ?? [];
    if (owners.length > 0) {
      selected = selected.filter((image) =>
        owners.some(
          (owner) =>
            (owner === 'self' && image.ownerId === this.ctx.accountId) ||
            owner === image.ownerId ||
            owner === image.ownerAlias,
        ),
      );
    }
    for (const filter of input.Filters ?? []) selected = selected.filter((image) => this.imageMatches(image, filter));
    const { items, ...rest } = page(selected, input.MaxResults, input.NextToken);
    return { Images: items.map((image) => this.imageToSdk(image)), ...rest };
  }

  deregisterImage(input: DeregisterImageCommandInput) {
    const id = input.ImageId ?? '';
    if (!IMAGE_ID.test(id)) throw this.malformedImage(id);
    const image = this.images.get(id);
    if (!image) throw this.imageNotFound([id]);
    if (image.state === 'deregistered') {
      throw ec2Error('InvalidAMIID.Unavailable', `The image id '[${id}]' is no longer available`);
    }
    if (image.ownerId !== this.ctx.accountId) throw ec2Error('AuthFailure', `Not authorized for image:${id}`);
    image.state = 'deregistered';
    image.deregisteredAt = this.ctx.now();
    this.deregistrations.push({ imageId: id, at: image.deregisteredAt });
    this.emit(image, this.ctx.ids.uuid(), '');
    this.ctx.schedule(this.timing.deregisteredVisibleMs, () => this.images.delete(id));
    const results = input.DeleteAssociatedSnapshots
      ? image.blockDevices.map((device) => {
          this.snapshots.delete(device.snapshotId);
          return { SnapshotId: device.snapshotId, ReturnCode: 'success' as const };
        })
      : undefined;
    return { Return: true, ...(results ? { DeleteSnapshotResults: results } : {}) };
  }

  deleteSnapshot(input: DeleteSnapshotCommandInput) {
    const id = input.SnapshotId ?? '';
    if (!SNAPSHOT_ID.test(id)) throw this.malformedSnapshot(id);
    if (!this.snapshots.has(id)) throw this.snapshotNotFound(id);
    const user = this.list().find(
      (image) => image.state !== 'deregistered' && image.blockDevices.some((device) => device.snapshotId === id),
    );
    if (user) throw ec2Error('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${user.id}`);
    this.snapshots.delete(id);
    return {};
  }

  describeSnapshots(input: DescribeSnapshotsCommandInput) {
    const ids = input.SnapshotIds ?? [];
    for (const id of ids) if (!SNAPSHOT_ID.test(id)) throw this.malformedSnapshot(id);
    const missing = ids.find((id) => !this.snapshots.has(id));
    if (missing) throw this.snapshotNotFound(missing);
    let selected = this.listSnapshots();
    if (ids.length > 0) selected = selected.filter((snapshot) => ids.includes(snapshot.id));
    const owners = input.OwnerIds ?? [];
    if (owners.length > 0) {
      selected = selected.filter((snapshot) =>
        owners.some(
          (owner) => owner === snapshot.ownerId || (owner === 'self' && snapshot.ownerId === this.ctx.accountId),
        ),
      );
    }
    for (const filter of input.Filters ?? []) {
      selected = selected.filter((snapshot) => this.snapshotMatches(snapshot, filter));
    }
    const { items, ...rest } = page(selected, input.MaxResults, input.NextToken);
    return { Snapshots: items.map((snapshot) => this.snapshotToSdk(snapshot)), ...rest };
  }

  // ---- helpers ----

  private register(spec: ImageSpec): void {
    if (!IMAGE_ID.test(spec.id)) throw new SimConfigError(`image ${spec.id}: not an AMI id`);
    if (this.images.has(spec.id)) throw new SimConfigError(`duplicate image ${spec.id}`);
    const snapshot: SimSnapshot = {
      id: this.newId('snap', this.snapshots),
      state: 'completed',
      volumeId: `vol-${this.ctx.ids.hex(17)}`,
      volumeSize: ROOT_SIZE_GIB,
      startTime: spec.creationDate ? Date.parse(spec.creationDate) : this.ctx.now(),
      ownerId: spec.ownerId ?? this.ctx.accountId,
      description: `Snapshot of ${spec.id}`,
      tags: new Map(),
    };
    this.snapshots.set(snapshot.id, snapshot);
    this.images.set(spec.id, {
      id: spec.id,
      name: spec.name,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      state: 'available',
      ownerId: spec.ownerId ?? this.ctx.accountId,
      ...(spec.ownerAlias !== undefined ? { ownerAlias: spec.ownerAlias } : {}),
      creationDate: snapshot.startTime,
      blockDevices: [{ deviceName: ROOT_DEVICE, snapshotId: snapshot.id, volumeSize: ROOT_SIZE_GIB }],
      tags: new Map(Object.entries(spec.tags ?? {})),
    });
  }

  private newId(prefix: 'ami' | 'snap', existing: Map<string, unknown>): string {
    let id = `${prefix}-${this.ctx.ids.hex(17)}`;
    while (existing.has(id)) id = `${prefix}-${this.ctx.ids.hex(17)}`;
    return id;
  }

  private setSnapshotState(snapshotId: string, state: SimSnapshot['state']): void {
    const snapshot = this.snapshots.get(snapshotId);
    if (snapshot) snapshot.state = state;
  }

  private emit(image: SimImage, requestId: string, errorMessage: string): void {
    const detail: AmiStateChangeDetail = {
      RequestId: requestId,
      ImageId: image.id,
      State: image.state as AmiStateChangeDetail['State'],
      ErrorMessage: errorMessage,
    };
    this.ctx.events.emit(
      awsEvent(this.ctx, {
        source: 'aws.ec2',
        detailType: 'EC2 AMI State Change',
        resources: [`arn:aws:ec2:${this.ctx.region}::image/${image.id}`],
        detail,
      }),
    );
  }

  private imageMatches(image: SimImage, filter: Filter): boolean {
    const name = filter.Name ?? '';
    const patterns = (filter.Values ?? []).map(globToRegExp);
    const anyMatches = (candidates: string[]) => candidates.some((value) => patterns.some((re) => re.test(value)));
    const byTag = matchesTagFilter(image.tags, name, anyMatches);
    if (byTag !== undefined) return byTag;
    switch (name) {
      case 'image-id':
        return anyMatches([image.id]);
      case 'name':
        return anyMatches([image.name]);
      case 'state':
        return anyMatches([image.state]);
      case 'owner-id':
        return anyMatches([image.ownerId]);
      case 'owner-alias':
        return image.ownerAlias !== undefined && anyMatches([image.ownerAlias]);
      case 'is-public':
        return anyMatches(['false']);
      case 'description':
        return image.description !== undefined && anyMatches([image.description]);
      default:
        throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }

  private snapshotMatches(snapshot: SimSnapshot, filter: Filter): boolean {
    const name = filter.Name ?? '';
    const patterns = (filter.Values ?? []).map(globToRegExp);
    const anyMatches = (candidates: string[]) => candidates.some((value) => patterns.some((re) => re.test(value)));
    const byTag = matchesTagFilter(snapshot.tags, name, anyMatches);
    if (byTag !== undefined) return byTag;
    switch (name) {
      case 'snapshot-id':
        return anyMatches([snapshot.id]);
      case 'status':
        return anyMatches([snapshot.state]);
      case 'volume-id':
        return anyMatches([snapshot.volumeId]);
      case 'owner-id':
        return anyMatches([snapshot.ownerId]);
      case 'description':
        return anyMatches([snapshot.description]);
      default:
        throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }

  private imageToSdk(image: SimImage): Image {
    return {
      ImageId: image.id,
      Name: image.name,
      ...(image.description !== undefined ? { Description: image.description } : {}),
      State: image.state,
      OwnerId: image.ownerId,
      ...(image.ownerAlias !== undefined ? { ImageOwnerAlias: image.ownerAlias } : {}),
      CreationDate: new Date(image.creationDate).toISOString(),
      Public: false,
      ImageType: 'machine',
      Architecture: 'x86_64',
      RootDeviceType: 'ebs',
      RootDeviceName: ROOT_DEVICE,
      VirtualizationType: 'hvm',
      Hypervisor: 'xen',
      EnaSupport: true,
      PlatformDetails: 'Linux/UNIX',
      UsageOperation: 'RunInstances',
      ...(image.sourceInstanceId !== undefined ? { SourceInstanceId: image.sourceInstanceId } : {}),
      BlockDeviceMappings: image.blockDevices.map((device) => ({
        DeviceName: device.deviceName,
        Ebs: {
          SnapshotId: device.snapshotId,
          VolumeSize: device.volumeSize,
          VolumeType: 'gp3',
          DeleteOnTermination: true,
          Encrypted: false,
        },
      })),
      ...(image.stateReason ? { StateReason: { ...image.stateReason } } : {}),
      Tags: tagsToSdk(image.tags),
    };
  }

  private snapshotToSdk(snapshot: SimSnapshot): Snapshot {
    return {
      SnapshotId: snapshot.id,
      State: snapshot.state,
      Progress: snapshot.state === 'completed' ? '100%' : '0%',
      VolumeId: snapshot.volumeId,
      VolumeSize: snapshot.volumeSize,
      StartTime: new Date(snapshot.startTime),
      OwnerId: snapshot.ownerId,
      Description: snapshot.description,
      Encrypted: false,
      StorageTier: 'standard',
      Tags: tagsToSdk(snapshot.tags),
    };
  }

  private malformedImage(id: string): Error {
    return ec2Error('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
  }

  private imageNotFound(ids: string[]): Error {
    return ec2Error('InvalidAMIID.NotFound', `The image id '[${ids.join(', ')}]' does not exist`);
  }

  private malformedSnapshot(id: string): Error {
    return ec2Error('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);
  }

  private snapshotNotFound(id: string): Error {
    return ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
  }
}
