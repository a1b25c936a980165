/**
 * The events the AMI refresh functions take, parsed with zod (a mismatch names the field):
 * - "EC2 AMI State Change" (source aws.ec2; detail RequestId, ImageId, State, ErrorMessage: EC2 user guide, "Monitor
 *   AMI events using Amazon EventBridge"); only the image id and the state are used, and the image is read back with
 *   DescribeImages before anything is done with it;
 * - the instance refresh events (source aws.autoscaling; detail InstanceRefreshId, AutoScalingGroupName, plus
 *   CheckpointPercentage / CheckpointDelay as strings on Checkpoint Reached: Auto Scaling user guide, "Instance
 *   refresh example events and patterns"); the status and reason are read with DescribeInstanceRefreshes;
 * - the manual or scheduled request `{ "fleetpilot": "ami-refresh", "action": "bake" | "retention", "service" }`
 *   (EventBridge Scheduler passes its configured input as is; `npm run invoke` sends it by hand).
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

export const AMI_STATE_CHANGE = 'EC2 AMI State Change';

export const REFRESH_DETAIL_TYPES = {
  'EC2 Auto Scaling Instance Refresh Started': 'started',
  'EC2 Auto Scaling Instance Refresh Checkpoint Reached': 'checkpoint',
  'EC2 Auto Scaling Instance Refresh Succeeded': 'succeeded',
  'EC2 Auto Scaling Instance Refresh Failed': 'failed',
  'EC2 Auto Scaling Instance Refresh Cancelled': 'cancelled',
  'EC2 Auto Scaling Instance Refresh Rollback Started': 'rollback-started',
  'EC2 Auto Scaling Instance Refresh Rollback Succeeded': 'rollback-succeeded',
  'EC2 Auto Scaling Instance Refresh Rollback Failed': 'rollback-failed',
} as const;
export type RefreshEventType = (typeof REFRESH_DETAIL_TYPES)[keyof typeof REFRESH_DETAIL_TYPES];

const eventId = z.string().min(1).max(128);

const imageEventSchema = z.object({
  id: eventId,
  source: z.literal('aws.ec2'),
  'detail-type': z.literal(AMI_STATE_CHANGE),
  detail: z.object({
    ImageId: z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'expected an AMI id'),
    State: z.enum(['available', 'failed', 'deregistered', 'disabled']),
    ErrorMessage: z.string().max(2000).optional(),
  }),
});

const refreshEventSchema = z.object({
  id: eventId,
  source: z.literal('aws.autoscaling'),
  'detail-type': z.enum(Object.keys(REFRESH_DETAIL_TYPES) as [keyof typeof REFRESH_DETAIL_TYPES]),
  detail: z.object({
    InstanceRefreshId: z.string().min(1).max(255),
    AutoScalingGroupName: z.string().min(1).max(255),
    CheckpointPercentage: z.string().max(3).optional(),
    CheckpointDelay: z.string().max(10).optional(),
  }),
});

const requestSchema = z.object({
  fleetpilot: z.literal('ami-refresh'),
  action: z.enum(['bake', 'retention']),
  service: z.string().min(1).max(32),
});

export interface ImageEvent {
  eventId: string;
  imageId: string;
  state: 'available' | 'failed' | 'deregistered' | 'disabled';
  errorMessage?: string;
}

export interface RefreshEvent {
  eventId: string;
  type: RefreshEventType;
  refreshId: string;
  groupName: string;
  checkpoint?: { percentage: string; delay?: string };
}

export type AmiRequest = z.output<typeof requestSchema>;

function parseWith<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      what,
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data;
}

export function parseImageEvent(event: unknown): ImageEvent {
  const e = parseWith(imageEventSchema, event, AMI_STATE_CHANGE);
  return {
    eventId: e.id,
    imageId: e.detail.ImageId,
    state: e.detail.State,
    ...(e.detail.ErrorMessage ? { errorMessage: e.detail.ErrorMessage } : {}),
  };
}

export function parseRefreshEvent(event: unknown): RefreshEvent {
  const e = parseWith(refreshEventSchema, event, 'instance refresh');
  const { CheckpointPercentage: percentage, CheckpointDelay: delay } = e.detail;
  return {
    eventId: e.id,
    type: REFRESH_DETAIL_TYPES[e['detail-type']],
    refreshId: e.detail.InstanceRefreshId,
    groupName: e.detail.AutoScalingGroupName,
    ...(percentage ? { checkpoint: { percentage, ...(delay ? { delay } : {}) } } : {}),
  };
}

export function parseRequest(event: unknown): AmiRequest {
  return parseWith(requestSchema, event, 'AMI refresh request');
}
