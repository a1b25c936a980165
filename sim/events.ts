/**
 * EventBridge events emitted by the simulated account, in AWS's shapes.
 *
 * Envelope and details follow the Amazon EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling event
 * reference" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-event-reference.html)
 * and, for Origin/Destination, "Warm pool event types and patterns"
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pools-eventbridge-events.html).
 * `time` has seconds precision; `id` is a UUID from the account's seeded generator.
 *
 * Delivery is best effort in AWS (same page). The bus can be told to duplicate, delay (which reorders)
 * or drop events, with seeded dice, so that handlers can be tested against at-least-once delivery.
 */
import { cloneData } from './context';
import type { SeededRandom } from './random';

export interface EventEnvelope<TDetailType extends string, TDetail> {
  version: '0';
  id: string;
  'detail-type': TDetailType;
  source: 'aws.autoscaling';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

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

export type LaunchLifecycleActionEvent = EventEnvelope<'EC2 Instance-launch Lifecycle Action', LifecycleActionDetail>;
export type TerminateLifecycleActionEvent = EventEnvelope<
  'EC2 Instance-terminate Lifecycle Action',
  LifecycleActionDetail
>;
export type LaunchSuccessfulEvent = EventEnvelope<'EC2 Instance Launch Successful', ScalingActivityDetail>;
export type TerminateSuccessfulEvent = EventEnvelope<'EC2 Instance Terminate Successful', ScalingActivityDetail>;

export type SimEvent =
  | LaunchLifecycleActionEvent
  | TerminateLifecycleActionEvent
  | LaunchSuccessfulEvent
  | TerminateSuccessfulEvent;

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
