/**
 * EventBridge Scheduler cron expressions and time zones, read with libraries: croner parses the fields, luxon maps a
 * wall-clock time in an IANA zone to instants. Nothing here parses cron text by hand beyond splitting off the six
 * fields.
 *
 * Syntax (EventBridge user guide, "Cron expressions reference",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html): six fields, minutes hours
 * day-of-month month day-of-week year; day-of-week 1-7 = SUN-SAT; `?` in exactly one of day-of-month and day-of-week;
 * `L`, `W`, `#` as in Quartz. croner reads it as a seven-field pattern with seconds 0, Quartz weekday numbering
 * (alternativeWeekdays) and AWS's `0/15` steps (sloppyRanges).
 */
import { Cron } from 'croner';
import { DateTime } from 'luxon';

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

/** The zone's clock at an instant. */
export function wallAt(instant: Date, zone: string): WallTime {
  const dt = DateTime.fromJSDate(instant, { zone });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute };
}

/** `YYYY-MM-DDTHH:mm` of a wall time. */
export function formatWall(w: WallTime): string {
  return new Date(wallMillis(w)).toISOString().slice(0, 16);
}

/** `YYYY-MM-DD` of a wall time (the local date exceptions are matched against). */
export const wallDate = (w: WallTime) => formatWall(w).slice(0, 10);

/**
 * The instant a wall time names in a zone: undefined when the clock skips it (spring-forward gap); the earlier one
 * when the clock shows it twice (fall-back), since Scheduler runs such a time once (Scheduler user guide,
 * "Schedule types", daylight saving time: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).
 * Which of the two instants Scheduler picks is not documented; fleetpilot takes the first.
 */
export function instantOf(w: WallTime, zone: string): Date | undefined {
  const asUtc = wallMillis(w);
  const day = 86_400_000;
  // Every offset the zone uses around this time; a wall time maps to (wall - offset) for whichever offset is in
  // force then.
  const offsets = new Set(
    [asUtc - 2 * day, asUtc, asUtc + 2 * day].map((ms) => DateTime.fromMillis(ms, { zone }).offset),
  );
  const candidates = [...offsets]
    .map((offset) => asUtc - offset * 60_000)
    .filter((ms) => wallMillis(wallAt(new Date(ms), zone)) === asUtc)
    .sort((a, b) => a - b);
  return candidates[0] === undefined ? undefined : new Date(candidates[0]);
}

/** ISO 8601 with the zone's offset, e.g. 2026-03-29T08:00:00+02:00. */
export function localIso(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toISO({ suppressMilliseconds: true }) ?? instant.toISOString();
}

/** Whether the runtime knows the IANA zone. */
export function isKnownZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}
