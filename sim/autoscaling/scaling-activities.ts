/**
 * Scaling activities of the simulated Auto Scaling groups: one per launch and per termination, from start to end, and
 * DescribeScalingActivities over them.
 *
 * Modelled (Amazon EC2 Auto Scaling API reference, DescribeScalingActivities and Activity,
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeScalingActivities.html; user guide, "Verify a
 * scaling activity for an Auto Scaling group"):
 * - Description `Launching a new EC2 instance: <id>` / `Terminating EC2 instance: <id>`; Cause the group's reason
 *   ("At <time> an instance was started in response to a difference between desired and actual capacity, ...",
 *   "... taken out of service in response to a user health-check.", ...); Details a JSON string with the subnet and
 *   Availability Zone; Progress 0 → 100; StartTime, EndTime once ended.
 * - StatusCode while in progress from the instance's lifecycle state: PreInService (launching), MidLifecycleAction
 *   (Pending:Wait, Terminating:Wait), WaitingForELBConnectionDraining (Terminating, while deregistering), InProgress
 *   (otherwise); at the end Successful, or Cancelled for a launch whose lifecycle action was abandoned, with the
 *   StatusMessage AWS writes for it.
 * - Newest first; ActivityIds (at most 50), AutoScalingGroupName, MaxRecords (1–100, default 100), NextToken; an
 *   unknown group gives an empty list; IncludeDeletedGroups is accepted (groups are never deleted here).
 *
 * Approximated: the initial instances of a group created `in-service` have no activity; activities are kept for the
 * whole run (AWS keeps six weeks).
 */
import type {
  Activity,
  DescribeScalingActivitiesCommandInput,
  ScalingActivityStatusCode,
} from '@aws-sdk/client-auto-scaling';
import { byCodeUnit, type SimContext } from '../context';
import { type GroupInstance, type SimGroup, validationError } from './model';

export type ActivityKind = 'launch' | 'terminate';

/** What the groups tell the activity log (groups.ts calls it at each step). */
export interface ActivityObserver {
  started(group: SimGroup, member: GroupInstance, kind: ActivityKind): void;
  /** The activity's id, for the "EC2 Instance Launch/Terminate Successful" event. */
  ended(group: SimGroup, member: GroupInstance, kind: ActivityKind): string | undefined;
  launchAbandoned(group: SimGroup, member: GroupInstance): void;
}

interface SimActivity {
  id: string;
  kind: ActivityKind;
  groupName: string;
  groupArn: string;
  member: GroupInstance;
  description: string;
  cause: string;
  details: string;
  startedAt: number;
  endedAt?: number;
  status?: ScalingActivityStatusCode;
  statusMessage?: string;
}

export class ScalingActivities implements ActivityObserver {
  private readonly activities: SimActivity[] = [];
  private readonly open = new Map<string, SimActivity>();

  constructor(private readonly ctx: SimContext) {}

  started(group: SimGroup, member: GroupInstance, kind: ActivityKind): void {
    const activity: SimActivity = {
      id: this.ctx.ids.uuid(),
      kind,
      groupName: group.name,
      groupArn: group.arn,
      member,
      description:
        kind === 'launch' ? `Launching a new EC2 instance: ${member.id}` : `Terminating EC2 instance: ${member.id}`,
      cause: member.cause,
      details: JSON.stringify({ 'Subnet ID': member.subnetId, 'Availability Zone': member.availabilityZone }),
      startedAt: this.ctx.now(),
    };
    this.activities.push(activity);
    this.open.set(`${kind}:${member.id}`, activity);
  }

  ended(_group: SimGroup, member: GroupInstance, kind: ActivityKind): string | undefined {
    const activity = this.open.get(`${kind}:${member.id}`);
    if (!activity) return undefined;
    this.open.delete(`${kind}:${member.id}`);
    activity.endedAt = this.ctx.now();
    activity.status = 'Successful';
    return activity.id;
  }

  launchAbandoned(_group: SimGroup, member: GroupInstance): void {
    const activity = this.open.get(`launch:${member.id}`);
    if (!activity) return;
    this.open.delete(`launch:${member.id}`);
    const token = member.actions.find((action) => action.result === 'ABANDON')?.token ?? '';
    activity.endedAt = this.ctx.now();
    activity.status = 'Cancelled';
    activity.statusMessage = `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${token} was abandoned: Lifecycle Action Completed with ABANDON Result`;
  }

  describe(input: DescribeScalingActivitiesCommandInput) {
    const ids = input.ActivityIds ?? [];
    if (ids.length > 50) throw validationError('The number of activity IDs must not exceed 50.');
    const maxRecords = input.MaxRecords ?? 100;
    if (!(Number.isInteger(maxRecords) && maxRecords >= 1 && maxRecords <= 100)) {
      throw validationError(
        `Value '${maxRecords}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
      );
    }
    let selected = [...this.activities];
    if (input.AutoScalingGroupName !== undefined) {
      selected = selected.filter((activity) => activity.groupName === input.AutoScalingGroupName);
    }
    if (ids.length > 0) selected = selected.filter((activity) => ids.includes(activity.id));
    selected.sort((a, b) => b.startedAt - a.startedAt || byCodeUnit(a.id, b.id));
    const offset = input.NextToken === undefined ? 0 : Number.parseInt(input.NextToken, 10);
    if (Number.isNaN(offset) || offset < 0) throw validationError('Invalid NextToken');
    const page = selected.slice(offset, offset + maxRecords);
    const next = offset + page.length;
    return {
      Activities: page.map((activity) => this.toSdk(activity)),
      ...(next < selected.length ? { NextToken: String(next) } : {}),
    };
  }

  private statusOf(activity: SimActivity): ScalingActivityStatusCode {
    if (activity.status) return activity.status;
    const state = activity.member.lifecycleState;
    if (state === 'Pending:Wait' || state === 'Terminating:Wait') return 'MidLifecycleAction';
    if (activity.kind === 'launch') return 'PreInService';
    return state === 'Terminating' ? 'WaitingForELBConnectionDraining' : 'InProgress';
  }

  private toSdk(activity: SimActivity): Activity {
    return {
      ActivityId: activity.id,
      AutoScalingGroupName: activity.groupName,
      AutoScalingGroupARN: activity.groupArn,
      Description: activity.description,
      Cause: activity.cause,
      StartTime: new Date(activity.startedAt),
      ...(activity.endedAt !== undefined ? { EndTime: new Date(activity.endedAt) } : {}),
      StatusCode: this.statusOf(activity),
      ...(activity.statusMessage !== undefined ? { StatusMessage: activity.statusMessage } : {}),
      Progress: activity.endedAt !== undefined ? 100 : 0,
      Details: activity.details,
    };
  }
}
