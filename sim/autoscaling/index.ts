/**
 * Simulated Amazon EC2 Auto Scaling: groups, lifecycle hooks, scale out / scale in, target groups.
 *
 * One file per resource: groups.ts (capacity, launches, terminations, activity events), lifecycle-actions.ts
 * (hooks and actions), model.ts (the shared state); this file is the service's operation table. Instance refresh
 * and scheduled actions go next to them (instance-refresh.ts, scheduled-actions.ts), with their rows added here.
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
 * - Root-volume replacement of one InService instance (user guide, "Replace root volumes during instance refresh"
 *   and "How lifecycle hooks work", transitions for root volume replacement): ReplacingRootVolume (deregistered from
 *   the attached target groups) → ReplacingRootVolume:Wait (terminate hooks) → ReplacingRootVolume:Proceed →
 *   RootVolumeReplaced → Pending → Pending:Wait (launch hooks) → Pending:Proceed → InService; both halves' events
 *   carry `Action: "ReplaceRootVolume"` (Origin and Destination AutoScalingGroup); same id and addresses. A failed
 *   replacement (instance not running) or an abandoned launch hook terminates the instance; the group replaces it.
 *   Approximated: the instance stays `running` and its app is unreachable while it reboots (`rebootMs`); ABANDON of
 *   the terminate half lets the replacement go on, like CONTINUE (as for a terminate hook). The instance refresh
 *   around it (selection, MinHealthyPercentage, checkpoints) is not modelled.
 * - UpdateAutoScalingGroup (sizes) and CreateOrUpdateTags on groups: update-group.ts.
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
 * - Instance refresh with the Rolling strategy: see instance-refresh.ts. A group whose launch template exists in the
 *   simulated EC2 launches each instance from its version's image and instance type (model.ts AutoScalingGroupSpec).
 * - HealthCheckType EC2 (default) or ELB, HealthCheckGracePeriod (default 300), DefaultInstanceWarmup: reported, and
 *   used by the instance refresh to judge replacements; the group itself replaces only instances EC2 stops or
 *   terminates.
 * - SetInstanceHealth (instance-health.ts) and DescribeScalingActivities (scaling-activities.ts).
 * - No warm pools, cooldowns, scaling policies, ReplaceRootVolume refresh (beyond one root-volume replacement at a
 *   time per instance) or protection from scale-in.
 */
import type {
  CancelInstanceRefreshCommandInput,
  CancelInstanceRefreshCommandOutput,
  CompleteLifecycleActionCommandInput,
  CompleteLifecycleActionCommandOutput,
  CreateOrUpdateTagsCommandInput,
  CreateOrUpdateTagsCommandOutput,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeAutoScalingInstancesCommandInput,
  DescribeAutoScalingInstancesCommandOutput,
  DescribeInstanceRefreshesCommandInput,
  DescribeInstanceRefreshesCommandOutput,
  DescribeLifecycleHooksCommandInput,
  DescribeLifecycleHooksCommandOutput,
  DescribeScalingActivitiesCommandInput,
  DescribeScalingActivitiesCommandOutput,
  RecordLifecycleActionHeartbeatCommandInput,
  RecordLifecycleActionHeartbeatCommandOutput,
  RollbackInstanceRefreshCommandInput,
  RollbackInstanceRefreshCommandOutput,
  SetDesiredCapacityCommandInput,
  SetDesiredCapacityCommandOutput,
  SetInstanceHealthCommandInput,
  SetInstanceHealthCommandOutput,
  StartInstanceRefreshCommandInput,
  StartInstanceRefreshCommandOutput,
  UpdateAutoScalingGroupCommandInput,
  UpdateAutoScalingGroupCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { lookupIn, type OperationTable, type SimContext, type SimService } from '../context';
import type { Ec2Service } from '../ec2';
import type { Elbv2Service } from '../elbv2';
import { AutoScalingGroups } from './groups';
import { InstanceHealth } from './instance-health';
import { InstanceRefreshes } from './instance-refresh';
import { LifecycleActions } from './lifecycle-actions';
import type { AutoScalingGroupSpec, AutoScalingTiming, HookResultRecord, RootVolumeReplacement } from './model';
import { ScalingActivities } from './scaling-activities';
import { GroupSettings } from './update-group';

export type {
  AutoScalingGroupSpec,
  AutoScalingTiming,
  HookResultRecord,
  LifecycleHookSpec,
  LifecycleResult,
  RootVolumeReplacement,
} from './model';

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
  StartInstanceRefresh: readonly [StartInstanceRefreshCommandInput, StartInstanceRefreshCommandOutput];
  DescribeInstanceRefreshes: readonly [DescribeInstanceRefreshesCommandInput, DescribeInstanceRefreshesCommandOutput];
  CancelInstanceRefresh: readonly [CancelInstanceRefreshCommandInput, CancelInstanceRefreshCommandOutput];
  RollbackInstanceRefresh: readonly [RollbackInstanceRefreshCommandInput, RollbackInstanceRefreshCommandOutput];
  SetInstanceHealth: readonly [SetInstanceHealthCommandInput, SetInstanceHealthCommandOutput];
  DescribeScalingActivities: readonly [DescribeScalingActivitiesCommandInput, DescribeScalingActivitiesCommandOutput];
  UpdateAutoScalingGroup: readonly [UpdateAutoScalingGroupCommandInput, UpdateAutoScalingGroupCommandOutput];
  CreateOrUpdateTags: readonly [CreateOrUpdateTagsCommandInput, CreateOrUpdateTagsCommandOutput];
};

export class AutoScalingService implements SimService {
  readonly name = 'autoScaling' as const;
  private readonly groups: AutoScalingGroups;
  private readonly actions: LifecycleActions;
  /** Instance refreshes (instance-refresh.ts); their AlarmSpecification reads the account's CloudWatch alarms. */
  readonly refreshes: InstanceRefreshes;
  /** Scaling activities (scaling-activities.ts). */
  readonly activities: ScalingActivities;
  private readonly health: InstanceHealth;

  constructor(
    ctx: SimContext,
    ec2: Ec2Service,
    elbv2: Elbv2Service,
    specs: AutoScalingGroupSpec[],
    timing: AutoScalingTiming = {},
  ) {
    this.groups = new AutoScalingGroups(ctx, ec2, elbv2, timing);
    // Activity ids come from their own stream, so that logging them leaves every other id as it was.
    this.activities = new ScalingActivities({ ...ctx, ids: ctx.ids.fork('scaling-activities') });
    this.groups.activities = this.activities;
    this.health = new InstanceHealth(ctx, this.groups);
    this.actions = new LifecycleActions(ctx, this.groups.groups, (group, member, transition, abandoned) =>
      this.groups.afterLifecycleActions(group, member, transition, abandoned),
    );
    this.groups.useLifecycleActions(this.actions);
    for (const spec of specs) this.groups.createGroup(spec);
    this.refreshes = new InstanceRefreshes(ctx, ec2, this.groups);
    this.settings = new GroupSettings(this.groups);
  }

  /** UpdateAutoScalingGroup (sizes) and group tags (update-group.ts). */
  private readonly settings: GroupSettings;

  private readonly table: OperationTable<AutoScalingOperations> = {
    DescribeAutoScalingGroups: (input) => this.groups.describeGroups(input),
    DescribeAutoScalingInstances: (input) => this.groups.describeInstances(input),
    DescribeLifecycleHooks: (input) => this.actions.describeHooks(input),
    CompleteLifecycleAction: (input) => this.actions.completeLifecycleAction(input),
    RecordLifecycleActionHeartbeat: (input) => this.actions.recordHeartbeat(input),
    SetDesiredCapacity: (input) => {
      this.groups.setDesiredCapacity(input.AutoScalingGroupName ?? '', input.DesiredCapacity ?? Number.NaN);
      return {};
    },
    StartInstanceRefresh: (input) => this.refreshes.start(input),
    DescribeInstanceRefreshes: (input) => this.refreshes.describe(input),
    CancelInstanceRefresh: (input) => this.refreshes.cancel(input),
    RollbackInstanceRefresh: (input) => this.refreshes.rollback(input),
    SetInstanceHealth: (input) => this.health.setInstanceHealth(input),
    DescribeScalingActivities: (input) => this.activities.describe(input),
    UpdateAutoScalingGroup: (input) => this.settings.update(input),
    CreateOrUpdateTags: (input) => this.settings.createOrUpdateTags(input),
  };

  readonly operationHandler = lookupIn(this.table);

  // ---- sim-side API ----

  /** Every lifecycle action outcome, in order. */
  get hookResults(): HookResultRecord[] {
    return this.actions.hookResults;
  }

  /** Change desired capacity, with AWS's validation (scenarios call this too). */
  setDesiredCapacity(groupName: string, desired: number): void {
    this.groups.setDesiredCapacity(groupName, desired);
  }

  /** Replace the root volume of one InService instance, as an instance refresh with ReplaceRootVolume does. */
  replaceRootVolume(groupName: string, instanceId: string, replacement?: RootVolumeReplacement): void {
    this.groups.replaceRootVolume(groupName, instanceId, replacement);
  }

  groupNames(): string[] {
    return this.groups.groupNames();
  }

  arnOf(groupName: string): string {
    return this.groups.arnOf(groupName);
  }

  /** Pending lifecycle actions (token, instance, hook), for runtimes and assertions. */
  pendingActions(): ReturnType<LifecycleActions['pendingActions']> {
    return this.actions.pendingActions();
  }

  /** Plain view for snapshots. */
  view(): ReturnType<AutoScalingGroups['view']> {
    return this.groups.view();
  }
}
