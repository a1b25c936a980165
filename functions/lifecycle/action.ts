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

const detailSchema = z.looseObject({
  LifecycleActionToken: z.string().min(1),
  AutoScalingGroupName: z.string().min(1),
  LifecycleHookName: z.string().min(1),
  EC2InstanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, 'expected an EC2 instance id such as i-1234567890abcdef0'),
  LifecycleTransition: z.enum(['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING']),
  NotificationMetadata: z.string().nullish(),
  Origin: place.optional(),
  Destination: place.optional(),
  Action: z.string().optional(),
});

const envelopeSchema = z.looseObject({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.enum([LAUNCH_DETAIL_TYPE, TERMINATE_DETAIL_TYPE]),
  source: z.literal('aws.autoscaling'),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  time: z.iso.datetime({ offset: true }),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: detailSchema,
});

export type Place = z.infer<typeof place>;

export interface LifecycleAction {
  eventId: string;
  /** When AWS raised the event (epoch ms); deadlines count from here. */
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

export type ParsedLifecycleEvent = { kind: 'action'; action: LifecycleAction } | { kind: 'test-notification' };

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

export function parseLifecycleEvent(raw: unknown, expected: 'launch' | 'terminate'): ParsedLifecycleEvent {
  if (isTestNotification(raw)) return { kind: 'test-notification' };
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
  const d = event.detail;
  return {
    kind: 'action',
    action: {
      eventId: event.id,
      time: Date.parse(event.time),
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
