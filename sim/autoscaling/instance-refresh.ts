/**
 * Instance refresh of the simulated Auto Scaling groups (Rolling strategy).
 *
 * Pages: Auto Scaling user guide, "Use an instance refresh to update instances in an Auto Scaling group" and "How an
 * instance refresh works" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html),
 * "Understand the default values for an instance refresh", "Add checkpoints to an instance refresh"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-adding-checkpoints-instance-refresh.html), "Undo changes
 * with a manual or auto rollback" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html),
 * "Instance refresh example events and patterns"; API reference StartInstanceRefresh, DescribeInstanceRefreshes,
 * CancelInstanceRefresh, RollbackInstanceRefresh, RefreshPreferences, InstanceRefresh, RollbackDetails.
 *
 * Modelled:
 * - StartInstanceRefresh: Pending, then InProgress (event "… Instance Refresh Started"). InstanceRefreshInProgressFault
 *   while another refresh of the group is Pending, InProgress, Baking, Cancelling or RollbackInProgress.
 *   ValidationError for: a strategy other than Rolling; MinHealthyPercentage outside 0–100, MaxHealthyPercentage
 *   outside 100–200 or more than 100 above the minimum; CheckpointDelay without CheckpointPercentages; checkpoint
 *   percentages not ascending in 1–100; a desired launch template or version that does not exist; AutoRollback
 *   without a desired configuration or with `$Latest` / `$Default` on the group or in the desired configuration
 *   (RefreshPreferences.AutoRollback lists these as unsupported).
 * - Defaults (API / CLI column of "Understand the default values"): MinHealthyPercentage 90, MaxHealthyPercentage
 *   100, InstanceWarmup = the group's DefaultInstanceWarmup or else its HealthCheckGracePeriod, CheckpointDelay
 *   3600 s, SkipMatching, AutoRollback false, BakeTime 0.
 * - Replacement in batches: the instances to replace are those in the group at the start (with SkipMatching, those
 *   not already on the desired launch template and version). A batch is as large as MinHealthyPercentage allows
 *   (healthy instances minus ceil(desired × min / 100), at least one: 100 % replaces one at a time), and never
 *   beyond the next checkpoint. Each instance is terminated through the group's normal path (deregistration,
 *   terminate lifecycle hooks) and the group launches its replacement from the desired configuration (launch hooks,
 *   registration), exactly as a scale-in followed by a scale-out. A new instance counts as updated once it is healthy
 *   by the group's health check (EC2, or ELB: healthy in every target group) and its warm-up has passed; the next
 *   batch starts when the whole batch is updated. PercentageComplete = updated / to replace; InstancesToUpdate = the
 *   rest.
 * - Checkpoints: when the updated share reaches a checkpoint below 100, "… Checkpoint Reached" (the highest one
 *   reached, with CheckpointPercentage and CheckpointDelay) and a pause of CheckpointDelay seconds; no event for 100.
 * - Failure: a new instance still not healthy HealthCheckGracePeriod seconds after it entered InService, or an alarm of
 *   AlarmSpecification in ALARM (the refresh watches the CloudWatch alarms' states: the account's CloudWatch, read
 *   through `useAlarmStates`; API reference, AlarmSpecification,
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AlarmSpecification.html) → Failed ("… Failed"), the group keeps
 *   its previous configuration; with AutoRollback → RollbackInProgress ("… Rollback Started"): the instances launched
 *   so far are replaced in the same way from the previous configuration → RollbackSuccessful ("… Rollback
 *   Succeeded"), or RollbackFailed ("… Rollback Failed") if those fail too. RollbackDetails carry the reason, start
 *   time, and PercentageComplete / InstancesToUpdate at the rollback.
 * - Success: BakeTime in Baking, then Successful ("… Succeeded"); the group's launch template becomes the desired one.
 * - CancelInstanceRefresh → Cancelling (no new batch) → Cancelled ("… Cancelled") when the batch in flight is done;
 *   replaced instances are not rolled back. ActiveInstanceRefreshNotFoundFault when nothing is active.
 * - RollbackInstanceRefresh → as an auto rollback; ActiveInstanceRefreshNotFoundFault, IrreversibleInstanceRefreshFault
 *   (no desired configuration, or `$Latest` / `$Default`).
 *
 * - Replacements that never become healthy. What AWS documents: a refresh "might fail for several reasons, such as EC2
 *   launch failures, misconfigured health checks" (API reference, StartInstanceRefresh), with failed launches visible
 *   as scaling activities; auto rollback starts "if the instance refresh fails for some reason" ("Undo changes with a
 *   manual or auto rollback"); an instance whose launch lifecycle action is abandoned is terminated and replaced
 *   ("How lifecycle hooks work"); a new instance counts as updated only once healthy and warmed up (InstanceRefresh,
 *   PercentageComplete). What it does not document: how many failed launches, or how long without progress, fail a
 *   refresh, nor its StatusReason then. The sim's choice: a launch of the refresh fails when the instance leaves the
 *   group without ever having been InService (its launch hook was abandoned, or it never ran); after
 *   FAILED_LAUNCHES_TO_FAIL (3) such failures in a row (an updated replacement resets the count) the phase fails as
 *   above (Failed, or a rollback; RollbackFailed during a rollback). A new instance that reached InService and is
 *   still unhealthy after the grace period fails it at once (see Failure).
 *
 * Approximated: progress is checked every `tickMs` (5 s) of virtual time; MaxHealthyPercentage above 100 is accepted
 * but instances are still terminated before their replacements launch; ScaleInProtectedInstances and
 * StandbyInstances are reported but change nothing (the sim has neither protected nor standby instances); no warm
 * pools or ReplaceRootVolume strategy; a desired configuration with a MixedInstancesPolicy is refused with a
 * ValidationError naming the sim's limit (the sim's groups have no mixed instances policy); status reasons are the
 * sim's own words.
 */
import {
  ActiveInstanceRefreshNotFoundFault,
  type CancelInstanceRefreshCommandInput,
  type DescribeInstanceRefreshesCommandInput,
  type InstanceRefresh,
  InstanceRefreshInProgressFault,
  type InstanceRefreshStatus,
  IrreversibleInstanceRefreshFault,
  type RefreshPreferences,
  type RollbackInstanceRefreshCommandInput,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { byCodeUnit, cloneData, type SimContext, type TimerHandle } from '../context';
import type { Ec2Service } from '../ec2';
import { serviceError } from '../errors';
import { awsEvent, type InstanceRefreshDetailType } from '../events';
import type { AutoScalingGroups } from './groups';
import { type GroupInstance, type GroupLaunchTemplate, type SimGroup, validationError } from './model';

/** Failed launches in a row after which the sim fails a refresh phase (AWS documents no number; see the header). */
export const FAILED_LAUNCHES_TO_FAIL = 3;

const ACTIVE: readonly InstanceRefreshStatus[] = [
  'Pending',
  'InProgress',
  'Baking',
  'Cancelling',
  'RollbackInProgress',
];

interface ResolvedPreferences {
  minHealthy: number;
  maxHealthy: number;
  warmupS: number;
  skipMatching: boolean;
  checkpoints: number[];
  checkpointDelayS: number;
  autoRollback: boolean;
  alarms: string[];
  bakeTimeS: number;
}

interface SimRefresh {
  id: string;
  groupName: string;
  status: InstanceRefreshStatus;
  statusReason?: string;
  startTime: number;
  endTime?: number;
  given: RefreshPreferences;
  prefs: ResolvedPreferences;
  desired?: GroupLaunchTemplate;
  previous: GroupLaunchTemplate;
  phase: 'refresh' | 'rollback';
  /** Instances the current phase replaces; the group's instances when it began (any other one is a replacement). */
  toReplace: Set<string>;
  before: Set<string>;
  total: number;
  percentage: number;
  remaining: number;
  checkpointsPassed: number;
  pausedUntil?: number;
  bakeUntil?: number;
  rollback?: { reason: string; startTime: number; percentage: number; remaining: number };
  timer?: TimerHandle;
  /** The fewest healthy instances seen at a progress check while the refresh was active, with the desired capacity. */
  lowestHealthy?: HealthySample;
  /** Instances the current phase launched that are still in the group and have not been InService yet. */
  launching: Set<string>;
  /** Launches of the current phase that failed since the last updated replacement, newest last. */
  failedLaunches: string[];
  /** Replacements of the current phase seen updated. */
  updatedSeen: Set<string>;
  /** Launches of the current phase seen failed (each counted once). */
  failedSeen: Set<string>;
}

/** How many of the group's instances were healthy (by the group's health check) at one progress check. */
export interface HealthySample {
  healthy: number;
  desired: number;
  at: number;
  phase: 'refresh' | 'rollback';
}

/** What a refresh did, for invariants: its span, configurations, MinHealthyPercentage and lowest healthy count. */
export interface RefreshRecord {
  id: string;
  groupName: string;
  status: InstanceRefreshStatus;
  startTime: number;
  endTime?: number;
  minHealthyPercentage: number;
  previous: { id: string; version: string };
  desired?: { id: string; version: string };
  lowestHealthy?: HealthySample;
}

export class InstanceRefreshes {
  private readonly refreshes: SimRefresh[] = [];
  /** The state of a CloudWatch alarm by name (undefined: no such alarm); plugged in by the account. */
  private alarmState: (alarmName: string) => string | undefined = () => undefined;
  private readonly tickMs = 5_000;

  constructor(
    private readonly ctx: SimContext,
    private readonly ec2: Ec2Service,
    private readonly groups: AutoScalingGroups,
  ) {}

  // ---- sim-side API ----

  /** Where the states of the alarms an AlarmSpecification names come from (the account's CloudWatch). */
  useAlarmStates(source: (alarmName: string) => string | undefined): void {
    this.alarmState = source;
  }

  /** Every refresh of every group, oldest first. */
  list(): Array<{ id: string; groupName: string; status: InstanceRefreshStatus; percentage: number }> {
    return this.refreshes.map((refresh) => ({
      id: refresh.id,
      groupName: refresh.groupName,
      status: refresh.status,
      percentage: refresh.percentage,
    }));
  }

  /**
   * Every refresh with what the invariants need; `lowestHealthy` is sampled at each progress check (every `tickMs`),
   * so a dip shorter than a check can go unseen.
   */
  history(): RefreshRecord[] {
    return this.refreshes.map((refresh) => ({
      id: refresh.id,
      groupName: refresh.groupName,
      status: refresh.status,
      startTime: refresh.startTime,
      ...(refresh.endTime !== undefined ? { endTime: refresh.endTime } : {}),
      minHealthyPercentage: refresh.prefs.minHealthy,
      previous: { id: refresh.previous.id, version: refresh.previous.version },
      ...(refresh.desired ? { desired: { id: refresh.desired.id, version: refresh.desired.version } } : {}),
      ...(refresh.lowestHealthy ? { lowestHealthy: { ...refresh.lowestHealthy } } : {}),
    }));
  }

  // ---- operations ----

  start(input: StartInstanceRefreshCommandInput) {
    const group = this.group(input.AutoScalingGroupName);
    if (this.active(group.name)) {
      throw serviceError(InstanceRefreshInProgressFault, {
        message: 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.',
      });
    }
    if (input.Strategy !== undefined && input.Strategy !== 'Rolling') {
      throw validationError(`The simulated account supports only the Rolling strategy, not ${input.Strategy}.`);
    }
    if (input.DesiredConfiguration?.MixedInstancesPolicy) {
      throw validationError('The simulated account does not model mixed instances policies (DesiredConfiguration).');
    }
    const prefs = this.resolvePreferences(group, input.Preferences ?? {});
    const desired = input.DesiredConfiguration?.LaunchTemplate
      ? this.desiredTemplate(input.DesiredConfiguration.LaunchTemplate)
      : undefined;
    if (prefs.autoRollback) {
      if (!desired) throw validationError('AutoRollback requires a desired configuration.');
      if (isAlias(group.launchTemplate.version) || isAlias(desired.version)) {
        throw validationError(
          'AutoRollback is not supported when the Auto Scaling group or the desired configuration uses the $Latest or $Default launch template version.',
        );
      }
    }
    const now = this.ctx.now();
    const members = this.groups.activeMembers(group);
    const target = desired ?? group.launchTemplate;
    const toReplace = members
      .filter((member) => !(prefs.skipMatching && matches(member, target)))
      .map((member) => member.id);
    const refresh: SimRefresh = {
      id: this.ctx.ids.uuid(),
      groupName: group.name,
      status: 'Pending',
      statusReason: 'Waiting for the instance refresh to start',
      startTime: now,
      given: cloneData(input.Preferences ?? {}),
      prefs,
      ...(desired ? { desired } : {}),
      previous: { ...group.launchTemplate },
      phase: 'refresh',
      toReplace: new Set(toReplace),
      before: new Set(group.instances.keys()),
      total: toReplace.length,
      percentage: 0,
      remaining: toReplace.length,
      checkpointsPassed: 0,
      launching: new Set(),
      failedLaunches: [],
      updatedSeen: new Set(),
      failedSeen: new Set(),
    };
    this.refreshes.push(refresh);
    this.schedule(refresh, 1_000);
    return { InstanceRefreshId: refresh.id };
  }

  describe(input: DescribeInstanceRefreshesCommandInput) {
    if (!input.AutoScalingGroupName) throw validationError('AutoScalingGroupName is required');
    const ids = input.InstanceRefreshIds ?? [];
    const selected = this.refreshes
      .filter((refresh) => refresh.groupName === input.AutoScalingGroupName)
      .filter((refresh) => ids.length === 0 || ids.includes(refresh.id))
      .sort((a, b) => b.startTime - a.startTime || byCodeUnit(b.id, a.id));
    const offset = input.NextToken ? Number.parseInt(input.NextToken, 10) : 0;
    const limit = input.MaxRecords ?? 50;
    const page = selected.slice(offset, offset + limit);
    return {
      InstanceRefreshes: page.map((refresh) => this.toSdk(refresh)),
      ...(offset + page.length < selected.length ? { NextToken: String(offset + page.length) } : {}),
    };
  }

  cancel(input: CancelInstanceRefreshCommandInput) {
    const refresh = this.active(input.AutoScalingGroupName ?? '');
    if (!refresh || refresh.status === 'Cancelling') throw this.noActive(input.AutoScalingGroupName ?? '');
    refresh.status = 'Cancelling';
    refresh.statusReason = 'Cancelling the instance refresh: waiting for the instances in flight';
    this.schedule(refresh, 0);
    return { InstanceRefreshId: refresh.id };
  }

  rollback(input: RollbackInstanceRefreshCommandInput) {
    const refresh = this.active(input.AutoScalingGroupName ?? '');
    if (refresh?.phase !== 'refresh' || refresh.status === 'Cancelling') {
      throw this.noActive(input.AutoScalingGroupName ?? '');
    }
    if (!refresh.desired || isAlias(refresh.desired.version) || isAlias(refresh.previous.version)) {
      throw serviceError(IrreversibleInstanceRefreshFault, {
        message:
          'The instance refresh cannot be rolled back: it has no desired configuration, or a launch template version is $Latest or $Default.',
      });
    }
    this.startRollback(this.groups.mustGroup(refresh.groupName), refresh, 'Rollback started by the user');
    return { InstanceRefreshId: refresh.id };
  }

  // ---- the refresh's progress ----

  private schedule(refresh: SimRefresh, delayMs: number): void {
    this.ctx.cancel(refresh.timer);
    refresh.timer = this.ctx.schedule(delayMs, () => {
      refresh.timer = undefined;
      this.tick(refresh);
      if (ACTIVE.includes(refresh.status)) this.schedule(refresh, this.tickMs);
    });
  }

  private tick(refresh: SimRefresh): void {
    const group = this.groups.mustGroup(refresh.groupName);
    const now = this.ctx.now();
    if (refresh.status === 'Pending') {
      refresh.status = 'InProgress';
      refresh.statusReason = undefined;
      group.launchOverride = refresh.desired;
      this.emit(group, refresh, 'EC2 Auto Scaling Instance Refresh Started');
    }
    this.sampleHealthy(group, refresh, now);
    if (refresh.status === 'Baking') {
      if (now >= (refresh.bakeUntil ?? now)) this.succeed(group, refresh);
      return;
    }
    const progress = this.progress(group, refresh);
    refresh.remaining = refresh.total - progress.updated;
    refresh.percentage = refresh.total === 0 ? 100 : Math.floor((100 * progress.updated) / refresh.total);
    if (refresh.status === 'Cancelling') {
      if (progress.inFlight === 0) this.finish(group, refresh, 'Cancelled', 'The instance refresh was cancelled.');
      return;
    }
    const alarm = refresh.prefs.alarms.find((name) => this.alarmState(name) === 'ALARM');
    if (alarm && refresh.phase === 'refresh') {
      this.fail(group, refresh, `The CloudWatch alarm ${alarm} went into the ALARM state.`);
      return;
    }
    if (progress.unhealthy) {
      this.fail(
        group,
        refresh,
        `Instance ${progress.unhealthy} failed the group's ${group.healthCheckType} health checks within the health check grace period.`,
      );
      return;
    }
    if (refresh.failedLaunches.length >= FAILED_LAUNCHES_TO_FAIL) {
      this.fail(
        group,
        refresh,
        `${refresh.failedLaunches.length} instances launched in a row failed to launch (${refresh.failedLaunches.join(', ')}): each left the group before it was InService (launch lifecycle action abandoned).`,
      );
      return;
    }
    if (refresh.pausedUntil !== undefined) {
      if (now < refresh.pausedUntil) return;
      refresh.pausedUntil = undefined;
      refresh.statusReason = undefined;
    }
    if (refresh.phase === 'refresh') {
      const reached = refresh.prefs.checkpoints.filter(
        (checkpoint) => checkpoint < 100 && refresh.percentage >= checkpoint,
      );
      if (reached.length > refresh.checkpointsPassed) {
        refresh.checkpointsPassed = reached.length;
        const checkpoint = reached[reached.length - 1] ?? 0;
        refresh.pausedUntil = now + refresh.prefs.checkpointDelayS * 1000;
        refresh.statusReason = `Checkpoint ${checkpoint}% reached: waiting ${refresh.prefs.checkpointDelayS} seconds`;
        this.ctx.events.emit(
          awsEvent(this.ctx, {
            source: 'aws.autoscaling',
            detailType: 'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
            resources: [group.arn],
            detail: {
              InstanceRefreshId: refresh.id,
              AutoScalingGroupName: group.name,
              CheckpointPercentage: String(checkpoint),
              CheckpointDelay: String(refresh.prefs.checkpointDelayS),
            },
          }),
        );
        return;
      }
    }
    if (progress.oldLeft.length === 0 && progress.inFlight === 0) {
      if (refresh.phase === 'rollback') {
        this.finish(group, refresh, 'RollbackSuccessful', 'The rollback completed successfully.');
      } else if (refresh.prefs.bakeTimeS > 0) {
        refresh.status = 'Baking';
        refresh.bakeUntil = now + refresh.prefs.bakeTimeS * 1000;
        refresh.statusReason = `Waiting the bake time of ${refresh.prefs.bakeTimeS} seconds`;
      } else {
        this.succeed(group, refresh);
      }
      return;
    }
    if (progress.inFlight > 0) return;
    this.replaceBatch(group, refresh, progress.oldLeft);
  }

  private sampleHealthy(group: SimGroup, refresh: SimRefresh, now: number): void {
    const healthy = this.groups.activeMembers(group).filter((member) => this.groups.isHealthy(group, member)).length;
    if (refresh.lowestHealthy === undefined || healthy < refresh.lowestHealthy.healthy) {
      refresh.lowestHealthy = { healthy, desired: group.desired, at: now, phase: refresh.phase };
    }
  }

  /** Where the current phase stands: replaced and updated, in flight, old ones left, a new one that failed. */
  private progress(group: SimGroup, refresh: SimRefresh) {
    const now = this.ctx.now();
    const members = [...group.instances.values()];
    const oldLeft = members.filter((member) => refresh.toReplace.has(member.id) && !member.terminating);
    const oldLeaving = members.filter((member) => refresh.toReplace.has(member.id) && member.terminating).length;
    const fresh = members.filter((member) => !refresh.before.has(member.id) && !member.terminating);
    const warmupMs = refresh.prefs.warmupS * 1000;
    const updated = fresh.filter(
      (member) =>
        this.groups.isHealthy(group, member) &&
        member.inServiceAt !== undefined &&
        now - member.inServiceAt >= warmupMs,
    );
    const unhealthy = fresh.find(
      (member) =>
        member.inServiceAt !== undefined &&
        now - member.inServiceAt > group.healthCheckGracePeriod * 1000 &&
        !this.groups.isHealthy(group, member),
    );
    this.trackLaunches(group, refresh, fresh, updated);
    const missing = Math.max(0, group.desired - this.groups.activeMembers(group).length);
    return {
      updated: Math.min(updated.length, refresh.total),
      oldLeft,
      inFlight: oldLeaving + (fresh.length - updated.length) + missing,
      unhealthy: unhealthy?.id,
    };
  }

  /**
   * Follows the phase's launches: one still in the group and never InService is launching; one that was launching and
   * is now terminating or gone without having been InService failed; an updated one resets the count of failures.
   */
  private trackLaunches(
    group: SimGroup,
    refresh: SimRefresh,
    fresh: readonly GroupInstance[],
    updated: readonly GroupInstance[],
  ): void {
    const failed = (id: string) => {
      refresh.launching.delete(id);
      if (refresh.failedSeen.has(id)) return;
      refresh.failedSeen.add(id);
      refresh.failedLaunches.push(id);
    };
    for (const id of refresh.launching) {
      const member = group.instances.get(id);
      if (member?.inServiceAt !== undefined) refresh.launching.delete(id);
      else if (!member) failed(id);
    }
    for (const member of group.instances.values()) {
      if (refresh.before.has(member.id) || member.inServiceAt !== undefined) continue;
      if (member.terminating) failed(member.id);
    }
    for (const member of fresh) {
      if (member.inServiceAt === undefined) refresh.launching.add(member.id);
    }
    const newlyUpdated = updated.filter((member) => !refresh.updatedSeen.has(member.id));
    for (const member of newlyUpdated) refresh.updatedSeen.add(member.id);
    if (newlyUpdated.length > 0) refresh.failedLaunches = [];
  }

  private replaceBatch(group: SimGroup, refresh: SimRefresh, oldLeft: GroupInstance[]): void {
    const healthy = this.groups.activeMembers(group).filter((member) => this.groups.isHealthy(group, member)).length;
    const minHealthy = Math.ceil((group.desired * refresh.prefs.minHealthy) / 100);
    let size = Math.max(1, healthy - minHealthy);
    if (refresh.phase === 'refresh') {
      const next = refresh.prefs.checkpoints.find((checkpoint) => refresh.percentage < checkpoint);
      if (next !== undefined) {
        const updated = refresh.total - refresh.remaining;
        size = Math.min(size, Math.max(1, Math.ceil((refresh.total * next) / 100) - updated));
      }
    }
    const batch = [...oldLeft]
      .sort(
        (a, b) =>
          Number(b.lifecycleState === 'InService') - Number(a.lifecycleState === 'InService') ||
          a.launchedAt - b.launchedAt ||
          byCodeUnit(a.id, b.id),
      )
      .slice(0, size);
    for (const member of batch) this.groups.replaceForRefresh(group, member);
  }

  private fail(group: SimGroup, refresh: SimRefresh, reason: string): void {
    if (refresh.phase === 'rollback') {
      this.finish(group, refresh, 'RollbackFailed', `The rollback failed: ${reason}`);
    } else if (refresh.prefs.autoRollback) {
      this.startRollback(group, refresh, `Automatic rollback: ${reason}`);
    } else {
      this.finish(group, refresh, 'Failed', reason);
    }
  }

  private startRollback(group: SimGroup, refresh: SimRefresh, reason: string): void {
    const now = this.ctx.now();
    refresh.rollback = { reason, startTime: now, percentage: refresh.percentage, remaining: refresh.remaining };
    const launched = this.groups
      .activeMembers(group)
      .filter((member) => !refresh.before.has(member.id))
      .map((member) => member.id);
    refresh.phase = 'rollback';
    refresh.toReplace = new Set(launched);
    refresh.before = new Set(group.instances.keys());
    refresh.total = launched.length;
    refresh.remaining = launched.length;
    refresh.percentage = 0;
    refresh.pausedUntil = undefined;
    refresh.launching = new Set();
    refresh.failedLaunches = [];
    refresh.updatedSeen = new Set();
    refresh.failedSeen = new Set();
    refresh.status = 'RollbackInProgress';
    refresh.statusReason = reason;
    group.launchOverride = refresh.previous;
    this.emit(group, refresh, 'EC2 Auto Scaling Instance Refresh Rollback Started');
    this.schedule(refresh, this.tickMs);
  }

  private succeed(group: SimGroup, refresh: SimRefresh): void {
    if (refresh.desired) group.launchTemplate = { ...refresh.desired };
    this.finish(group, refresh, 'Successful', undefined);
  }

  private finish(
    group: SimGroup,
    refresh: SimRefresh,
    status: 'Successful' | 'Failed' | 'Cancelled' | 'RollbackSuccessful' | 'RollbackFailed',
    reason: string | undefined,
  ): void {
    refresh.status = status;
    refresh.statusReason = reason;
    refresh.endTime = this.ctx.now();
    if (status === 'Successful') {
      refresh.percentage = 100;
      refresh.remaining = 0;
    }
    group.launchOverride = undefined;
    this.ctx.cancel(refresh.timer);
    refresh.timer = undefined;
    const detailType: Record<typeof status, InstanceRefreshDetailType> = {
      Successful: 'EC2 Auto Scaling Instance Refresh Succeeded',
      Failed: 'EC2 Auto Scaling Instance Refresh Failed',
      Cancelled: 'EC2 Auto Scaling Instance Refresh Cancelled',
      RollbackSuccessful: 'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
      RollbackFailed: 'EC2 Auto Scaling Instance Refresh Rollback Failed',
    };
    this.emit(group, refresh, detailType[status]);
  }

  private emit(group: SimGroup, refresh: SimRefresh, detailType: InstanceRefreshDetailType): void {
    this.ctx.events.emit(
      awsEvent(this.ctx, {
        source: 'aws.autoscaling',
        detailType,
        resources: [group.arn],
        detail: { InstanceRefreshId: refresh.id, AutoScalingGroupName: group.name },
      }),
    );
  }

  // ---- helpers ----

  private group(name: string | undefined): SimGroup {
    const group = name ? this.groups.groups.get(name) : undefined;
    if (!group) throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name ?? ''} not found`);
    return group;
  }

  private active(groupName: string): SimRefresh | undefined {
    return this.refreshes.find((refresh) => refresh.groupName === groupName && ACTIVE.includes(refresh.status));
  }

  private noActive(groupName: string): Error {
    return serviceError(ActiveInstanceRefreshNotFoundFault, {
      message: `No in progress or pending Instance Refresh found for Auto Scaling group ${groupName}`,
    });
  }

  private resolvePreferences(group: SimGroup, given: RefreshPreferences): ResolvedPreferences {
    const minHealthy = given.MinHealthyPercentage ?? 90;
    const maxHealthy = given.MaxHealthyPercentage ?? 100;
    if (!(minHealthy >= 0 && minHealthy <= 100)) {
      throw validationError('MinHealthyPercentage must be between 0 and 100.');
    }
    if (!(maxHealthy >= 100 && maxHealthy <= 200)) {
      throw validationError('MaxHealthyPercentage must be between 100 and 200.');
    }
    if (maxHealthy - minHealthy > 100) {
      throw validationError('The difference between MaxHealthyPercentage and MinHealthyPercentage cannot exceed 100.');
    }
    const checkpoints = given.CheckpointPercentages ?? [];
    if (given.CheckpointDelay !== undefined && checkpoints.length === 0) {
      throw validationError('CheckpointDelay requires CheckpointPercentages.');
    }
    checkpoints.forEach((checkpoint, index) => {
      if (!(checkpoint >= 1 && checkpoint <= 100) || (index > 0 && checkpoint <= (checkpoints[index - 1] ?? 0))) {
        throw validationError('CheckpointPercentages must be ascending values between 1 and 100.');
      }
    });
    if (given.InstanceWarmup !== undefined && given.InstanceWarmup < 0) {
      throw validationError('InstanceWarmup must be 0 or more.');
    }
    return {
      minHealthy,
      maxHealthy,
      warmupS: given.InstanceWarmup ?? group.defaultInstanceWarmup ?? group.healthCheckGracePeriod,
      skipMatching: given.SkipMatching ?? false,
      checkpoints: [...checkpoints],
      checkpointDelayS: given.CheckpointDelay ?? 3600,
      autoRollback: given.AutoRollback ?? false,
      alarms: [...(given.AlarmSpecification?.Alarms ?? [])],
      bakeTimeS: given.BakeTime ?? 0,
    };
  }

  private desiredTemplate(spec: {
    LaunchTemplateId?: string | undefined;
    LaunchTemplateName?: string | undefined;
    Version?: string | undefined;
  }): GroupLaunchTemplate {
    const templates = this.ec2.launchTemplates;
    const template = spec.LaunchTemplateId
      ? templates.byId(spec.LaunchTemplateId)
      : spec.LaunchTemplateName
        ? templates.byName(spec.LaunchTemplateName)
        : undefined;
    if (!template) {
      throw validationError(
        `The specified launch template, ${spec.LaunchTemplateId ?? spec.LaunchTemplateName ?? '(none)'}, does not exist.`,
      );
    }
    const version = spec.Version ?? '$Default';
    if (templates.versionNumber(template, version) === undefined) {
      throw validationError(`The specified launch template version, ${version}, of ${template.id} does not exist.`);
    }
    return { id: template.id, name: template.name, version, linked: true };
  }

  private toSdk(refresh: SimRefresh): InstanceRefresh {
    const prefs = refresh.prefs;
    return {
      InstanceRefreshId: refresh.id,
      AutoScalingGroupName: refresh.groupName,
      Status: refresh.status,
      ...(refresh.statusReason ? { StatusReason: refresh.statusReason } : {}),
      StartTime: new Date(refresh.startTime),
      ...(refresh.endTime !== undefined ? { EndTime: new Date(refresh.endTime) } : {}),
      PercentageComplete: refresh.percentage,
      InstancesToUpdate: refresh.remaining,
      Strategy: 'Rolling',
      Preferences: {
        MinHealthyPercentage: prefs.minHealthy,
        ...(refresh.given.MaxHealthyPercentage !== undefined ? { MaxHealthyPercentage: prefs.maxHealthy } : {}),
        InstanceWarmup: prefs.warmupS,
        SkipMatching: prefs.skipMatching,
        AutoRollback: prefs.autoRollback,
        ScaleInProtectedInstances: refresh.given.ScaleInProtectedInstances ?? 'Wait',
        StandbyInstances: refresh.given.StandbyInstances ?? 'Wait',
        ...(prefs.checkpoints.length > 0
          ? { CheckpointPercentages: [...prefs.checkpoints], CheckpointDelay: prefs.checkpointDelayS }
          : {}),
        ...(prefs.alarms.length > 0 ? { AlarmSpecification: { Alarms: [...prefs.alarms] } } : {}),
        ...(prefs.bakeTimeS > 0 ? { BakeTime: prefs.bakeTimeS } : {}),
      },
      ...(refresh.desired
        ? {
            DesiredConfiguration: {
              LaunchTemplate: {
                LaunchTemplateId: refresh.desired.id,
                LaunchTemplateName: refresh.desired.name,
                Version: refresh.desired.version,
              },
            },
          }
        : {}),
      ...(refresh.rollback
        ? {
            RollbackDetails: {
              RollbackReason: refresh.rollback.reason,
              RollbackStartTime: new Date(refresh.rollback.startTime),
              PercentageCompleteOnRollback: refresh.rollback.percentage,
              InstancesToUpdateOnRollback: refresh.rollback.remaining,
            },
          }
        : {}),
    };
  }
}

const isAlias = (version: string): boolean => version === '$Latest' || version === '$Default';

const matches = (member: GroupInstance, template: GroupLaunchTemplate): boolean =>
  member.launchTemplateId === template.id && member.launchTemplateVersion === template.version;
