/**
 * EventBridge events emitted by the simulated account, in AWS's shapes, and the bus that delivers them.
 *
 * Every AWS service event has the same envelope (Amazon EventBridge user guide, "Amazon EventBridge events" /
 * "AWS service events": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html):
 * `version` "0", `id` (a UUID), `detail-type`, `source` ("aws.<service>"), `account`, `time` (seconds precision,
 * "yyyy-mm-ddThh:mm:ssZ"), `region`, `resources` (ARNs) and the service-specific `detail`. `awsEvent()` builds it
 * for any source; a service supplies only source, detail-type, resources and detail (Auto Scaling today; EC2 state
 * changes, ACM expiry and CloudWatch alarms are the same call with their own detail types).
 *
 * Auto Scaling details follow the Amazon EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling event reference"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html) and, for
 * Origin/Destination, "Warm pool event types and patterns"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pools-eventbridge-events.html).
 *
 * Instance refresh events follow "Instance refresh example events and patterns"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-eventbridge-events.html): resources the
 * group ARN, detail InstanceRefreshId and AutoScalingGroupName (Checkpoint Reached adds CheckpointPercentage and
 * CheckpointDelay, as strings). The "EC2 AMI State Change" event (source aws.ec2) follows the EC2 user guide,
 * "Monitor AMI events using Amazon EventBridge" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitor-ami-events.html).
 *
 * Delivery is best effort in AWS (same page). The bus can be told to duplicate, delay (which reorders)
 * or drop events, with seeded dice, so that handlers can be tested against at-least-once delivery.
 */

import type { AcmEvent } from './acm';
import type { AlarmStateChangeDetail } from './cloudwatch';
import { cloneData, isoSeconds } from './context';
import type { SeededRandom } from './random';

export interface EventEnvelope<TSource extends string, TDetailType extends string, TDetail> {
  version: '0';
  id: string;
  'detail-type': TDetailType;
  source: TSource;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

/** What `awsEvent` needs from the account: its identity, the time and the id generator. */
export interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
  now(): number;
  readonly ids: SeededRandom;
}

export interface AwsEventParts<TSource extends string, TDetailType extends string, TDetail> {
  /** "aws.autoscaling", "aws.ec2", "aws.acm", "aws.cloudwatch", ... */
  source: TSource;
  detailType: TDetailType;
  resources: string[];
  detail: TDetail;
  /** Event time, virtual epoch ms; default now. */
  at?: number;
}

/** The envelope of an AWS service event, for any source. Draws the event id from the account's id generator. */
export function awsEvent<TSource extends string, TDetailType extends string, TDetail>(
  origin: EventOrigin,
  parts: AwsEventParts<TSource, TDetailType, TDetail>,
): EventEnvelope<TSource, TDetailType, TDetail> {
  return {
    version: '0',
    id: origin.ids.uuid(),
    'detail-type': parts.detailType,
    source: parts.source,
    account: origin.accountId,
    time: isoSeconds(parts.at ?? origin.now()),
    region: origin.region,
    resources: [...parts.resources],
    detail: parts.detail,
  };
}

/** An Auto Scaling event (source aws.autoscaling). */
export type AutoScalingEvent<TDetailType extends string, TDetail> = EventEnvelope<
  'aws.autoscaling',
  TDetailType,
  TDetail
>;

export type LifecycleTransition = 'autoscaling:EC2_INSTANCE_LAUNCHING' | 'autoscaling:EC2_INSTANCE_TERMINATING';
export type LifecycleEndpoint = 'EC2' | 'AutoScalingGroup' | 'WarmPool';

export interface LifecycleActionDetail {
  LifecycleActionToken: string;
  AutoScalingGroupName: string;
  LifecycleHookName: string;
  EC2InstanceId: string;
  LifecycleTransition: LifecycleTransition;
  NotificationMetadata?: string;
  Origin: LifecycleEndpoint;
  Destination: LifecycleEndpoint;
  /** Only on the two actions of a root-volume replacement (Auto Scaling user guide, "Instance refresh example events"). */
  Action?: 'ReplaceRootVolume';
}

export interface ScalingActivityDetail {
  StatusCode: 'InProgress' | 'Failed';
  Description: string;
  AutoScalingGroupName: string;
  ActivityId: string;
  Details: { 'Availability Zone': string; 'Subnet ID': string };
  RequestId: string;
  StatusMessage: string;
  EndTime: string;
  EC2InstanceId: string;
  StartTime: string;
  Cause: string;
  Origin: LifecycleEndpoint;
  Destination: LifecycleEndpoint;
}

export type LaunchLifecycleActionEvent = AutoScalingEvent<
  'EC2 Instance-launch Lifecycle Action',
  LifecycleActionDetail
>;
export type TerminateLifecycleActionEvent = AutoScalingEvent<
  'EC2 Instance-terminate Lifecycle Action',
  LifecycleActionDetail
>;
export type LaunchSuccessfulEvent = AutoScalingEvent<'EC2 Instance Launch Successful', ScalingActivityDetail>;
export type TerminateSuccessfulEvent = AutoScalingEvent<'EC2 Instance Terminate Successful', ScalingActivityDetail>;

export interface InstanceRefreshDetail {
  InstanceRefreshId: string;
  AutoScalingGroupName: string;
}

export interface CheckpointReachedDetail extends InstanceRefreshDetail {
  CheckpointPercentage: string;
  CheckpointDelay: string;
}

export type InstanceRefreshDetailType =
  | 'EC2 Auto Scaling Instance Refresh Started'
  | 'EC2 Auto Scaling Instance Refresh Succeeded'
  | 'EC2 Auto Scaling Instance Refresh Failed'
  | 'EC2 Auto Scaling Instance Refresh Cancelled'
  | 'EC2 Auto Scaling Instance Refresh Rollback Started'
  | 'EC2 Auto Scaling Instance Refresh Rollback Succeeded'
  | 'EC2 Auto Scaling Instance Refresh Rollback Failed';

export type InstanceRefreshEvent = AutoScalingEvent<InstanceRefreshDetailType, InstanceRefreshDetail>;
export type CheckpointReachedEvent = AutoScalingEvent<
  'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
  CheckpointReachedDetail
>;

export interface AmiStateChangeDetail {
  RequestId: string;
  ImageId: string;
  State: 'available' | 'failed' | 'deregistered' | 'disabled';
  ErrorMessage: string;
}

export type AmiStateChangeEvent = EventEnvelope<'aws.ec2', 'EC2 AMI State Change', AmiStateChangeDetail>;

/** "CloudWatch Alarm State Change" (CloudWatch user guide, "Alarm events and EventBridge"); see sim/cloudwatch.ts. */
export type AlarmStateChangeEvent = EventEnvelope<
  'aws.cloudwatch',
  'CloudWatch Alarm State Change',
  AlarmStateChangeDetail
>;

/** Every event the account emits (a new source adds its event types here). */
export type SimEvent =
  | LaunchLifecycleActionEvent
  | TerminateLifecycleActionEvent
  | LaunchSuccessfulEvent
  | TerminateSuccessfulEvent
  | InstanceRefreshEvent
  | CheckpointReachedEvent
  | AmiStateChangeEvent
  | AlarmStateChangeEvent
  | AcmEvent;

/** The EC2 instance an event is about, whatever its source (Auto Scaling `EC2InstanceId`, EC2 `instance-id`). */
export function instanceIdOf(event: SimEvent): string | undefined {
  const detail = event.detail as unknown as Record<string, unknown>;
  const id = detail.EC2InstanceId ?? detail['instance-id'];
  return typeof id === 'string' ? id : undefined;
}

/** What an event is about, for timelines: the instance, else the image, the instance refresh, the certificate. */
export function subjectOf(event: SimEvent): string | undefined {
  const detail = event.detail as unknown as Record<string, unknown>;
  const certificate = event.source === 'aws.acm' ? event.resources[0]?.split('/').pop() : undefined;
  const id = instanceIdOf(event) ?? detail.ImageId ?? detail.InstanceRefreshId ?? detail.alarmName ?? certificate;
  return typeof id === 'string' ? id : undefined;
}

export type EventListener = (event: SimEvent) => void | Promise<void>;

export interface EventDeliveryFaults {
  /** Probability that an event is delivered a second time (same id), default 0. */
  duplicateRate?: number;
  /** Delay for the duplicate, ms; default 1,000. */
  duplicateDelayMs?: number;
  /** Probability that an event is held back by `delayMs` (so later events overtake it), default 0. */
  delayRate?: number;
  /** How long a delayed event is held, ms; default 30,000. */
  delayMs?: number;
  /** Probability that an event is never delivered (best effort), default 0. */
  dropRate?: number;
}

export interface DeliveryRecord {
  event: SimEvent;
  /** Virtual time at which it was handed to the listeners. */
  deliveredAt: number;
  duplicate: boolean;
}

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private faults: EventDeliveryFaults = {};
  /** Every event the account produced, in production order. */
  readonly emitted: SimEvent[] = [];
  /** Every delivery made to listeners (duplicates included, drops excluded). */
  readonly deliveries: DeliveryRecord[] = [];
  /** Errors thrown by listeners (a listener failing must not stop the account). */
  readonly listenerErrors: unknown[] = [];

  constructor(
    private readonly dice: SeededRandom,
    private readonly now: () => number,
  ) {}

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribed listeners (a stopped runtime leaves none). */
  listenerCount(): number {
    return this.listeners.size;
  }

  setFaults(faults: EventDeliveryFaults): void {
    this.faults = { ...faults };
  }

  /**
   * Produce an event; listeners receive it on a virtual-clock timer: `setTimeout(…, 0)`, which like
   * Node's fires 1 ms of virtual time later, unless delivery faults delay it more.
   */
  emit(event: SimEvent): void {
    this.emitted.push(event);
    const faults = this.faults;
    // Roll all dice every time, in a fixed order, so the stream does not depend on earlier outcomes.
    const drop = this.dice.chance(faults.dropRate ?? 0);
    const delayed = this.dice.chance(faults.delayRate ?? 0);
    const duplicated = this.dice.chance(faults.duplicateRate ?? 0);
    if (drop) return;
    const firstDelay = delayed ? (faults.delayMs ?? 30_000) : 0;
    this.deliverLater(event, firstDelay, false);
    if (duplicated) this.deliverLater(event, firstDelay + (faults.duplicateDelayMs ?? 1_000), true);
  }

  private deliverLater(event: SimEvent, delayMs: number, duplicate: boolean): void {
    setTimeout(() => {
      this.deliveries.push({ event, deliveredAt: this.now(), duplicate });
      for (const listener of [...this.listeners]) {
        try {
          const result = listener(cloneData(event));
          if (result instanceof Promise) result.catch((error: unknown) => this.listenerErrors.push(error));
        } catch (error) {
          this.listenerErrors.push(error);
        }
      }
    }, delayMs);
  }
}
