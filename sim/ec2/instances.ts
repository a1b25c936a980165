/**
 * Simulated Amazon EC2, instances: in subnets, their states, tags (index.ts composes the service).
 *
 * Modelled:
 * - Instance ids `i-` + 17 hex digits; states and codes pending(0) → running(16) → shutting-down(32) →
 *   terminated(48), stopping(64) → stopped(80) (EC2 API reference, InstanceState).
 * - Private IPv4 addresses from the subnet CIDR, skipping the first four and the last address of the
 *   block, which AWS reserves (Amazon VPC user guide, "Subnet CIDR blocks").
 * - Terminated instances stay describable for about an hour, then vanish (EC2 API reference,
 *   DescribeInstances: "Terminated instances remain visible after termination (for approximately one
 *   hour)"); afterwards asking for the id gives InvalidInstanceID.NotFound.
 * - DescribeInstances filters: instance-id, instance-state-name, instance-state-code, availability-zone,
 *   subnet-id, image-id, private-ip-address, instance.group-id, instance.group-name, tag:<key>, tag-key, tag-value,
 *   with `*` and `?` wildcards;
 *   several values of one filter are OR-ed, several filters AND-ed.
 * - DeleteTags semantics (EC2 API reference, DeleteTags): a tag given with a key only is deleted whatever
 *   its value; with a value (even "") only if the value matches; no Tags at all deletes every tag except
 *   `aws:` ones.
 * - Errors (EC2 API reference, "Error codes"): InvalidInstanceID.NotFound, InvalidInstanceID.Malformed,
 *   InvalidParameterValue; EC2 answers them with HTTP 400.
 *
 * - Security groups (security-groups.ts): an instance gets the groups its launch names (or its launch template's),
 *   else its VPC's default group; DescribeInstances lists them as SecurityGroups (GroupId, GroupName).
 * - CreateImage reboots the instance unless NoReboot (images.ts): `reboot()` keeps it `running` with its app
 *   unreachable for a while.
 *
 * Approximated: one reservation per instance; no pagination beyond MaxResults/NextToken by offset; no
 * RunInstances/TerminateInstances API (instances come from Auto Scaling or the scenario).
 */
import {
  type CreateTagsCommandInput,
  type DeleteTagsCommandInput,
  type DescribeInstancesCommandInput,
  EC2ServiceException,
  type Filter,
  type Instance,
  type InstanceStateName,
} from '@aws-sdk/client-ec2';
import type { AppBehaviour, AppControls } from '../apps';
import { byCodeUnit, type SimContext, type TimerHandle } from '../context';
import { SimConfigError, serviceError } from '../errors';
import { globToRegExp } from './shared';

export interface SubnetSpec {
  id: string;
  availabilityZone: string;
  /** IPv4 CIDR, e.g. 10.0.1.0/24. */
  cidr: string;
  vpcId?: string;
  /** Give instances launched here a public IPv4 address. */
  mapPublicIp?: boolean;
}

export interface Ec2Timing {
  /** pending → running, ms; default 20,000 (± up to `bootJitterMs`). */
  bootMs?: number;
  bootJitterMs?: number;
  /** shutting-down → terminated, ms; default 30,000. */
  shutdownMs?: number;
  /** stopping → stopped, ms; default 20,000. */
  stopMs?: number;
  /** How long terminated instances stay describable, ms; default one hour. */
  terminatedVisibleMs?: number;
}

const STATE_CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface SimInstance {
  id: string;
  state: InstanceStateName;
  imageId: string;
  instanceType: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIp: string;
  publicIp?: string;
  launchTime: number;
  /** When the instance last entered `running` (for app uptime). */
  runningSince?: number;
  /** Until then the instance reboots onto a replaced root volume: still `running`, its app unreachable. */
  rebootingUntil?: number;
  terminatedAt?: number;
  tags: Map<string, string>;
  stateReason?: string;
  /** The security groups of its network interface (security-groups.ts); the VPC's default group if none was given. */
  securityGroupIds: string[];
}

export interface LaunchRequest {
  subnetId: string;
  imageId: string;
  instanceType: string;
  tags?: Record<string, string>;
  app?: AppBehaviour;
  /** Start already running (scenario set-up), default false. */
  alreadyRunning?: boolean;
  /** Security group ids or names (in the subnet's VPC); default the VPC's default group. */
  securityGroupIds?: string[];
}

type StateListener = (instance: SimInstance) => void;

export const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

const ipToInt = (ip: string): number => ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
const intToIp = (value: number): string => [24, 16, 8, 0].map((shift) => String((value >>> shift) & 255)).join('.');

/** The instances of the simulated EC2 (Ec2Service in index.ts extends it with images and launch templates). */
export class Ec2Instances {
  private readonly instances = new Map<string, SimInstance>();
  private readonly subnets = new Map<string, SubnetSpec & { used: Set<string> }>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly timing: Required<Ec2Timing>;

  /** The app behaviour of instances launched from an image, when a scenario gave the image one (images.ts). */
  protected appForImage: (imageId: string) => AppBehaviour | undefined = () => undefined;

  /** Group ids for the names or ids a launch asks for, in a VPC (security-groups.ts; index.ts plugs it in). */
  protected securityGroupsFor: (namesOrIds: readonly string[], vpcId: string) => string[] = (ids) => [...ids];

  /** How DescribeInstances lists an instance's groups (index.ts plugs in the names). */
  protected securityGroupIdentifiers: (ids: readonly string[]) => Array<{ GroupId: string; GroupName: string }> = (
    ids,
  ) => ids.map((id) => ({ GroupId: id, GroupName: '' }));

  constructor(
    protected readonly ctx: SimContext,
    readonly apps: AppControls,
    subnets: SubnetSpec[],
    timing: Ec2Timing = {},
  ) {
    this.timing = {
      bootMs: timing.bootMs ?? 20_000,
      bootJitterMs: timing.bootJitterMs ?? 5_000,
      shutdownMs: timing.shutdownMs ?? 30_000,
      stopMs: timing.stopMs ?? 20_000,
      terminatedVisibleMs: timing.terminatedVisibleMs ?? 60 * 60 * 1000,
    };
    for (const subnet of subnets) {
      if (this.subnets.has(subnet.id)) throw new SimConfigError(`duplicate subnet ${subnet.id}`);
      const [base, bits] = subnet.cidr.split('/');
      if (base === undefined || bits === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(base)) {
        throw new SimConfigError(`subnet ${subnet.id}: not an IPv4 CIDR: ${subnet.cidr}`);
      }
      this.subnets.set(subnet.id, { ...subnet, used: new Set() });
    }
  }

  // ---- sim-side API (used by Auto Scaling, ELB and scenarios) ----

  subnet(subnetId: string): SubnetSpec {
    const subnet = this.subnets.get(subnetId);
    if (!subnet) throw new SimConfigError(`unknown subnet ${subnetId}`);
    return subnet;
  }

  /** Called on every state change of any instance. */
  onStateChange(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  get(instanceId: string): SimInstance | undefined {
    return this.instances.get(instanceId);
  }

  /** Every subnet of the account, in the order given. */
  subnetList(): SubnetSpec[] {
    return [...this.subnets.values()];
  }

  /** How long the instance has been running, or undefined if it is not running. */
  runningFor(instanceId: string): number | undefined {
    const instance = this.instances.get(instanceId);
    if (instance?.state !== 'running' || instance.runningSince === undefined) return undefined;
    if (instance.rebootingUntil !== undefined && instance.rebootingUntil > this.ctx.now()) return undefined;
    return this.ctx.now() - instance.runningSince;
  }

  launch(request: LaunchRequest): SimInstance {
    const subnet = this.subnets.get(request.subnetId);
    if (!subnet) throw new SimConfigError(`unknown subnet ${request.subnetId}`);
    let id = `i-${this.ctx.ids.hex(17)}`;
    while (this.instances.has(id)) id = `i-${this.ctx.ids.hex(17)}`;
    const now = this.ctx.now();
    const vpcId = subnet.vpcId ?? 'vpc-0sim';
    const securityGroupIds = this.securityGroupsFor(request.securityGroupIds ?? [], vpcId);
    const instance: SimInstance = {
      id,
      state: request.alreadyRunning ? 'running' : 'pending',
      imageId: request.imageId,
      instanceType: request.instanceType,
      subnetId: subnet.id,
      vpcId,
      availabilityZone: subnet.availabilityZone,
      privateIp: this.allocateIp(subnet),
      launchTime: now,
      tags: new Map(Object.entries(request.tags ?? {})),
      securityGroupIds,
    };
    if (subnet.mapPublicIp) instance.publicIp = `198.51.100.${1 + this.ctx.ids.int(254)}`;
    if (request.alreadyRunning) instance.runningSince = now;
    this.instances.set(id, instance);
    const imageApp = request.app ? undefined : this.appForImage(request.imageId);
    if (request.app) this.apps.set(id, request.app);
    else if (imageApp) this.apps.set(id, imageApp);
    else this.apps.assignAtLaunch(id);
    if (!request.alreadyRunning) {
      const jitter = this.timing.bootJitterMs > 0 ? this.ctx.dice.int(this.timing.bootJitterMs + 1) : 0;
      this.after(id, this.timing.bootMs + jitter, () => this.setState(instance, 'running'));
    }
    this.notify(instance);
    return instance;
  }

  terminate(instanceId: string, reason = 'Client.UserInitiatedShutdown: User initiated shutdown'): void {
    const instance = this.mustGet(instanceId);
    if (instance.state === 'shutting-down' || instance.state === 'terminated') return;
    instance.stateReason = reason;
    this.setState(instance, 'shutting-down');
    this.after(instance.id, this.timing.shutdownMs, () => {
      instance.terminatedAt = this.ctx.now();
      this.setState(instance, 'terminated');
      this.after(instance.id, this.timing.terminatedVisibleMs, () => {
        this.instances.delete(instance.id);
        this.subnets.get(instance.subnetId)?.used.delete(instance.privateIp);
      });
    });
  }

  /**
   * Replace the root volume of a running instance from `imageId` (EC2 user guide, "Replace the root volume for an
   * Amazon EC2 instance without stopping it"): same instance id, network interfaces and addresses, tags kept; the
   * instance reboots, so its application is unreachable for `rebootMs`, then starts afresh. `done(true)` afterwards;
   * `done(false)` at once if the instance is not running (the task fails).
   */
  replaceRootVolume(instanceId: string, imageId: string, rebootMs: number, done: (succeeded: boolean) => void): void {
    const instance = this.mustGet(instanceId);
    if (instance.state !== 'running') {
      done(false);
      return;
    }
    const until = this.ctx.now() + rebootMs;
    instance.rebootingUntil = until;
    this.after(instance.id, rebootMs, () => {
      if (instance.state !== 'running') {
        done(false);
        return;
      }
      instance.imageId = imageId;
      instance.runningSince = until;
      instance.rebootingUntil = undefined;
      done(true);
    });
  }

  /** Reboot a running instance (CreateImage without NoReboot): still `running`, its app unreachable for `rebootMs`. */
  reboot(instanceId: string, rebootMs: number): void {
    const instance = this.mustGet(instanceId);
    if (instance.state !== 'running') return;
    const until = this.ctx.now() + rebootMs;
    instance.rebootingUntil = until;
    this.ctx.schedule(rebootMs, () => {
      if (instance.state !== 'running' || instance.rebootingUntil !== until) return;
      instance.runningSince = until;
      instance.rebootingUntil = undefined;
    });
  }

  stop(instanceId: string): void {
    const instance = this.mustGet(instanceId);
    if (instance.state !== 'running' && instance.state !== 'pending') return;
    this.setState(instance, 'stopping');
    this.after(instance.id, this.timing.stopMs, () => this.setState(instance, 'stopped'));
  }

  start(instanceId: string): void {
    const instance = this.mustGet(instanceId);
    if (instance.state !== 'stopped') return;
    this.setState(instance, 'pending');
    this.after(instance.id, this.timing.bootMs, () => this.setState(instance, 'running'));
  }

  /** Plain view for snapshots. */
  list(): SimInstance[] {
    return [...this.instances.values()].sort((a, b) => a.launchTime - b.launchTime || byCodeUnit(a.id, b.id));
  }

  // ---- operations ----

  describeInstances(input: DescribeInstancesCommandInput) {
    const ids = input.InstanceIds ?? [];
    this.assertWellFormed(ids);
    const missing = ids.filter((id) => !this.instances.has(id));
    if (missing.length > 0) throw this.notFound(missing);
    let selected = ids.length > 0 ? ids.map((id) => this.mustGet(id)) : this.list();
    for (const filter of input.Filters ?? []) selected = selected.filter((instance) => this.matches(instance, filter));
    const offset = input.NextToken ? Number.parseInt(input.NextToken, 10) : 0;
    if (Number.isNaN(offset)) {
      throw serviceError(EC2ServiceException, {
        code: 'InvalidParameterValue',
        message: `Invalid value '${input.NextToken}' for nextToken`,
      });
    }
    const limit = input.MaxResults ?? selected.length;
    const page = selected.slice(offset, offset + limit);
    const nextOffset = offset + page.length;
    return {
      Reservations: page.map((instance) => ({
        ReservationId: `r-${instance.id.slice(2)}`,
        OwnerId: this.ctx.accountId,
        Groups: [],
        Instances: [this.toSdk(instance)],
      })),
      ...(nextOffset < selected.length ? { NextToken: String(nextOffset) } : {}),
    };
  }

  /** CreateTags on instance ids (index.ts routes each resource id by its prefix). */
  createTags(input: CreateTagsCommandInput) {
    const resources = input.Resources ?? [];
    this.assertWellFormed(resources);
    const missing = resources.filter((id) => !this.instances.has(id));
    if (missing.length > 0) throw this.notFound(missing);
    for (const tag of input.Tags ?? []) {
      if (tag.Key?.toLowerCase().startsWith('aws:')) {
        throw serviceError(EC2ServiceException, {
          code: 'InvalidParameterValue',
          message: `Value ( ${tag.Key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`,
        });
      }
    }
    for (const id of resources) {
      const instance = this.mustGet(id);
      for (const tag of input.Tags ?? []) {
        if (tag.Key !== undefined) instance.tags.set(tag.Key, tag.Value ?? '');
      }
    }
    return {};
  }

  /** DeleteTags on instance ids. */
  deleteTags(input: DeleteTagsCommandInput) {
    const resources = input.Resources ?? [];
    this.assertWellFormed(resources);
    const missing = resources.filter((id) => !this.instances.has(id));
    if (missing.length > 0) throw this.notFound(missing);
    for (const id of resources) {
      const instance = this.mustGet(id);
      if (input.Tags === undefined) {
        for (const key of [...instance.tags.keys()]) if (!key.startsWith('aws:')) instance.tags.delete(key);
        continue;
      }
      for (const tag of input.Tags) {
        if (tag.Key === undefined || !instance.tags.has(tag.Key)) continue;
        if (tag.Value === undefined || instance.tags.get(tag.Key) === tag.Value) instance.tags.delete(tag.Key);
      }
    }
    return {};
  }

  // ---- helpers ----

  private matches(instance: SimInstance, filter: Filter): boolean {
    const name = filter.Name ?? '';
    const patterns = (filter.Values ?? []).map(globToRegExp);
    const anyMatches = (candidates: string[]) => candidates.some((value) => patterns.some((re) => re.test(value)));
    if (name.startsWith('tag:')) {
      const value = instance.tags.get(name.slice(4));
      return value !== undefined && anyMatches([value]);
    }
    switch (name) {
      case 'instance-id':
        return anyMatches([instance.id]);
      case 'instance-state-name':
        return anyMatches([instance.state]);
      case 'instance-state-code':
        return anyMatches([String(STATE_CODES[instance.state])]);
      case 'availability-zone':
        return anyMatches([instance.availabilityZone]);
      case 'subnet-id':
        return anyMatches([instance.subnetId]);
      case 'vpc-id':
        return anyMatches([instance.vpcId]);
      case 'image-id':
        return anyMatches([instance.imageId]);
      case 'instance-type':
        return anyMatches([instance.instanceType]);
      case 'private-ip-address':
        return anyMatches([instance.privateIp]);
      case 'instance.group-id':
        return anyMatches(instance.securityGroupIds);
      case 'instance.group-name':
        return anyMatches(this.securityGroupIdentifiers(instance.securityGroupIds).map((group) => group.GroupName));
      case 'tag-key':
        return anyMatches([...instance.tags.keys()]);
      case 'tag-value':
        return anyMatches([...instance.tags.values()]);
      default:
        throw serviceError(EC2ServiceException, {
          code: 'InvalidParameterValue',
          message: `The filter '${name}' is invalid`,
        });
    }
  }

  private toSdk(instance: SimInstance): Instance {
    return {
      InstanceId: instance.id,
      ImageId: instance.imageId,
      InstanceType: instance.instanceType as Instance['InstanceType'],
      State: { Code: STATE_CODES[instance.state], Name: instance.state },
      LaunchTime: new Date(instance.launchTime),
      Placement: { AvailabilityZone: instance.availabilityZone, Tenancy: 'default' },
      SubnetId: instance.subnetId,
      VpcId: instance.vpcId,
      PrivateIpAddress: instance.privateIp,
      PrivateDnsName: `ip-${instance.privateIp.replaceAll('.', '-')}.${this.ctx.region}.compute.internal`,
      ...(instance.publicIp && instance.state === 'running' ? { PublicIpAddress: instance.publicIp } : {}),
      ...(instance.stateReason ? { StateTransitionReason: instance.stateReason } : {}),
      SecurityGroups: this.securityGroupIdentifiers(instance.securityGroupIds),
      Tags: [...instance.tags.entries()].sort(([a], [b]) => byCodeUnit(a, b)).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  private assertWellFormed(ids: string[]): void {
    for (const id of ids) {
      if (!INSTANCE_ID.test(id)) {
        throw serviceError(EC2ServiceException, {
          code: 'InvalidInstanceID.Malformed',
          message: `Invalid id: "${id}"`,
        });
      }
    }
  }

  private notFound(ids: string[]): Error {
    const message =
      ids.length === 1
        ? `The instance ID '${ids[0]}' does not exist`
        : `The instance IDs '${ids.join(', ')}' do not exist`;
    return serviceError(EC2ServiceException, { code: 'InvalidInstanceID.NotFound', message });
  }

  protected mustGet(instanceId: string): SimInstance {
    const instance = this.instances.get(instanceId);
    if (!instance) throw new SimConfigError(`unknown instance ${instanceId}`);
    return instance;
  }

  private setState(instance: SimInstance, state: InstanceStateName): void {
    instance.state = state;
    instance.runningSince = state === 'running' ? this.ctx.now() : undefined;
    this.notify(instance);
  }

  private notify(instance: SimInstance): void {
    for (const listener of [...this.stateListeners]) listener(instance);
  }

  /** One pending state timer per instance; a new transition replaces the old one. */
  private after(instanceId: string, delayMs: number, fn: () => void): void {
    this.ctx.cancel(this.timers.get(instanceId));
    this.timers.set(
      instanceId,
      this.ctx.schedule(delayMs, () => {
        this.timers.delete(instanceId);
        fn();
      }),
    );
  }

  private allocateIp(subnet: SubnetSpec & { used: Set<string> }): string {
    const [base, bitsText] = subnet.cidr.split('/');
    const bits = Number(bitsText);
    const size = 2 ** (32 - bits);
    const network = (ipToInt(base ?? '0.0.0.0') & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0)) >>> 0;
    // First four and the last address are reserved by AWS.
    const usable = size - 5;
    if (usable <= subnet.used.size) throw new SimConfigError(`subnet ${subnet.id} has no free addresses`);
    for (;;) {
      const ip = intToIp(network + 4 + this.ctx.ids.int(usable));
      if (!subnet.used.has(ip)) {
        subnet.used.add(ip);
        return ip;
      }
    }
  }
}
