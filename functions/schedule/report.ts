/**
 * What the scheduled scaling capability reports. The kinds (`schedule.<subject>.<outcome>`) are SNS message
 * attributes (subscription filter policies match them) and the Chatbot event type: add one here before using it,
 * never rename one silently.
 */
export const scheduleKinds = [
  /** UpdateAutoScalingGroup changed the group's min, max or desired capacity as the calendar says. */
  'schedule.capacity.changed',
  /** A scale-in the calendar asks for waits (instance refresh running, alarm in ALARM); a later run applies it. */
  'schedule.capacity.deferred',
  /** A guard (floor, ceiling, maxStep, min..max) changed a value the calendar asked for. */
  'schedule.capacity.clipped',
  /** UpdateAutoScalingGroup (or a read it needs) failed; the reconcile tries again. */
  'schedule.capacity.failed',
  /** A scheduled request that does not have the shape fleetpilot's schedules send was rejected; nothing changed. */
  'schedule.event.invalid',
] as const;

export type ScheduleKind = (typeof scheduleKinds)[number];
