/**
 * Simulated Amazon EC2 Auto Scaling: groups, lifecycle hooks, scale out / scale in, target groups.
 *
 * Modelled (Amazon EC2 Auto Scaling user guide, "How lifecycle hooks work in Auto Scaling groups",
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html, and the API
 * reference for each operation):
 * - Launch: Pending → Pending:Wait (one lifecycle action per launch hook, one EventBridge event each) →
 *   Pending:Proceed → registered with the attached target groups → InService. Registration happens
 *   before InService (step 3 of the page above).
 * - Terminate: Terminating → deregistered from the attached target groups, and the group waits for the
 *   deregistration (draining) to finish → Terminating:Wait (terminate hooks) → Terminating:Proceed →
 *   EC2 terminates the instance → it leaves the group. The page above (step 4, then step 5) has the
 *   instance deregistered and drained first, then put in Terminating:Wait.
 * - Lifecycle actions: HeartbeatTimeout 30–7200 s (default 3600), DefaultResult (default ABANDON)
 *   applied at the deadline; RecordLifecycleActionHeartbeat restarts the timeout, up to a global limit
 *   of min(48 h, 100 × HeartbeatTimeout) from the start of the action (API reference,
 *   RecordLifecycleActionHeartbeat and LifecycleHook.GlobalTimeout). CompleteLifecycleAction with
 *   CONTINUE or ABANDON, by token or by instance id. An action that is no longer pending answers
 *   ValidationError "No active Lifecycle Action found with token <token>" / "... with instance ID <id>".
 *   ABANDON on launch terminates the instance, and the group launches a replacement.
 * - SetDesiredCapacity: ValidationError "New SetDesiredCapacity value N is above max value M for the
 *   AutoScalingGroup." (and "below min value"); unknown group → ValidationError.
 * - Instances get the tag aws:autoscaling:groupName.
 *
 * Approximated (documented choices):
 * - The group reacts to a change of desired capacity after `activityDelayMs` (default 1 s).
 * - Launches go to the subnet/AZ with the fewest instances (ties: order of the subnets given).
 * - Scale-in picks, like the Default termination policy: the AZ with the most instances, then instances
 *   of the oldest launch template version, then the oldest launch time (for "closest to the next billing
 *   hour"), then a seeded random pick among ties. InService instances go before pending ones.
 * - An abandoned launch terminates the instance without running terminate hooks.
 * - An instance that stops or terminates outside the group is marked Unhealthy and replaced; terminate
 *   hooks run for it, no draining.
 * - "EC2 Instance Launch Successful" is emitted when the instance reaches InService, "EC2 Instance
 *   Terminate Successful" when EC2 has terminated it.
 * - No warm pools, cooldowns, scaling policies, instance refresh or protection from scale-in.
 */
import {
  AutoScalingServiceException,
  type CompleteLifecycleActionCommandInput,
  type CompleteLifecycleActionCommandOutput,
  type DescribeAutoScalingGroupsCommandInput,
  type DescribeAutoScalingGroupsCommandOutput,
  type DescribeAutoScalingInstancesCommandInput,
  type DescribeAutoScalingInstancesCommandOutput,
  type DescribeLifecycleHooksCommandInput,
  type DescribeLifecycleHooksCommandOutput,
  type LifecycleState,
  type RecordLifecycleActionHeartbeatCommandInput,
  type RecordLifecycleActionHeartbeatCommandOutput,
  type SetDesiredCapacityCommandInput,
  type SetDesiredCapacityCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import {
  byCodeUnit,
  isoSeconds,
  lookupIn,
  type OperationTable,
  type SimContext,
  type SimService,
  type TimerHandle,
} from './context';
import type { Ec2Service, SimInstance } from './ec2';
import type { Elbv2Service } from './elbv2';
import { SimConfigError, serviceError } from './errors';
import type { LifecycleActionDetail, LifecycleTransition, ScalingActivityDetail } from './events';

export type LifecycleResult = 'CONTINUE' | 'ABANDON';

export interface LifecycleHookSpec {
  name: string;
  transition: LifecycleTransition;
  /** Seconds, 30–7200; default 3600. */
  heartbeatTimeout?: number;
  /** Default ABANDON, as in AWS. */
  defaultResult?: LifecycleResult;
  notificationMetadata?: string;
  notificationTargetArn?: string;
  roleArn?: string;
}

export interface AutoScalingGroupSpec {
  name: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  subnetIds: string[];
  /** Names of target groups declared in the same stack. */
  targetGroupNames?: string[];
  lifecycleHooks?: LifecycleHookSpec[];
  imageId?: string;
  instanceType?: string;
  launchTemplate?: { name: string; version?: string };
  /**
   * How the initial desired capacity comes up: `in-service` (default) creates running, InService,
   * healthy-registered instances silently; `launch` runs the normal launch flow with hooks and events.
   */
  initialInstances?: 'in-service' | 'launch';
}

export interface AutoScalingTiming {
  /** Delay between a capacity change and the group acting on it, ms; default 1,000. */
  activityDelayMs?: number;
  /** Delay between launching an instance and Pending:Wait / between Proceed and the next state; default 1,000. */
  stepDelayMs?: number;
}

interface ResolvedHook
  extends Required<Omit<LifecycleHookSpec, 'notificationMetadata' | 'notificationTargetArn' | 'roleArn'>> {
  notificationMetadata?: string;
  notificationTargetArn?: string;
  roleArn?: string;
}

interface LifecycleAction {
  token: string;
  groupName: string;
  hook: ResolvedHook;
  instanceId: string;
  startedAt: number;
  deadline: number;
  globalDeadline: number;
  timer?: TimerHandle;
  result?: LifecycleResult;
}

interface GroupInstance {
  id: string;
  subnetId: string;
  availabilityZone: string;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  launchTemplateVersion: string;
  launchedAt: number;
  actions: LifecycleAction[];
  /** Set once the group has decided to terminate it. */
  terminating: boolean;
  cause: string;
}

interface SimGroup {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desired: number;
  subnetIds: string[];
  targetGroupArns: string[];
  hooks: ResolvedHook[];
  imageId: string;
  instanceType: string;
  launchTemplate: { id: string; name: string; version: string };
  createdAt: number;
  instances: Map<string, GroupInstance>;
  reconcileTimer?: TimerHandle;
}

export interface HookResultRecord {
  group: string;
  instanceId: string;
  hook: string;
  transition: LifecycleTransition;
  token: string;
  result: LifecycleResult;
  by: 'CompleteLifecycleAction' | 'DefaultResult' | 'ScaleIn';
  at: number;
}

type AutoScalingOperations = {
  DescribeAutoScalingGroups: readonly [DescribeAutoScalingGroupsCommandInput, DescribeAutoScalingGroupsCommandOutput];
  DescribeAutoScalingInstances: readonly [
    DescribeAutoScalingInstancesCommandInput,
    DescribeAutoScalingInstancesCommandOutput,
  ];
  DescribeLifecycleHooks: readonly [DescribeLifecycleHooksCommandInput, DescribeLifecycleHooksCommandOutput];
  CompleteLifecycleAction: readonly [CompleteLifecycleActionCommandInput, CompleteLifecycleActionCommandOutput];
  RecordLifecycleActionHeartbeat: readonly [
    RecordLifecycleActionHeartbeatCommandInput,
    RecordLifecycleActionHeartbeatCommandOutput,
  ];
  SetDesiredCapacity: readonly [SetDesiredCapacityCommandInput, SetDesiredCapacityCommandOutput];
};

const validationError = (message: string): Error =>
  serviceError(AutoScalingServiceException, { code: 'ValidationError', message });

const GLOBAL_TIMEOUT_CAP_S = 48 * 60 * 60;

export class AutoScalingService implements SimService {
  readonly name = 'autoScaling' as const;
  private readonly groups = new Map<string, SimGroup>();
  private readonly actionsByToken = new Map<string, LifecycleAction>();
  private readonly timing: Required<AutoScalingTiming>;
  /** Every lifecycle action outcome, in order. */
  readonly hookResults: HookResultRecord[] = [];
  /** Terminations initiated by the group itself (so EC2 state changes are not read as failures). */
  private readonly ownTerminations = new Set<string>();

  constructor(
    private readonly ctx: SimContext,
    private readonly ec2: Ec2Service,
    private readonly elbv2: Elbv2Service,
    specs: AutoScalingGroupSpec[],
    timing: AutoScalingTiming = {},
  ) {
    this.timing = { activityDelayMs: timing.activityDelayMs ?? 1_000, stepDelayMs: timing.stepDelayMs ?? 1_000 };
    for (const spec of specs) this.createGroup(spec);
    ec2.onStateChange((instance) => this.instanceChanged(instance));
  }

  private readonly table: OperationTable<AutoScalingOperations> = {
    DescribeAutoScalingGroups: (input) => this.describeGroups(input),
    DescribeAutoScalingInstances: (input) => this.describeInstances(input),
    DescribeLifecycleHooks: (input) => this.describeHooks(input),
    CompleteLifecycleAction: (input) => this.completeLifecycleAction(input),
    RecordLifecycleActionHeartbeat: (input) => this.recordHeartbeat(input),
    SetDesiredCapacity: (input) => {
      this.setDesiredCapacity(input.AutoScalingGroupName ?? '', input.DesiredCapacity ?? Number.NaN);
      return {};
    },
  };

  readonly operationHandler = lookupIn(this.table);

  // ---- sim-side API ----

  /** Change desired capacity, with AWS's validation (scenarios call this too). */
  setDesiredCapacity(groupName: string, desired: number): void {
    const group = this.groups.get(groupName);
    if (!group) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${groupName} not found`);
    if (!Number.isInteger(desired)) throw validationError('DesiredCapacity must be an integer');
    if (desired > group.maxSize) {
      throw validationError(
        `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
      );
    }
    if (desired < group.minSize) {
      throw validationError(
        `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
      );
    }
    const previous = group.desired;
    group.desired = desired;
    if (previous !== desired) this.scheduleReconcile(group);
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort(byCodeUnit);
  }

  arnOf(groupName: string): string {
    return this.mustGroup(groupName).arn;
  }

  /** Pending lifecycle actions (token, instance, hook), for runtimes and assertions. */
  pendingActions(): Array<{ group: string; instanceId: string; hook: string; token: string; deadline: number }> {
    return [...this.actionsByToken.values()]
      .filter((action) => action.result === undefined)
      .sort((a, b) => a.startedAt - b.startedAt || byCodeUnit(a.token, b.token))
      .map((action) => ({
        group: action.groupName,
        instanceId: action.instanceId,
        hook: action.hook.name,
        token: action.token,
        deadline: action.deadline,
      }));
  }

  /** Plain view for snapshots. */
  view(): Array<{
    name: string;
    minSize: number;
    maxSize: number;
    desiredCapacity: number;
    instances: Array<{ id: string; availabilityZone: string; lifecycleState: string; healthStatus: string }>;
  }> {
    return [...this.groups.values()]
      .sort((a, b) => byCodeUnit(a.name, b.name))
      .map((group) => ({
        name: group.name,
        minSize: group.minSize,
        maxSize: group.maxSize,
        desiredCapacity: group.desired,
        instances: this.sortedInstances(group).map((instance) => ({
          id: instance.id,
          availabilityZone: instance.availabilityZone,
          lifecycleState: instance.lifecycleState,
          healthStatus: instance.healthStatus,
        })),
      }));
  }

  // ---- operations ----

  private describeGroups(input: DescribeAutoScalingGroupsCommandInput) {
    const names = input.AutoScalingGroupNames;
    const selected = [...this.groups.values()]
      .filter((group) => !names?.length || names.includes(group.name))
      .sort((a, b) => byCodeUnit(a.name, b.name));
    return {
      AutoScalingGroups: selected.map((group) => ({
        AutoScalingGroupName: group.name,
        AutoScalingGroupARN: group.arn,
        LaunchTemplate: {
          LaunchTemplateId: group.launchTemplate.id,
          LaunchTemplateName: group.launchTemplate.name,
          Version: group.launchTemplate.version,
        },
        MinSize: group.minSize,
        MaxSize: group.maxSize,
        DesiredCapacity: group.desired,
        DefaultCooldown: 300,
        AvailabilityZones: [...new Set(group.subnetIds.map((id) => this.ec2.subnet(id).availabilityZone))].sort(
          byCodeUnit,
        ),
        LoadBalancerNames: [],
        TargetGroupARNs: [...group.targetGroupArns],
        TrafficSources: group.targetGroupArns.map((arn) => ({ Identifier: arn, Type: 'elbv2' })),
        HealthCheckType: 'EC2',
        HealthCheckGracePeriod: 300,
        Instances: this.sortedInstances(group).map((instance) => ({
          InstanceId: instance.id,
          InstanceType: group.instanceType,
          AvailabilityZone: instance.availabilityZone,
          LifecycleState: instance.lifecycleState,
          HealthStatus: instance.healthStatus,
          LaunchTemplate: {
            LaunchTemplateId: group.launchTemplate.id,
            LaunchTemplateName: group.launchTemplate.name,
            Version: instance.launchTemplateVersion,
          },
          ProtectedFromScaleIn: false,
        })),
        CreatedTime: new Date(group.createdAt),
        SuspendedProcesses: [],
        VPCZoneIdentifier: group.subnetIds.join(','),
        EnabledMetrics: [],
        Tags: [],
        TerminationPolicies: ['Default'],
        NewInstancesProtectedFromScaleIn: false,
        ServiceLinkedRoleARN: `arn:aws:iam::${this.ctx.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        CapacityRebalance: false,
      })),
    };
  }

  private describeInstances(input: DescribeAutoScalingInstancesCommandInput) {
    const wanted = input.InstanceIds;
    const rows: Array<{ group: SimGroup; instance: GroupInstance }> = [];
    for (const group of this.groups.values()) {
      for (const instance of group.instances.values()) {
        if (!wanted?.length || wanted.includes(instance.id)) rows.push({ group, instance });
      }
    }
    rows.sort((a, b) => byCodeUnit(a.instance.id, b.instance.id));
    return {
      AutoScalingInstances: rows.map(({ group, instance }) => ({
        InstanceId: instance.id,
        InstanceType: group.instanceType,
        AutoScalingGroupName: group.name,
        AvailabilityZone: instance.availabilityZone,
        LifecycleState: instance.lifecycleState,
        // This API spells health in capitals, unlike DescribeAutoScalingGroups.
        HealthStatus: instance.healthStatus.toUpperCase(),
        LaunchTemplate: {
          LaunchTemplateId: group.launchTemplate.id,
          LaunchTemplateName: group.launchTemplate.name,
          Version: instance.launchTemplateVersion,
        },
        ProtectedFromScaleIn: false,
      })),
    };
  }

  private describeHooks(input: DescribeLifecycleHooksCommandInput) {
    const group = this.groups.get(input.AutoScalingGroupName ?? '');
    if (!group) throw validationError(`Group ${input.AutoScalingGroupName} not found`);
    const names = input.LifecycleHookNames;
    return {
      LifecycleHooks: group.hooks
        .filter((hook) => !names?.length || names.includes(hook.name))
        .map((hook) => ({
          LifecycleHookName: hook.name,
          AutoScalingGroupName: group.name,
          LifecycleTransition: hook.transition,
          HeartbeatTimeout: hook.heartbeatTimeout,
          GlobalTimeout: Math.min(GLOBAL_TIMEOUT_CAP_S, 100 * hook.heartbeatTimeout),
          DefaultResult: hook.defaultResult,
          ...(hook.notificationMetadata !== undefined ? { NotificationMetadata: hook.notificationMetadata } : {}),
          ...(hook.notificationTargetArn !== undefined ? { NotificationTargetARN: hook.notificationTargetArn } : {}),
          ...(hook.roleArn !== undefined ? { RoleARN: hook.roleArn } : {}),
        })),
    };
  }

  private findActiveAction(input: {
    AutoScalingGroupName?: string;
    LifecycleHookName?: string;
    LifecycleActionToken?: string;
    InstanceId?: string;
  }): LifecycleAction {
    const token = input.LifecycleActionToken;
    const instanceId = input.InstanceId;
    if (token === undefined && instanceId === undefined) {
      throw validationError('Either LifecycleActionToken or InstanceId must be provided');
    }
    const candidates =
      token !== undefined
        ? [this.actionsByToken.get(token)]
        : [...this.actionsByToken.values()].filter((action) => action.instanceId === instanceId);
    const active = candidates.find(
      (action) =>
        action !== undefined &&
        action.result === undefined &&
        action.groupName === input.AutoScalingGroupName &&
        action.hook.name === input.LifecycleHookName &&
        (instanceId === undefined || action.instanceId === instanceId),
    );
    if (!active) {
      throw validationError(
        token !== undefined
          ? `No active Lifecycle Action found with token ${token}`
          : `No active Lifecycle Action found with instance ID ${instanceId}`,
      );
    }
    return active;
  }

  private completeLifecycleAction(input: CompleteLifecycleActionCommandInput) {
    const result = input.LifecycleActionResult;
    if (result !== 'CONTINUE' && result !== 'ABANDON') {
      throw validationError(
        `Value '${result}' at 'lifecycleActionResult' failed to satisfy constraint: Member must be one of CONTINUE, ABANDON`,
      );
    }
    const action = this.findActiveAction(input);
    this.resolveAction(action, result, 'CompleteLifecycleAction');
    return {};
  }

  private recordHeartbeat(input: RecordLifecycleActionHeartbeatCommandInput) {
    const action = this.findActiveAction(input);
    const now = this.ctx.now();
    action.deadline = Math.min(now + action.hook.heartbeatTimeout * 1000, action.globalDeadline);
    this.armDeadline(action);
    return {};
  }

  // ---- group mechanics ----

  private createGroup(spec: AutoScalingGroupSpec): void {
    if (this.groups.has(spec.name)) throw new SimConfigError(`duplicate Auto Scaling group ${spec.name}`);
    if (!(spec.minSize <= spec.desiredCapacity && spec.desiredCapacity <= spec.maxSize)) {
      throw new SimConfigError(`group ${spec.name}: need minSize <= desiredCapacity <= maxSize`);
    }
    if (spec.subnetIds.length === 0) throw new SimConfigError(`group ${spec.name}: no subnets`);
    for (const subnetId of spec.subnetIds) this.ec2.subnet(subnetId);
    const hooks = (spec.lifecycleHooks ?? []).map((hook): ResolvedHook => {
      const heartbeatTimeout = hook.heartbeatTimeout ?? 3600;
      if (heartbeatTimeout < 30 || heartbeatTimeout > 7200) {
        throw new SimConfigError(`hook ${hook.name}: HeartbeatTimeout must be 30–7200 s`);
      }
      return { ...hook, heartbeatTimeout, defaultResult: hook.defaultResult ?? 'ABANDON' };
    });
    const group: SimGroup = {
      name: spec.name,
      arn: `arn:aws:autoscaling:${this.ctx.region}:${this.ctx.accountId}:autoScalingGroup:${this.ctx.ids.uuid()}:autoScalingGroupName/${spec.name}`,
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desired: spec.desiredCapacity,
      subnetIds: [...spec.subnetIds],
      targetGroupArns: (spec.targetGroupNames ?? []).map((name) => this.elbv2.arnOf(name)),
      hooks,
      imageId: spec.imageId ?? 'ami-0simulated000001',
      instanceType: spec.instanceType ?? 't3.micro',
      launchTemplate: {
        id: `lt-${this.ctx.ids.hex(17)}`,
        name: spec.launchTemplate?.name ?? `${spec.name}-lt`,
        version: spec.launchTemplate?.version ?? '1',
      },
      createdAt: this.ctx.now(),
      instances: new Map(),
    };
    this.groups.set(group.name, group);
    if ((spec.initialInstances ?? 'in-service') === 'in-service') {
      for (let index = 0; index < group.desired; index++) {
        const instance = this.launchInstance(group, true);
        group.instances.set(instance.id, this.newGroupInstance(group, instance, 'InService', 'initial capacity'));
        for (const arn of group.targetGroupArns) this.elbv2.register(arn, instance.id, undefined, { healthy: true });
      }
    } else {
      this.scheduleReconcile(group);
    }
  }

  private newGroupInstance(
    group: SimGroup,
    instance: SimInstance,
    state: LifecycleState,
    cause: string,
  ): GroupInstance {
    return {
      id: instance.id,
      subnetId: instance.subnetId,
      availabilityZone: instance.availabilityZone,
      lifecycleState: state,
      healthStatus: 'Healthy',
      launchTemplateVersion: group.launchTemplate.version,
      launchedAt: instance.launchTime,
      actions: [],
      terminating: false,
      cause,
    };
  }

  private scheduleReconcile(group: SimGroup): void {
    if (group.reconcileTimer !== undefined) return;
    group.reconcileTimer = this.ctx.schedule(this.timing.activityDelayMs, () => {
      group.reconcileTimer = undefined;
      this.reconcile(group);
    });
  }

  private active(group: SimGroup): GroupInstance[] {
    return this.sortedInstances(group).filter((instance) => !instance.terminating);
  }

  private reconcile(group: SimGroup): void {
    const active = this.active(group);
    const now = isoSeconds(this.ctx.now());
    if (active.length < group.desired) {
      const from = active.length;
      for (let count = from; count < group.desired; count++) {
        this.launch(
          group,
          `At ${now} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${group.desired}.`,
        );
      }
    } else if (active.length > group.desired) {
      const from = active.length;
      for (let count = from; count > group.desired; count--) {
        const victim = this.pickVictim(group);
        if (!victim) break;
        this.beginTermination(
          group,
          victim,
          `At ${now} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${group.desired}.`,
          true,
        );
      }
    }
  }

  private pickSubnet(group: SimGroup): string {
    const counts = new Map<string, number>();
    for (const subnetId of group.subnetIds) counts.set(this.ec2.subnet(subnetId).availabilityZone, 0);
    for (const instance of this.active(group)) {
      counts.set(instance.availabilityZone, (counts.get(instance.availabilityZone) ?? 0) + 1);
    }
    let best = group.subnetIds[0] ?? '';
    let bestCount = Number.POSITIVE_INFINITY;
    for (const subnetId of group.subnetIds) {
      const count = counts.get(this.ec2.subnet(subnetId).availabilityZone) ?? 0;
      if (count < bestCount) {
        best = subnetId;
        bestCount = count;
      }
    }
    return best;
  }

  private pickVictim(group: SimGroup): GroupInstance | undefined {
    const active = this.active(group);
    const inService = active.filter((instance) => instance.lifecycleState === 'InService');
    const pool = inService.length > 0 ? inService : active;
    if (pool.length === 0) return undefined;
    const perAz = new Map<string, number>();
    for (const instance of active)
      perAz.set(instance.availabilityZone, (perAz.get(instance.availabilityZone) ?? 0) + 1);
    const maxAz = Math.max(...pool.map((instance) => perAz.get(instance.availabilityZone) ?? 0));
    let candidates = pool.filter((instance) => perAz.get(instance.availabilityZone) === maxAz);
    const oldestVersion = candidates.map((instance) => instance.launchTemplateVersion).sort(byCodeUnit)[0];
    candidates = candidates.filter((instance) => instance.launchTemplateVersion === oldestVersion);
    const oldestLaunch = Math.min(...candidates.map((instance) => instance.launchedAt));
    candidates = candidates.filter((instance) => instance.launchedAt === oldestLaunch);
    return candidates[this.ctx.dice.int(candidates.length)];
  }

  /** An EC2 instance for the group, in its least-used subnet, tagged as Auto Scaling tags its instances. */
  private launchInstance(group: SimGroup, alreadyRunning: boolean): SimInstance {
    return this.ec2.launch({
      subnetId: this.pickSubnet(group),
      imageId: group.imageId,
      instanceType: group.instanceType,
      tags: { 'aws:autoscaling:groupName': group.name },
      ...(alreadyRunning ? { alreadyRunning: true } : {}),
    });
  }

  private launch(group: SimGroup, cause: string): void {
    const instance = this.launchInstance(group, false);
    const member = this.newGroupInstance(group, instance, 'Pending', cause);
    group.instances.set(instance.id, member);
    this.ctx.schedule(this.timing.stepDelayMs, () => {
      if (member.terminating) return;
      const hooks = group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
      if (hooks.length === 0) this.proceedLaunch(group, member);
      else this.startActions(group, member, hooks, 'Pending:Wait');
    });
  }

  private startActions(group: SimGroup, member: GroupInstance, hooks: ResolvedHook[], state: LifecycleState): void {
    member.lifecycleState = state;
    const now = this.ctx.now();
    member.actions = hooks.map((hook) => {
      const action: LifecycleAction = {
        token: this.ctx.ids.uuid(),
        groupName: group.name,
        hook,
        instanceId: member.id,
        startedAt: now,
        deadline: now + hook.heartbeatTimeout * 1000,
        globalDeadline: now + Math.min(GLOBAL_TIMEOUT_CAP_S, 100 * hook.heartbeatTimeout) * 1000,
      };
      this.actionsByToken.set(action.token, action);
      this.armDeadline(action);
      return action;
    });
    for (const action of member.actions) {
      const launching = action.hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING';
      const detail: LifecycleActionDetail = {
        LifecycleActionToken: action.token,
        AutoScalingGroupName: group.name,
        LifecycleHookName: action.hook.name,
        EC2InstanceId: member.id,
        LifecycleTransition: action.hook.transition,
        ...(action.hook.notificationMetadata !== undefined
          ? { NotificationMetadata: action.hook.notificationMetadata }
          : {}),
        Origin: launching ? 'EC2' : 'AutoScalingGroup',
        Destination: launching ? 'AutoScalingGroup' : 'EC2',
      };
      const envelope = this.envelope(now, [group.arn], detail);
      this.ctx.events.emit(
        launching
          ? { ...envelope, 'detail-type': 'EC2 Instance-launch Lifecycle Action' }
          : { ...envelope, 'detail-type': 'EC2 Instance-terminate Lifecycle Action' },
      );
    }
  }

  private armDeadline(action: LifecycleAction): void {
    this.ctx.cancel(action.timer);
    action.timer = this.ctx.schedule(Math.max(0, action.deadline - this.ctx.now()), () => {
      if (action.result === undefined) this.resolveAction(action, action.hook.defaultResult, 'DefaultResult');
    });
  }

  private resolveAction(action: LifecycleAction, result: LifecycleResult, by: HookResultRecord['by']): void {
    action.result = result;
    this.ctx.cancel(action.timer);
    this.hookResults.push({
      group: action.groupName,
      instanceId: action.instanceId,
      hook: action.hook.name,
      transition: action.hook.transition,
      token: action.token,
      result,
      by,
      at: this.ctx.now(),
    });
    if (by === 'ScaleIn') return;
    const group = this.groups.get(action.groupName);
    const member = group?.instances.get(action.instanceId);
    if (!group || !member) return;
    if (member.actions.some((candidate) => candidate.result === undefined)) return;
    const abandoned = member.actions.some((candidate) => candidate.result === 'ABANDON');
    if (action.hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING') {
      if (abandoned) {
        this.beginTermination(
          group,
          member,
          `At ${isoSeconds(this.ctx.now())} an instance was taken out of service in response to a lifecycle action being abandoned.`,
          false,
        );
      } else {
        this.proceedLaunch(group, member);
      }
    } else {
      this.finishTermination(group, member);
    }
  }

  private proceedLaunch(group: SimGroup, member: GroupInstance): void {
    member.lifecycleState = 'Pending:Proceed';
    const goInService = () => {
      if (member.terminating) return;
      for (const arn of group.targetGroupArns) this.elbv2.register(arn, member.id);
      this.ctx.schedule(this.timing.stepDelayMs, () => {
        if (member.terminating) return;
        member.lifecycleState = 'InService';
        this.emitActivity(group, member, 'EC2 Instance Launch Successful');
      });
    };
    const instance = this.ec2.get(member.id);
    if (instance?.state === 'running') {
      this.ctx.schedule(this.timing.stepDelayMs, goInService);
      return;
    }
    const stop = this.ec2.onStateChange((changed) => {
      if (changed.id !== member.id) return;
      if (changed.state === 'running') {
        stop();
        goInService();
      } else if (changed.state !== 'pending') {
        stop();
      }
    });
  }

  /**
   * Take an instance out of service: deregister (and wait for draining), then terminate hooks, then
   * terminate. `runTerminateHooks` is false for an abandoned launch.
   */
  private beginTermination(group: SimGroup, member: GroupInstance, cause: string, runTerminateHooks: boolean): void {
    if (member.terminating) return;
    member.terminating = true;
    member.cause = cause;
    for (const action of member.actions) {
      if (action.result === undefined) this.resolveAction(action, 'ABANDON', 'ScaleIn');
    }
    member.actions = [];
    member.lifecycleState = 'Terminating';
    this.scheduleReconcile(group);
    const afterDeregistration = () => {
      const hooks = runTerminateHooks
        ? group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_TERMINATING')
        : [];
      if (hooks.length === 0) this.finishTermination(group, member);
      else this.startActions(group, member, hooks, 'Terminating:Wait');
    };
    let waiting = group.targetGroupArns.length;
    if (waiting === 0) {
      this.ctx.schedule(this.timing.stepDelayMs, afterDeregistration);
      return;
    }
    for (const arn of group.targetGroupArns) {
      this.elbv2.deregister(arn, member.id, () => {
        waiting--;
        if (waiting === 0) afterDeregistration();
      });
    }
  }

  private finishTermination(group: SimGroup, member: GroupInstance): void {
    member.lifecycleState = 'Terminating:Proceed';
    const instance = this.ec2.get(member.id);
    if (!instance || instance.state === 'terminated') {
      this.removeMember(group, member);
      return;
    }
    this.ownTerminations.add(member.id);
    this.ec2.terminate(member.id, 'Service.AutoScaling: Auto Scaling initiated termination');
  }

  private removeMember(group: SimGroup, member: GroupInstance): void {
    if (!group.instances.has(member.id)) return;
    member.lifecycleState = 'Terminated';
    group.instances.delete(member.id);
    this.ownTerminations.delete(member.id);
    this.emitActivity(group, member, 'EC2 Instance Terminate Successful');
    this.scheduleReconcile(group);
  }

  private instanceChanged(instance: SimInstance): void {
    for (const group of this.groups.values()) {
      const member = group.instances.get(instance.id);
      if (!member) continue;
      if (instance.state === 'terminated' && member.lifecycleState === 'Terminating:Proceed') {
        this.removeMember(group, member);
        continue;
      }
      const failed =
        instance.state === 'stopping' ||
        instance.state === 'stopped' ||
        instance.state === 'shutting-down' ||
        instance.state === 'terminated';
      if (failed && !this.ownTerminations.has(instance.id) && !member.terminating) {
        member.healthStatus = 'Unhealthy';
        this.beginTermination(
          group,
          member,
          `At ${isoSeconds(this.ctx.now())} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,
          true,
        );
      }
    }
  }

  private emitActivity(
    group: SimGroup,
    member: GroupInstance,
    detailType: 'EC2 Instance Launch Successful' | 'EC2 Instance Terminate Successful',
  ): void {
    const launching = detailType === 'EC2 Instance Launch Successful';
    const now = this.ctx.now();
    const detail: ScalingActivityDetail = {
      StatusCode: 'InProgress',
      Description: launching ? `Launching a new EC2 instance: ${member.id}` : `Terminating EC2 instance: ${member.id}`,
      AutoScalingGroupName: group.name,
      ActivityId: this.ctx.ids.uuid(),
      Details: { 'Availability Zone': member.availabilityZone, 'Subnet ID': member.subnetId },
      RequestId: this.ctx.ids.uuid(),
      StatusMessage: '',
      EndTime: isoSeconds(now),
      EC2InstanceId: member.id,
      StartTime: isoSeconds(launching ? member.launchedAt : now),
      Cause: member.cause,
      Origin: launching ? 'EC2' : 'AutoScalingGroup',
      Destination: launching ? 'AutoScalingGroup' : 'EC2',
    };
    const envelope = this.envelope(
      now,
      [group.arn, `arn:aws:ec2:${this.ctx.region}:${this.ctx.accountId}:instance/${member.id}`],
      detail,
    );
    this.ctx.events.emit(
      launching
        ? { ...envelope, 'detail-type': 'EC2 Instance Launch Successful' }
        : { ...envelope, 'detail-type': 'EC2 Instance Terminate Successful' },
    );
  }

  /** The EventBridge envelope Auto Scaling events share (all but detail-type). */
  private envelope<D>(now: number, resources: string[], detail: D) {
    return {
      version: '0' as const,
      id: this.ctx.ids.uuid(),
      source: 'aws.autoscaling' as const,
      account: this.ctx.accountId,
      time: isoSeconds(now),
      region: this.ctx.region,
      resources,
      detail,
    };
  }

  private sortedInstances(group: SimGroup): GroupInstance[] {
    return [...group.instances.values()].sort((a, b) => a.launchedAt - b.launchedAt || byCodeUnit(a.id, b.id));
  }

  private mustGroup(name: string): SimGroup {
    const group = this.groups.get(name);
    if (!group) throw new SimConfigError(`unknown Auto Scaling group ${name}`);
    return group;
  }
}
