/**
 * The preview behind `npm run plan`: every scheduled change in a window with the capacity before and after, the DST
 * transitions of the zone and the occurrences the DST gap skips. Pure; scripts/plan.ts does the arguments and output.
 */
import { DateTime } from 'luxon';
import { applyOccurrence, type CalendarInput, levelAt, occurrencesBetween, type Skipped } from './calendar';
import type { Capacity } from './config';
import { localIso } from './zone';

export interface PlannedChange {
  rule: string;
  at: Date;
  local: string;
  before: Capacity;
  after: Capacity;
  alternative: boolean;
}

export interface DstTransition {
  at: Date;
  /** Offsets in minutes east of UTC, before and after. */
  fromOffset: number;
  toOffset: number;
}

/** A skipped occurrence, placed on the time line at the instant the clock jumped over its wall time. */
export interface PlannedSkip extends Skipped {
  at: Date;
}

export interface Plan {
  service: string;
  timezone: string;
  /** The window: local midnight of the first day, and of the day after the last (UTC instants). */
  from: Date;
  to: Date;
  start: Capacity;
  changes: PlannedChange[];
  skipped: PlannedSkip[];
  transitions: DstTransition[];
}

/** The zone's offset changes in [from, to), found to the minute by bisection between hourly samples. */
export function dstTransitions(zone: string, from: Date, to: Date): DstTransition[] {
  const offset = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const hour = 3_600_000;
  const found: DstTransition[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += hour) {
    const a = offset(t);
    const b = offset(t + hour);
    if (a === b) continue;
    let lo = t;
    let hi = t + hour;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offset(mid) === a) lo = mid;
      else hi = mid;
    }
    if (hi < to.getTime()) found.push({ at: new Date(hi), fromOffset: a, toOffset: b });
  }
  return found;
}

/** The longest window `npm run plan` draws, in days. */
export const MAX_PLAN_DAYS = 366;

/** A window the plan cannot be drawn for (a date that does not exist, a number of days out of range). */
export class PlanWindowError extends Error {
  override readonly name = 'PlanWindowError';
}

/** The plan of `days` local days starting at local midnight of `fromDate` (YYYY-MM-DD) in the schedule's zone. */
export function planWindow(service: string, schedule: CalendarInput, fromDate: string, days: number): Plan {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDate)) {
    throw new PlanWindowError(`--from ${JSON.stringify(fromDate)}: expected a date as YYYY-MM-DD`);
  }
  const startLocal = DateTime.fromISO(fromDate, { zone: schedule.timezone }).startOf('day');
  if (!startLocal.isValid) {
    throw new PlanWindowError(`--from ${fromDate}: no such date`);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_PLAN_DAYS) {
    throw new PlanWindowError(`--days ${days}: expected a whole number of days from 1 to ${MAX_PLAN_DAYS}`);
  }
  const from = startLocal.toJSDate();
  const to = startLocal.plus({ days }).toJSDate();
  const start = levelAt(schedule, new Date(from.getTime() - 1)).capacity;
  const { fired, skipped } = occurrencesBetween(schedule, from, to);
  let level = start;
  const changes = fired.map((occurrence) => {
    const after = applyOccurrence(level, occurrence);
    const change: PlannedChange = {
      rule: occurrence.rule,
      at: occurrence.at,
      local: occurrence.local,
      before: level,
      after,
      alternative: occurrence.alternative === true,
    };
    level = after;
    return change;
  });
  const transitions = dstTransitions(schedule.timezone, from, to);
  return {
    service,
    timezone: schedule.timezone,
    from,
    to,
    start,
    changes,
    skipped: skipped.map((s) => ({ ...s, at: gapInstant(s.local, schedule.timezone) })),
    transitions,
  };
}

/**
 * The instant the clock jumps over a wall time that does not exist: the spring-forward transition T with
 * T + offset before <= wall < T + offset after. Found near the wall time, so a gap at the window's edge is placed too.
 */
export function gapInstant(local: string, zone: string): Date {
  const wall = Date.parse(`${local}:00Z`);
  const day = 86_400_000;
  const around = dstTransitions(zone, new Date(wall - 2 * day), new Date(wall + 2 * day));
  const jump = around.find(
    (t) => t.at.getTime() + t.fromOffset * 60_000 <= wall && wall < t.at.getTime() + t.toOffset * 60_000,
  );
  if (!jump) throw new RangeError(`${local} is not in a daylight saving gap of ${zone}`);
  return jump.at;
}

const orNull = (n: number | undefined) => (n === undefined ? null : n);

/** The `--json` shape: capacity after each change, fields the calendar never set are null. */
export function planJson(plan: Plan) {
  return {
    service: plan.service,
    timezone: plan.timezone,
    changes: plan.changes.map((c) => ({
      rule: c.rule,
      at: c.at.toISOString(),
      local: c.local,
      capacity: { min: orNull(c.after.min), max: orNull(c.after.max), desired: orNull(c.after.desired) },
    })),
    skipped: plan.skipped.map((s) => ({ rule: s.rule, local: s.local, reason: s.reason })),
  };
}

const showCapacity = (c: Capacity) => `min ${c.min ?? '-'} max ${c.max ?? '-'} desired ${c.desired ?? '-'}`;
const showOffset = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
};

/** Text lines for the terminal, in time order: changes, skipped occurrences and DST transitions. */
export function planText(plan: Plan): string[] {
  // Same instant: the DST jump first, then what it skipped, then a change (e.g. a 03:00 rule on the gap day).
  type Line = { at: number; rank: number; text: string };
  const lines: Line[] = [
    ...plan.changes.map((c) => ({
      at: c.at.getTime(),
      rank: 2,
      text: `${c.local}  (${c.at.toISOString().replace('.000', '')})  ${c.rule}${c.alternative ? ' [exception: alternative]' : ''}: ${showCapacity(c.before)} → ${showCapacity(c.after)}`,
    })),
    ...plan.transitions.map((t) => ({
      at: t.at.getTime(),
      rank: 0,
      text: `${localIso(t.at, plan.timezone)}  (${t.at.toISOString().replace('.000', '')})  DST: ${showOffset(t.fromOffset)} → ${showOffset(t.toOffset)}`,
    })),
    ...plan.skipped.map((s) => ({
      at: s.at.getTime(),
      rank: 1,
      text: `${s.local}  (does not exist)  ${s.rule}: skipped (${s.reason})`,
    })),
  ];
  lines.sort((a, b) => a.at - b.at || a.rank - b.rank);
  return [
    `${plan.service} (${plan.timezone}): at the start ${showCapacity(plan.start)}`,
    ...lines.map((l) => `  ${l.text}`),
    plan.changes.length === 0 ? '  no scheduled change in the window' : `  ${plan.changes.length} change(s)`,
  ];
}
