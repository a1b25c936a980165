/**
 * The lifecycle action as fleetpilot sees it, parsed from AWS's EventBridge event.
 * Shapes: Amazon EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling event reference" and "Instance refresh
 * example events and patterns" (samples in events/, see events/README.md). Origin/Destination may be absent on older
 * events; `detail.Action` is "ReplaceRootVolume" when an instance refresh replaces the root volume.
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

export const LAUNCH_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const TERMINATE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';
const TEST_NOTIFICATION = 'autoscaling:TEST_NOTIFICATION';

const place = z.enum(['EC2', 'AutoScalingGroup', 'WarmPool']);

/**
 * Size caps, from the Amazon EC2 Auto Scaling API reference (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/):
 * PutLifecycleHook (LifecycleHookName 1-255, NotificationMetadata 1-1023), CreateAutoScalingGroup
 * (AutoScalingGroupName 1-255), CompleteLifecycleAction (LifecycleActionToken: a UUID, 36 characters; InstanceId
 * 1-19). The envelope fields have no documented maximum; their caps are far above anything AWS sends (the event `id`
 * is a UUID, `resources` holds the group's ARN), so a crafted event cannot fill logs or notifications.
 */
export const LIMITS = {
  token: 36,
  groupName: 255,
  hookName: 255,
  instanceId: 19,
  metadata: 1023,
  action: 64,
  version: 8,
  id: 128,
  region: 32,
  time: 40,
  resource: 1600,
  resources: 10,
  /** EventBridge refuses events larger than 256 KB (PutEvents API reference), so a larger one did not come from it. */
  eventBytes: 256 * 1024,
} as const;

const detailSchema = z.looseObject({
  LifecycleActionToken: z.string().min(1).max(LIMITS.token),
  AutoScalingGroupName: z.string().min(1).max(LIMITS.groupName),
  LifecycleHookName: z.string().min(1).max(LIMITS.hookName),
  EC2InstanceId: z
    .string()
    .max(LIMITS.instanceId)
    .regex(/^i-[0-9a-f]{8,17}$/, 'expected an EC2 instance id such as i-1234567890abcdef0'),
  LifecycleTransition: z.enum(['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING']),
  NotificationMetadata: z.string().max(LIMITS.metadata).nullish(),
  Origin: place.optional(),
  Destination: place.optional(),
  Action: z.string().max(LIMITS.action).optional(),
});

const envelopeSchema = z.looseObject({
  version: z.string().max(LIMITS.version),
  id: z.string().min(1).max(LIMITS.id),
  'detail-type': z.enum([LAUNCH_DETAIL_TYPE, TERMINATE_DETAIL_TYPE]),
  source: z.literal('aws.autoscaling'),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  time: z
    .string()
    .max(LIMITS.time)
    .pipe(z.iso.datetime({ offset: true })),
  region: z.string().min(1).max(LIMITS.region),
  resources: z.array(z.string().max(LIMITS.resource)).max(LIMITS.resources),
  detail: detailSchema,
});

/** How far ahead of our clock an event time may be (clock skew between AWS and Lambda); later: refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * The longest a lifecycle hook can keep an instance waiting: 48 hours (or 100 × HeartbeatTimeout if smaller; Auto
 * Scaling user guide, "Amazon EC2 Auto Scaling lifecycle hooks"). An older event names an action that cannot be
 * pending any more: refused.
 */
export const MAX_EVENT_AGE_MS = 48 * 3600_000;
/**
 * Deadlines (running, healthy, draining: all "from the event" in the config) count from the event time, but a late
 * delivery must not make a healthy launch fail at once: EventBridge and Lambda retries can hold an event for hours,
 * and the wait for health only begins when fleetpilot registers the instance. So the start is the event time brought
 * within min(MAX_DELIVERY_LAG_MS, half the timeout) of the arrival (deadlineStart): a late action keeps at least half
 * its timeout. An event time up to MAX_FUTURE_SKEW_MS ahead (clock skew) is clamped to the arrival. Heartbeats still
 * count from the event time (the hook's own timeout runs from there), see `raisedAt`.
 */
export const MAX_DELIVERY_LAG_MS = 5 * 60_000;

/** Where an action's deadlines count from (epoch ms), see MAX_DELIVERY_LAG_MS. */
export function deadlineStart(raisedAt: number, now: number, timeoutMs: number): number {
  return Math.min(now, Math.max(raisedAt, now - Math.min(MAX_DELIVERY_LAG_MS, timeoutMs / 2)));
}

/** What the event must agree with: the deployment it reached and the time it arrived. */
export interface Deployment {
  region: string;
  /** The function's account (from its ARN); undefined: not known, not checked. */
  account?: string;
  now: number;
}

export type Place = z.infer<typeof place>;

export interface LifecycleAction {
  eventId: string;
  /** Where deadlines count from (epoch ms): the event time, never after the arrival nor long before (deadlineStart). */
  time: number;
  region: string;
  account: string;
  transition: 'launch' | 'terminate';
  groupName: string;
  hookName: string;
  instanceId: string;
  token: string;
  origin?: Place;
  destination?: Place;
  /** "ReplaceRootVolume" during an instance refresh that replaces root volumes. */
  replaceRootVolume: boolean;
}

export const lifecycleActionSchema: z.ZodType<LifecycleAction> = z.object({
  eventId: z.string(),
  time: z.number(),
  region: z.string(),
  account: z.string(),
  transition: z.enum(['launch', 'terminate']),
  groupName: z.string(),
  hookName: z.string(),
  instanceId: z.string(),
  token: z.string(),
  origin: place.optional(),
  destination: place.optional(),
  replaceRootVolume: z.boolean(),
});

export type ParsedLifecycleEvent =
  | {
      kind: 'action';
      action: LifecycleAction;
      /** The event time as AWS wrote it (epoch ms): the hook's heartbeat timeout runs from here. */
      raisedAt: number;
    }
  | { kind: 'test-notification' };

/** True for Auto Scaling's test message, whether bare (SNS/SQS targets) or wrapped in an EventBridge-like envelope. */
function isTestNotification(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const record = raw as Record<string, unknown>;
  const detail = record.detail as Record<string, unknown> | undefined;
  return (
    record.Event === TEST_NOTIFICATION ||
    detail?.Event === TEST_NOTIFICATION ||
    detail?.LifecycleTransition === TEST_NOTIFICATION
  );
}

/** The event's size as JSON, or Infinity when it cannot be serialised (a cycle, a BigInt). */
function jsonSize(raw: unknown): number {
  try {
    return JSON.stringify(raw)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The event's account, region and time against the deployment and the clock: the problems found, by field. */
function realityIssues(event: { account: string; region: string }, time: number, at: Deployment): string[] {
  const issues: string[] = [];
  if (event.region !== at.region) issues.push(`region: "${event.region}" is not this deployment's region ${at.region}`);
  if (at.account !== undefined && event.account !== at.account) {
    issues.push(`account: "${event.account}" is not this deployment's account ${at.account}`);
  }
  if (time > at.now + MAX_FUTURE_SKEW_MS) {
    issues.push(`time: ${Math.round((time - at.now) / 1000)} s in the future (at most ${MAX_FUTURE_SKEW_MS / 1000} s)`);
  } else if (time < at.now - MAX_EVENT_AGE_MS) {
    issues.push(`time: older than a lifecycle hook can wait (${MAX_EVENT_AGE_MS / 3600_000} h)`);
  }
  return issues;
}

export function parseLifecycleEvent(
  raw: unknown,
  expected: 'launch' | 'terminate',
  at: Deployment,
): ParsedLifecycleEvent {
  if (isTestNotification(raw)) return { kind: 'test-notification' };
  if (jsonSize(raw) > LIMITS.eventBytes) {
    throw new EventValidationError(`${expected} lifecycle action`, [
      `(root): larger than the ${LIMITS.eventBytes / 1024} KB EventBridge allows`,
    ]);
  }
  const result = envelopeSchema.safeParse(raw);
  if (!result.success) {
    throw new EventValidationError(
      `${expected} lifecycle action`,
      result.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  const event = result.data;
  const transition = event['detail-type'] === LAUNCH_DETAIL_TYPE ? 'launch' : 'terminate';
  const matchesType =
    transition === (event.detail.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING' ? 'launch' : 'terminate');
  if (transition !== expected || !matchesType) {
    throw new EventValidationError(`${expected} lifecycle action`, [
      `detail-type "${event['detail-type']}" with LifecycleTransition "${event.detail.LifecycleTransition}" is not a ${expected} action`,
    ]);
  }
  const raisedAt = Date.parse(event.time);
  const issues = realityIssues(event, raisedAt, at);
  if (issues.length > 0) throw new EventValidationError(`${expected} lifecycle action`, issues);
  const d = event.detail;
  return {
    kind: 'action',
    raisedAt,
    action: {
      eventId: event.id,
      // The handler moves it forward for a late delivery once it knows the service's timeouts (deadlineStart).
      time: Math.min(at.now, raisedAt),
      region: event.region,
      account: event.account,
      transition,
      groupName: d.AutoScalingGroupName,
      hookName: d.LifecycleHookName,
      instanceId: d.EC2InstanceId,
      token: d.LifecycleActionToken,
      ...(d.Origin ? { origin: d.Origin } : {}),
      ...(d.Destination ? { destination: d.Destination } : {}),
      replaceRootVolume: d.Action === 'ReplaceRootVolume',
    },
  };
}
