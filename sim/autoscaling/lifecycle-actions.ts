/**
 * Lifecycle hooks and lifecycle actions of the simulated Auto Scaling service (Amazon EC2 Auto Scaling user guide,
 * "How lifecycle hooks work in Auto Scaling groups"; API reference, CompleteLifecycleAction,
 * RecordLifecycleActionHeartbeat, DescribeLifecycleHooks, LifecycleHook.GlobalTimeout).
 *
 * An action starts when an instance enters Pending:Wait, Terminating:Wait or ReplacingRootVolume:Wait (one per hook of that transition, one
 * EventBridge event each) and ends by CompleteLifecycleAction, by its DefaultResult at the heartbeat deadline, or
 * (ScaleIn) when the group takes the instance away first. When the last action of an instance ends, the group goes
 * on (`onSettled`).
 */
import type {
  CompleteLifecycleActionCommandInput,
  DescribeLifecycleHooksCommandInput,
  LifecycleState,
  RecordLifecycleActionHeartbeatCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { byCodeUnit, type SimContext } from '../context';
import { SimConfigError } from '../errors';
import { awsEvent, type LifecycleActionDetail, type LifecycleTransition } from '../events';
import {
  GLOBAL_TIMEOUT_CAP_S,
  type GroupInstance,
  type HookResultRecord,
  type LifecycleAction,
  type LifecycleHookSpec,
  type LifecycleResult,
  type ResolvedHook,
  type SimGroup,
  validationError,
} from './model';

/** Called when every action of an instance has ended (not for ScaleIn): the group continues its launch or termination. */
export type ActionsSettled = (
  group: SimGroup,
  member: GroupInstance,
  transition: LifecycleTransition,
  abandoned: boolean,
) => void;

/** A hook as declared, with AWS's defaults (HeartbeatTimeout 3600 s, DefaultResult ABANDON) and range check. */
export function resolveHook(hook: LifecycleHookSpec): ResolvedHook {
  const heartbeatTimeout = hook.heartbeatTimeout ?? 3600;
  if (heartbeatTimeout < 30 || heartbeatTimeout > 7200) {
    throw new SimConfigError(`hook ${hook.name}: HeartbeatTimeout must be 30–7200 s`);
  }
  return { ...hook, heartbeatTimeout, defaultResult: hook.defaultResult ?? 'ABANDON' };
}

export class LifecycleActions {
  private readonly actionsByToken = new Map<string, LifecycleAction>();
  /** Every lifecycle action outcome, in order. */
  readonly hookResults: HookResultRecord[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly groups: ReadonlyMap<string, SimGroup>,
    private readonly onSettled: ActionsSettled,
  ) {}

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

  describeHooks(input: DescribeLifecycleHooksCommandInput) {
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

  completeLifecycleAction(input: CompleteLifecycleActionCommandInput) {
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

  recordHeartbeat(input: RecordLifecycleActionHeartbeatCommandInput) {
    const action = this.findActiveAction(input);
    const now = this.ctx.now();
    action.deadline = Math.min(now + action.hook.heartbeatTimeout * 1000, action.globalDeadline);
    this.armDeadline(action);
    return {};
  }

  /**
   * Put the instance in `state` (Pending:Wait, Terminating:Wait or ReplacingRootVolume:Wait) and start one action per
   * hook. The two halves of a root-volume replacement carry `Action: "ReplaceRootVolume"` with Origin and Destination
   * both AutoScalingGroup (user guide, "Instance refresh example events and patterns", replace root volume events).
   */
  start(
    group: SimGroup,
    member: GroupInstance,
    hooks: ResolvedHook[],
    state: LifecycleState,
    replaceRootVolume = false,
  ): void {
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
        ...(replaceRootVolume
          ? { Origin: 'AutoScalingGroup', Destination: 'AutoScalingGroup', Action: 'ReplaceRootVolume' }
          : { Origin: launching ? 'EC2' : 'AutoScalingGroup', Destination: launching ? 'AutoScalingGroup' : 'EC2' }),
      };
      const resources = [group.arn];
      this.ctx.events.emit(
        launching
          ? awsEvent(this.ctx, {
              source: 'aws.autoscaling',
              detailType: 'EC2 Instance-launch Lifecycle Action',
              resources,
              detail,
              at: now,
            })
          : awsEvent(this.ctx, {
              source: 'aws.autoscaling',
              detailType: 'EC2 Instance-terminate Lifecycle Action',
              resources,
              detail,
              at: now,
            }),
      );
    }
  }

  /** End every pending action of an instance the group is taking away (no `onSettled`). */
  endForScaleIn(member: GroupInstance): void {
    for (const action of member.actions) {
      if (action.result === undefined) this.resolveAction(action, 'ABANDON', 'ScaleIn');
    }
    member.actions = [];
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
    this.onSettled(group, member, action.hook.transition, abandoned);
  }
}
