/**
 * Auto Scaling groups of the simulated account: capacity, launches, scale-in, terminations, the instances' lifecycle
 * states, target group registration, and the "EC2 Instance Launch/Terminate Successful" events. Lifecycle actions are
 * in lifecycle-actions.ts; see index.ts for what is modelled and the pages behind it.
 */
import type {
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingInstancesCommandInput,
  LifecycleState,
} from '@aws-sdk/client-auto-scaling';
import { byCodeUnit, isoSeconds, type SimContext } from '../context';
import type { Ec2Service, SimInstance } from '../ec2';
import type { Elbv2Service } from '../elbv2';
import { SimConfigError } from '../errors';
import { awsEvent, type LifecycleTransition, type ScalingActivityDetail } from '../events';
import { type LifecycleActions, resolveHook } from './lifecycle-actions';
import {
  type AutoScalingGroupSpec,
  type AutoScalingTiming,
  type GroupInstance,
  type GroupLaunchTemplate,
  type RootVolumeReplacement,
  type SimGroup,
  sortedInstances,
  validationError,
} from './model';
import type { ActivityObserver } from './scaling-activities';

export class AutoScalingGroups {
  /** Group name → group; lifecycle-actions.ts reads it too. */
  readonly groups = new Map<string, SimGroup>();
  private readonly timing: Required<AutoScalingTiming>;
  /** Terminations initiated by the group itself (so EC2 state changes are not read as failures). */
  private readonly ownTerminations = new Set<string>();
  /** Root-volume replacements in progress: instance id → the image and how long the instance reboots. */
  private readonly replacements = new Map<string, Required<RootVolumeReplacement>>();
  private actions!: LifecycleActions;
  /** The launch template each just-launched instance came from, until its group member is made. */
  private readonly launchedFrom = new Map<string, GroupLaunchTemplate>();
  /** Told when a launch or a termination starts and ends (scaling-activities.ts). */
  activities?: ActivityObserver;

  constructor(
    private readonly ctx: SimContext,
    private readonly ec2: Ec2Service,
    private readonly elbv2: Elbv2Service,
    timing: AutoScalingTiming = {},
  ) {
    this.timing = { activityDelayMs: timing.activityDelayMs ?? 1_000, stepDelayMs: timing.stepDelayMs ?? 1_000 };
    ec2.onStateChange((instance) => this.instanceChanged(instance));
  }

  /** The lifecycle actions the groups start (set once, before the first group is created). */
  useLifecycleActions(actions: LifecycleActions): void {
    this.actions = actions;
  }

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
        instances: sortedInstances(group).map((instance) => ({
          id: instance.id,
          availabilityZone: instance.availabilityZone,
          lifecycleState: instance.lifecycleState,
          healthStatus: instance.healthStatus,
        })),
      }));
  }

  describeGroups(input: DescribeAutoScalingGroupsCommandInput) {
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
        HealthCheckType: group.healthCheckType,
        HealthCheckGracePeriod: group.healthCheckGracePeriod,
        ...(group.defaultInstanceWarmup !== undefined ? { DefaultInstanceWarmup: group.defaultInstanceWarmup } : {}),
        Instances: sortedInstances(group).map((instance) => ({
          InstanceId: instance.id,
          InstanceType: group.instanceType,
          AvailabilityZone: instance.availabilityZone,
          LifecycleState: instance.lifecycleState,
          HealthStatus: instance.healthStatus,
          LaunchTemplate: {
            LaunchTemplateId: instance.launchTemplateId,
            LaunchTemplateName: instance.launchTemplateName,
            Version: instance.launchTemplateVersion,
          },
          ProtectedFromScaleIn: false,
        })),
        CreatedTime: new Date(group.createdAt),
        SuspendedProcesses: [],
        VPCZoneIdentifier: group.subnetIds.join(','),
        EnabledMetrics: [],
        Tags: [...(group.tags ?? [])].map(([Key, t]) => ({
          ResourceId: group.name,
          ResourceType: 'auto-scaling-group',
          Key,
          Value: t.value,
          PropagateAtLaunch: t.propagateAtLaunch,
        })),
        TerminationPolicies: ['Default'],
        NewInstancesProtectedFromScaleIn: false,
        ServiceLinkedRoleARN: `arn:aws:iam::${this.ctx.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        CapacityRebalance: false,
      })),
    };
  }

  describeInstances(input: DescribeAutoScalingInstancesCommandInput) {
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
          LaunchTemplateId: instance.launchTemplateId,
          LaunchTemplateName: instance.launchTemplateName,
          Version: instance.launchTemplateVersion,
        },
        ProtectedFromScaleIn: false,
      })),
    };
  }

  createGroup(spec: AutoScalingGroupSpec): void {
    if (this.groups.has(spec.name)) throw new SimConfigError(`duplicate Auto Scaling group ${spec.name}`);
    if (!(spec.minSize <= spec.desiredCapacity && spec.desiredCapacity <= spec.maxSize)) {
      throw new SimConfigError(`group ${spec.name}: need minSize <= desiredCapacity <= maxSize`);
    }
    if (spec.subnetIds.length === 0) throw new SimConfigError(`group ${spec.name}: no subnets`);
    for (const subnetId of spec.subnetIds) this.ec2.subnet(subnetId);
    const hooks = (spec.lifecycleHooks ?? []).map(resolveHook);
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
      launchTemplate: this.groupLaunchTemplate(spec),
      healthCheckType: spec.healthCheckType ?? 'EC2',
      healthCheckGracePeriod: spec.healthCheckGracePeriod ?? 300,
      ...(spec.defaultInstanceWarmup !== undefined ? { defaultInstanceWarmup: spec.defaultInstanceWarmup } : {}),
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

  /** What the group does when every lifecycle action of an instance has ended. */
  afterLifecycleActions(
    group: SimGroup,
    member: GroupInstance,
    transition: LifecycleTransition,
    abandoned: boolean,
  ): void {
    if (member.replacingRootVolume && transition === 'autoscaling:EC2_INSTANCE_TERMINATING') {
      // Like a terminate hook, CONTINUE and ABANDON both let the replacement go on.
      this.proceedRootVolume(group, member);
      return;
    }
    if (member.replacingRootVolume) {
      member.replacingRootVolume = false;
      this.replacements.delete(member.id);
    }
    if (transition === 'autoscaling:EC2_INSTANCE_LAUNCHING') {
      if (abandoned) {
        this.activities?.launchAbandoned(group, member);
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

  /**
   * Replace the root volume of one InService instance, as an instance refresh with the ReplaceRootVolume strategy does
   * for each instance it selects (Auto Scaling user guide, "Replace root volumes during instance refresh" and "How
   * lifecycle hooks work", root volume replacement transitions): ReplacingRootVolume (deregistered from the attached
   * target groups) → ReplacingRootVolume:Wait (terminate hooks, `Action: "ReplaceRootVolume"`) →
   * ReplacingRootVolume:Proceed (the instance reboots on the new volume) → RootVolumeReplaced → Pending → Pending:Wait
   * (launch hooks, `Action: "ReplaceRootVolume"`) → Pending:Proceed → registered → InService. Same instance id and
   * addresses throughout. If the replacement fails (the instance is not running, or a launch hook is abandoned) the
   * instance is marked for termination and the group replaces it.
   */
  replaceRootVolume(groupName: string, instanceId: string, replacement: RootVolumeReplacement = {}): void {
    const group = this.groups.get(groupName);
    if (!group) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${groupName} not found`);
    const member = group.instances.get(instanceId);
    if (!member || member.terminating || member.lifecycleState !== 'InService') {
      throw validationError(`Instance ${instanceId} is not InService in AutoScalingGroup ${groupName}`);
    }
    this.replacements.set(member.id, {
      imageId: replacement.imageId ?? group.imageId,
      rebootMs: replacement.rebootMs ?? 60_000,
    });
    member.replacingRootVolume = true;
    member.lifecycleState = 'ReplacingRootVolume';
    this.deregisterAll(group, member, () => {
      if (member.terminating) return;
      const hooks = group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_TERMINATING');
      if (hooks.length === 0) this.proceedRootVolume(group, member);
      else this.actions.start(group, member, hooks, 'ReplacingRootVolume:Wait', true);
    });
  }

  private proceedRootVolume(group: SimGroup, member: GroupInstance): void {
    member.lifecycleState = 'ReplacingRootVolume:Proceed';
    const { imageId, rebootMs } = this.replacements.get(member.id) ?? { imageId: group.imageId, rebootMs: 60_000 };
    this.ec2.replaceRootVolume(member.id, imageId, rebootMs, (succeeded) => {
      if (member.terminating) return;
      if (!succeeded) {
        member.replacingRootVolume = false;
        this.replacements.delete(member.id);
        this.beginTermination(
          group,
          member,
          `At ${isoSeconds(this.ctx.now())} an instance was taken out of service in response to a failed root volume replacement.`,
          true,
        );
        return;
      }
      member.lifecycleState = 'RootVolumeReplaced';
      this.ctx.schedule(this.timing.stepDelayMs, () => {
        if (member.terminating) return;
        member.lifecycleState = 'Pending';
        this.ctx.schedule(this.timing.stepDelayMs, () => {
          if (member.terminating) return;
          const hooks = group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
          if (hooks.length > 0) {
            this.actions.start(group, member, hooks, 'Pending:Wait', true);
            return;
          }
          member.replacingRootVolume = false;
          this.replacements.delete(member.id);
          this.proceedLaunch(group, member);
        });
      });
    });
  }

  /** Deregister from every attached target group and call `then` once all have finished draining. */
  private deregisterAll(group: SimGroup, member: GroupInstance, then: () => void): void {
    let waiting = group.targetGroupArns.length;
    if (waiting === 0) {
      this.ctx.schedule(this.timing.stepDelayMs, then);
      return;
    }
    for (const arn of group.targetGroupArns) {
      this.elbv2.deregister(arn, member.id, () => {
        waiting--;
        if (waiting === 0) then();
      });
    }
  }

  private newGroupInstance(
    group: SimGroup,
    instance: SimInstance,
    state: LifecycleState,
    cause: string,
  ): GroupInstance {
    const config = this.launchedFrom.get(instance.id) ?? group.launchTemplate;
    this.launchedFrom.delete(instance.id);
    return {
      id: instance.id,
      subnetId: instance.subnetId,
      availabilityZone: instance.availabilityZone,
      lifecycleState: state,
      healthStatus: 'Healthy',
      launchTemplateVersion: config.version,
      launchTemplateId: config.id,
      launchTemplateName: config.name,
      ...(state === 'InService' ? { inServiceAt: this.ctx.now() } : {}),
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
    return sortedInstances(group).filter((instance) => !instance.terminating);
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

  /**
   * An EC2 instance for the group, in its least-used subnet, tagged as Auto Scaling tags its instances; from the
   * launch template version the group (or the instance refresh running on it) uses, when that template exists.
   */
  private launchInstance(group: SimGroup, alreadyRunning: boolean): SimInstance {
    const config = group.launchOverride ?? group.launchTemplate;
    const resolved = config.linked ? this.ec2.launchTemplates.resolve(config.id, config.version) : undefined;
    const instance = this.ec2.launch({
      subnetId: this.pickSubnet(group),
      imageId: resolved?.imageId ?? group.imageId,
      instanceType: resolved?.instanceType ?? group.instanceType,
      tags: { 'aws:autoscaling:groupName': group.name },
      ...(alreadyRunning ? { alreadyRunning: true } : {}),
      ...(config.linked
        ? { securityGroupIds: this.ec2.securityGroupsOfTemplate(config.id, config.version) ?? [] }
        : {}),
    });
    this.launchedFrom.set(instance.id, config);
    return instance;
  }

  /** The group's launch template: the account's template of that name if there is one (linked), else a label. */
  private groupLaunchTemplate(spec: AutoScalingGroupSpec): GroupLaunchTemplate {
    const template = spec.launchTemplate ? this.ec2.launchTemplates.byName(spec.launchTemplate.name) : undefined;
    if (template) {
      const version = spec.launchTemplate?.version ?? '$Default';
      this.ec2.launchTemplates.resolve(template.id, version);
      return { id: template.id, name: template.name, version, linked: true };
    }
    return {
      id: `lt-${this.ctx.ids.hex(17)}`,
      name: spec.launchTemplate?.name ?? `${spec.name}-lt`,
      version: spec.launchTemplate?.version ?? '1',
      linked: false,
    };
  }

  private launch(group: SimGroup, cause: string): void {
    const instance = this.launchInstance(group, false);
    const member = this.newGroupInstance(group, instance, 'Pending', cause);
    group.instances.set(instance.id, member);
    this.activities?.started(group, member, 'launch');
    this.ctx.schedule(this.timing.stepDelayMs, () => {
      if (member.terminating) return;
      const hooks = group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
      if (hooks.length === 0) this.proceedLaunch(group, member);
      else this.actions.start(group, member, hooks, 'Pending:Wait');
    });
  }

  private proceedLaunch(group: SimGroup, member: GroupInstance): void {
    member.lifecycleState = 'Pending:Proceed';
    const goInService = () => {
      if (member.terminating) return;
      for (const arn of group.targetGroupArns) this.elbv2.register(arn, member.id);
      this.ctx.schedule(this.timing.stepDelayMs, () => {
        if (member.terminating) return;
        member.lifecycleState = 'InService';
        member.inServiceAt = this.ctx.now();
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
    this.actions.endForScaleIn(member);
    member.lifecycleState = 'Terminating';
    this.activities?.started(group, member, 'terminate');
    this.scheduleReconcile(group);
    const afterDeregistration = () => {
      const hooks = runTerminateHooks
        ? group.hooks.filter((hook) => hook.transition === 'autoscaling:EC2_INSTANCE_TERMINATING')
        : [];
      if (hooks.length === 0) this.finishTermination(group, member);
      else this.actions.start(group, member, hooks, 'Terminating:Wait');
    };
    this.deregisterAll(group, member, afterDeregistration);
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
    const activityId = this.activities?.ended(group, member, launching ? 'launch' : 'terminate');
    const detail: ScalingActivityDetail = {
      StatusCode: 'InProgress',
      Description: launching ? `Launching a new EC2 instance: ${member.id}` : `Terminating EC2 instance: ${member.id}`,
      AutoScalingGroupName: group.name,
      // Drawn either way, so that the ids of everything else stay as they were before activities were logged.
      ActivityId: ((drawn) => activityId ?? drawn)(this.ctx.ids.uuid()),
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
    const resources = [group.arn, `arn:aws:ec2:${this.ctx.region}:${this.ctx.accountId}:instance/${member.id}`];
    this.ctx.events.emit(
      launching
        ? awsEvent(this.ctx, {
            source: 'aws.autoscaling',
            detailType: 'EC2 Instance Launch Successful',
            resources,
            detail,
            at: now,
          })
        : awsEvent(this.ctx, {
            source: 'aws.autoscaling',
            detailType: 'EC2 Instance Terminate Successful',
            resources,
            detail,
            at: now,
          }),
    );
  }

  // ---- for the instance refresh (instance-refresh.ts) ----

  /** The group's instances that are not being terminated, oldest first. */
  activeMembers(group: SimGroup): GroupInstance[] {
    return this.active(group);
  }

  /**
   * Healthy as the group's health check sees it: InService and running, and with the ELB health check type also
   * `healthy` in every attached target group (Auto Scaling user guide, "Health checks for instances in an Auto
   * Scaling group").
   */
  isHealthy(group: SimGroup, member: GroupInstance): boolean {
    if (member.terminating || member.lifecycleState !== 'InService' || member.healthStatus !== 'Healthy') return false;
    if (this.ec2.get(member.id)?.state !== 'running') return false;
    if (group.healthCheckType !== 'ELB' || group.targetGroupArns.length === 0) return true;
    const targetGroups = this.elbv2.view().filter((targetGroup) => group.targetGroupArns.includes(targetGroup.arn));
    return targetGroups.every((targetGroup) =>
      targetGroup.targets.some((target) => target.id === member.id && target.state === 'healthy'),
    );
  }

  /** Take an instance out of service for an instance refresh: terminate hooks run, then the group launches anew. */
  replaceForRefresh(group: SimGroup, member: GroupInstance): void {
    this.beginTermination(
      group,
      member,
      `At ${isoSeconds(this.ctx.now())} an instance was taken out of service in response to an instance refresh.`,
      true,
    );
  }

  /**
   * Take an instance marked Unhealthy out of service and replace it (terminate hooks run, then the group launches
   * anew): SetInstanceHealth (instance-health.ts).
   */
  replaceUnhealthy(group: SimGroup, member: GroupInstance, cause: string): void {
    member.healthStatus = 'Unhealthy';
    this.beginTermination(group, member, cause, true);
  }

  mustGroup(name: string): SimGroup {
    const group = this.groups.get(name);
    if (!group) throw new SimConfigError(`unknown Auto Scaling group ${name}`);
    return group;
  }
}
