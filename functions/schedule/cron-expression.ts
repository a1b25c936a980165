/**
 * EventBridge Scheduler cron expressions and time zones, read with libraries: croner parses the fields, the runtime's ICU (Intl)
 * reads a zone's clock; luxon (zone.ts) maps wall times back to instants. Kept free of luxon: the config schema
 * imports this file, and the config is in every function's bundle. Nothing here parses cron text by hand beyond splitting off the six
 * fields.
 *
 * Syntax (EventBridge user guide, "Cron expressions reference",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html): six fields, minutes hours
 * day-of-month month day-of-week year; day-of-week 1-7 = SUN-SAT; `?` in exactly one of day-of-month and day-of-week;
 * `L`, `W`, `#` as in Quartz. croner reads it as a seven-field pattern with seconds 0, Quartz weekday numbering
 * (alternativeWeekdays) and AWS's `0/15` steps (sloppyRanges).
 */
import { Cron } from 'croner';

export class CronExpressionError extends Error {
  override readonly name = 'CronExpressionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A wall-clock time, fields as on the zone's clock (month 1-12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The six fields of `cron(...)`, or an error saying what is wrong with the shape. */
export function cronFields(expression: string): string[] {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  if (!match?.[1]) {
    throw new CronExpressionError('expected cron(minutes hours day-of-month month day-of-week year)');
  }
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new CronExpressionError(
      `expected six fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  if ((fields[2] === '?') === (fields[4] === '?')) {
    throw new CronExpressionError('exactly one of day-of-month (3rd field) and day-of-week (5th field) must be "?"');
  }
  return fields;
}

/**
 * A compiled expression that enumerates wall-clock times (no zone: croner runs in UTC, whose fields are read as the
 * zone's clock fields). Throws CronExpressionError for a bad expression.
 */
export class WallCron {
  private readonly cron: Cron;
  constructor(readonly expression: string) {
    const fields = cronFields(expression);
    try {
      this.cron = new Cron(`0 ${fields.join(' ')}`, {
        mode: '7-part',
        alternativeWeekdays: true,
        sloppyRanges: true,
        timezone: 'UTC',
        paused: true,
      });
    } catch (error) {
      throw new CronExpressionError((error as Error).message.replace(/^CronPattern: /, ''), { cause: error });
    }
  }

  /** The first wall time strictly after `after`, or undefined. */
  next(after: WallTime): WallTime | undefined {
    const run = this.cron.nextRun(new Date(wallMillis(after)));
    return run ? wallOf(run) : undefined;
  }

  /** Up to `n` wall times strictly before `before`, newest first. */
  previous(before: WallTime, n: number): WallTime[] {
    return this.cron.previousRuns(n, new Date(wallMillis(before))).map(wallOf);
  }
}

/** The wall time as if it were UTC, in ms: a total order on wall times. */
export const wallMillis = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

const wallOf = (d: Date): WallTime => ({
  year: d.getUTCFullYear(),
  month: d.getUTCMonth() + 1,
  day: d.getUTCDate(),
  hour: d.getUTCHours(),
  minute: d.getUTCMinutes(),
});

/** `YYYY-MM-DDTHH:mm` of a wall time. */
export function formatWall(w: WallTime): string {
  return new Date(wallMillis(w)).toISOString().slice(0, 16);
}

/** `YYYY-MM-DD` of a wall time (the local date exceptions are matched against). */
export const wallDate = (w: WallTime) => formatWall(w).slice(0, 10);

/** The zone's clock at an instant, read with the runtime's ICU. */
export function wallAt(instant: Date, zone: string): WallTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
  };
}

/** Whether the runtime knows the IANA zone. */
export function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
