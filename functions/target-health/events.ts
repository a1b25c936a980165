/**
 * "CloudWatch Alarm State Change" (source aws.cloudwatch; CloudWatch user guide, "Alarm events and EventBridge"):
 * detail.alarmName, detail.state {value, reason, timestamp}, detail.previousState. Only the alarm name is used to
 * decide anything: the alarm's state and when it changed are read back with DescribeAlarms. Extra fields (alarmTags,
 * configuration) are tolerated.
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

const stateValue = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

const alarmEventSchema = z.object({
  id: z.string().min(1).max(128),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal(ALARM_STATE_CHANGE),
  detail: z.object({
    alarmName: z.string().min(1).max(255),
    state: z.object({ value: stateValue, timestamp: z.string().max(64).optional() }),
    previousState: z.object({ value: stateValue, timestamp: z.string().max(64).optional() }).optional(),
  }),
});

export type AlarmStateValue = z.output<typeof stateValue>;

export interface AlarmEvent {
  eventId: string;
  alarmName: string;
  /** What the event says; the handler trusts DescribeAlarms instead. */
  claimedState: AlarmStateValue;
  /** When the event says the state changed (ISO text as published, e.g. 2019-10-02T17:04:40.989+0000). */
  claimedTimestamp?: string;
}

export function parseAlarmEvent(event: unknown): AlarmEvent {
  const parsed = alarmEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      ALARM_STATE_CHANGE,
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return {
    eventId: e.id,
    alarmName: e.detail.alarmName,
    claimedState: e.detail.state.value,
    ...(e.detail.state.timestamp ? { claimedTimestamp: e.detail.state.timestamp } : {}),
  };
}
