/**
 * The input EventBridge Scheduler passes to the scaling function. Scheduler has no envelope: the target receives the
 * schedule's configured Input as is, with the context attributes substituted — `<aws.scheduler.scheduled-time>`
 * becomes the time the schedule was due, e.g. 2022-03-22T18:59:43Z (Scheduler user guide, "Adding context attributes",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 *
 * - a rule's schedule: `{ "fleetpilot": "schedule", "action": "rule", "service", "rule", "scheduledTime" }`
 * - the reconcile: `{ "fleetpilot": "schedule", "action": "reconcile", "scheduledTime" }` (every service)
 *
 * Nothing in it is believed beyond "look at this service now": the capacity comes from the calendar and the group is
 * read from Auto Scaling.
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

/** The context attribute Scheduler replaces with the scheduled time. */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

const scheduledTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/,
    'expected an ISO 8601 UTC time such as 2026-03-29T06:00:00Z',
  );

const requestSchema = z.discriminatedUnion('action', [
  z.object({
    fleetpilot: z.literal('schedule'),
    action: z.literal('rule'),
    service: z.string().min(1).max(32),
    rule: z.string().min(1).max(64),
    scheduledTime,
  }),
  z.object({
    fleetpilot: z.literal('schedule'),
    action: z.literal('reconcile'),
    scheduledTime: scheduledTime.optional(),
  }),
]);

export type ScheduleRequest = z.output<typeof requestSchema>;

export function parseScheduleRequest(event: unknown): ScheduleRequest {
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      'scheduled scaling request',
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The Input of a rule's schedule (deploy.ts) — the sim's Scheduler substitutes the context attribute as AWS does. */
export function ruleInput(service: string, rule: string): string {
  return JSON.stringify({ fleetpilot: 'schedule', action: 'rule', service, rule, scheduledTime: SCHEDULED_TIME });
}

/** The Input of the reconcile schedule. */
export function reconcileInput(): string {
  return JSON.stringify({ fleetpilot: 'schedule', action: 'reconcile', scheduledTime: SCHEDULED_TIME });
}
