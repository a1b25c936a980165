/**
 * The scheduled scaling capability's part of the config (`services[].schedule`, optional): capacity on a calendar in
 * the service's time zone, holiday exceptions and guards. shared/config/schema.ts composes it with the base.
 * Deployed as EventBridge Scheduler schedules (deploy.ts) invoking the scaling function (scale.ts).
 */
import * as z from 'zod';
import { configSection } from '../../shared/config/section';
import { CronExpressionError, isKnownZone, WallCron, wallAt, wallMillis } from './cron-expression';

/** How far ahead a rule must fire at least once, or it is refused as one that never fires. */
export const MUST_FIRE_WITHIN_YEARS = 5;

const count = z.number().int().min(0);

/** Any of min / max / desired; at least one, and min ≤ desired ≤ max among those given. */
export const capacitySchema = z
  .object({ min: count.optional(), max: count.optional(), desired: count.optional() })
  .strict()
  .superRefine((c, ctx) => {
    if (c.min === undefined && c.max === undefined && c.desired === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'expected at least one of min, max, desired' });
    }
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${c.min} is above max ${c.max}` });
    }
    if (c.desired !== undefined && c.min !== undefined && c.desired < c.min) {
      ctx.addIssue({ code: 'custom', path: ['desired'], message: `desired ${c.desired} is below min ${c.min}` });
    }
    if (c.desired !== undefined && c.max !== undefined && c.desired > c.max) {
      ctx.addIssue({ code: 'custom', path: ['desired'], message: `desired ${c.desired} is above max ${c.max}` });
    }
  });

/** Scheduler schedule names allow 1–64 of 0-9 A-Z a-z - . _ (Scheduler API reference, CreateSchedule Name). */
const ruleName = z
  .string()
  .regex(/^[0-9a-zA-Z\-_.]{1,64}$/, 'expected a rule name of 1–64 characters 0-9 A-Z a-z - . _');

const cronExpression = z.string().superRefine((expression, ctx) => {
  try {
    new WallCron(expression);
  } catch (error) {
    if (!(error instanceof CronExpressionError)) throw error;
    ctx.addIssue({ code: 'custom', message: `invalid EventBridge Scheduler cron: ${error.message}` });
  }
});

const timeZone = z
  .string()
  .refine(isKnownZone, { message: 'unknown time zone: expected an IANA name such as Europe/Berlin or Asia/Seoul' });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { message: 'no such date' });

export const scheduleSchema = z
  .object({
    timezone: timeZone.describe('IANA time zone the rules are evaluated in (ScheduleExpressionTimezone)'),
    rules: z
      .array(
        z
          .object({
            name: ruleName,
            cron: cronExpression.describe('EventBridge Scheduler cron, e.g. cron(0 8 ? * MON-FRI *)'),
            capacity: capacitySchema,
          })
          .strict(),
      )
      .min(1),
    exceptions: z
      .array(
        z
          .object({
            dates: z.array(isoDate).min(1).describe('local dates in the schedule time zone'),
            rules: z.array(ruleName).min(1).describe('rules that do not apply on these dates'),
            alternative: capacitySchema.optional().describe('capacity the named rules set instead on these dates'),
          })
          .strict(),
      )
      .default([]),
    guards: z
      .object({
        floor: count.optional().describe('never below this many instances'),
        ceiling: count.optional().describe('never above this many instances'),
        maxStep: z.number().int().min(1).optional().describe('largest change of desired capacity per action'),
        deferScaleInDuringRefresh: z.boolean().default(true),
        deferWhileAlarms: z.array(z.string().min(1)).default([]).describe('CloudWatch alarm names'),
      })
      .strict()
      .default({ deferScaleInDuringRefresh: true, deferWhileAlarms: [] }),
  })
  .strict()
  .superRefine((schedule, ctx) => checkSchedule(schedule, ctx, new Date()));

type ScheduleShape = {
  timezone: string;
  rules: { name: string; cron: string }[];
  exceptions: { rules: string[] }[];
  guards: { floor?: number; ceiling?: number };
};

/** Checks across fields: unique and known rule names, rules that fire, floor ≤ ceiling. */
export function checkSchedule(
  schedule: ScheduleShape,
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
  now: Date,
): void {
  const names = new Set<string>();
  const zoneOk = isKnownZone(schedule.timezone);
  schedule.rules.forEach((rule, i) => {
    if (names.has(rule.name)) {
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${rule.name}"` });
    }
    names.add(rule.name);
    if (!zoneOk) return;
    let cron: WallCron;
    try {
      cron = new WallCron(rule.cron);
    } catch {
      return; // already reported on the field
    }
    const from = wallAt(now, schedule.timezone);
    const next = cron.next(from);
    const limit = wallMillis({ ...from, year: from.year + MUST_FIRE_WITHIN_YEARS });
    if (!next || wallMillis(next) > limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'cron'],
        message: `${rule.cron} never fires in the next ${MUST_FIRE_WITHIN_YEARS} years (e.g. a date that does not exist)`,
      });
    }
  });
  schedule.exceptions.forEach((exception, i) => {
    exception.rules.forEach((name, j) => {
      if (!names.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['exceptions', i, 'rules', j],
          message: `unknown rule "${name}" (expected one of: ${[...names].join(', ')})`,
        });
      }
    });
  });
  const { floor, ceiling } = schedule.guards;
  if (floor !== undefined && ceiling !== undefined && floor > ceiling) {
    ctx.addIssue({ code: 'custom', path: ['guards', 'floor'], message: `floor ${floor} is above ceiling ${ceiling}` });
  }
}

export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type Capacity = z.output<typeof capacitySchema>;

export const scheduleConfig = configSection({
  service: {
    schedule: scheduleSchema.optional().describe('scheduled scaling: capacity on a calendar in the service time zone'),
  },
});
