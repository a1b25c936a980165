/**
 * The state of the simulated Auto Scaling service that its parts share: groups, their instances, lifecycle hooks and
 * lifecycle actions, and the specs a stack declares them with.
 */
import { AutoScalingServiceException, type LifecycleState } from '@aws-sdk/client-auto-scaling';
import { byCodeUnit, type TimerHandle } from '../context';
import { serviceError } from '../errors';
import type { LifecycleTransition } from '../events';

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
  /**
   * The group's launch template. When the account has a launch template of this name (StackSpec.launchTemplates,
   * CreateLaunchTemplate), the group launches from it: each instance gets the image and instance type of the version
   * (a number, `$Latest` or `$Default`; default `$Default`, as AWS's LaunchTemplateSpecification). Otherwise the name
   * is only reported and instances get `imageId` / `instanceType`.
   */
  launchTemplate?: { name: string; version?: string };
  /** `EC2` (default) or `ELB`: with ELB, an instance is healthy only when every attached target group says so. */
  healthCheckType?: 'EC2' | 'ELB';
  /** Seconds; default 300 (AWS's default for groups made outside the console). */
  healthCheckGracePeriod?: number;
  /** DefaultInstanceWarmup, seconds; unset by default (an instance refresh then warms up for the grace period). */
  defaultInstanceWarmup?: number;
  /**
   * How the initial desired capacity comes up: `in-service` (default) creates running, InService,
   * healthy-registered instances silently; `launch` runs the normal launch flow with hooks and events.
   */
  initialInstances?: 'in-service' | 'launch';
}

/** How a root-volume replacement of one instance goes (see AutoScalingGroups.replaceRootVolume). */
export interface RootVolumeReplacement {
  /** The image of the new root volume; default the group's image. */
  imageId?: string;
  /** How long the instance reboots onto it, ms; default 60,000. */
  rebootMs?: number;
}

export interface AutoScalingTiming {
  /** Delay between a capacity change and the group acting on it, ms; default 1,000. */
  activityDelayMs?: number;
  /** Delay between launching an instance and Pending:Wait / between Proceed and the next state; default 1,000. */
  stepDelayMs?: number;
}

export interface ResolvedHook
  extends Required<Omit<LifecycleHookSpec, 'notificationMetadata' | 'notificationTargetArn' | 'roleArn'>> {
  notificationMetadata?: string;
  notificationTargetArn?: string;
  roleArn?: string;
}

export interface LifecycleAction {
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

export interface GroupInstance {
  id: string;
  subnetId: string;
  availabilityZone: string;
  lifecycleState: LifecycleState;
  healthStatus: 'Healthy' | 'Unhealthy';
  launchTemplateVersion: string;
  /** The launch template it was launched from (the group's, or an instance refresh's desired one). */
  launchTemplateId: string;
  launchTemplateName: string;
  launchedAt: number;
  /** When it last entered InService. */
  inServiceAt?: number;
  actions: LifecycleAction[];
  /** Set once the group has decided to terminate it. */
  terminating: boolean;
  /** Set while its root volume is being replaced (from ReplacingRootVolume until InService or failure). */
  replacingRootVolume?: boolean;
  cause: string;
}

export interface GroupLaunchTemplate {
  id: string;
  name: string;
  version: string;
  linked: boolean;
}

export interface SimGroup {
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
  /** `linked`: an EC2 launch template the instances are launched from (else only reported). */
  launchTemplate: GroupLaunchTemplate;
  /** While an instance refresh (or its rollback) runs: what new instances are launched from instead. */
  launchOverride?: GroupLaunchTemplate;
  healthCheckType: 'EC2' | 'ELB';
  healthCheckGracePeriod: number;
  defaultInstanceWarmup?: number;
  createdAt: number;
  instances: Map<string, GroupInstance>;
  reconcileTimer?: TimerHandle;
  /** Tags of the group (CreateOrUpdateTags, update-group.ts). */
  tags?: Map<string, { value: string; propagateAtLaunch: boolean }>;
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

export const validationError = (message: string): Error =>
  serviceError(AutoScalingServiceException, { code: 'ValidationError', message });

/** A lifecycle action ends at the latest min(48 h, 100 × HeartbeatTimeout) after it started. */
export const GLOBAL_TIMEOUT_CAP_S = 48 * 60 * 60;

/** A group's instances, oldest launch first (ties by id). */
export const sortedInstances = (group: SimGroup): GroupInstance[] =>
  [...group.instances.values()].sort((a, b) => a.launchedAt - b.launchedAt || byCodeUnit(a.id, b.id));
