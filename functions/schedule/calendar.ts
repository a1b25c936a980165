/**
 * The calendar of scheduled scaling, pure: which rule occurrences fire in a window, which the DST gap skips, and the
 * capacity the calendar says should hold at an instant ("level, not edge": a lost invocation is repaired by the next
 * one, because each computes the whole level rather than applying its own rule's change).
 *
 * Semantics of EventBridge Scheduler cron schedules with a time zone (Scheduler user guide, "Schedule types",
 * daylight saving time: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html): a wall time the
 * spring-forward gap removes is skipped; a wall time the fall-back hour repeats runs once.
 */
import type { Capacity, ScheduleConfig } from './config';
import { formatWall, WallCron, type WallTime, wallAt, wallDate, wallMillis } from './cron-expression';
import { instantOf, localIso } from './zone';

export type CalendarInput = Pick<ScheduleConfig, 'timezone' | 'rules' | 'exceptions'>;

/** One rule occurrence that fires (capacity = the rule's, or an exception's alternative). */
export interface Occurrence {
  rule: string;
  at: Date;
  /** ISO 8601 with the zone's offset. */
  local: string;
  capacity: Capacity;
  /** Set when an exception replaced the rule's capacity with its alternative. */
  alternative?: true;
}

/** A rule occurrence that does not fire. */
export interface Skipped {
  rule: string;
  /** The wall time (YYYY-MM-DDTHH:mm) in the zone. */
  local: string;
  reason: 'dst-gap';
}

/** The capacity the calendar asks for: each field from the latest fired occurrence that sets it. */
export interface Level {
  capacity: Capacity;
  /** Which occurrence set each field. */
  from: Partial<Record<keyof Capacity, Occurrence>>;
}

/** Occurrences visited per rule at most, so a per-minute rule over a long window cannot run away. */
const MAX_STEPS = 200_000;
/** How far back the level looks for the latest occurrence of each rule. */
const LOOKBACK_DAYS = 400;
const DAY = 86_400_000;

type Resolved = { fired: Occurrence } | { skipped: Skipped } | { excluded: true };

/** What one wall-time occurrence of a rule does, exceptions and DST applied. */
function resolve(input: CalendarInput, rule: CalendarInput['rules'][number], wall: WallTime): Resolved {
  const at = instantOf(wall, input.timezone);
  if (!at) return { skipped: { rule: rule.name, local: formatWall(wall), reason: 'dst-gap' } };
  const date = wallDate(wall);
  const exception = input.exceptions.find((e) => e.rules.includes(rule.name) && e.dates.includes(date));
  const base = { rule: rule.name, at, local: localIso(at, input.timezone) };
  if (!exception) return { fired: { ...base, capacity: rule.capacity } };
  if (!exception.alternative) return { excluded: true };
  return { fired: { ...base, capacity: exception.alternative, alternative: true } };
}

/** Every occurrence at or after `from` and before `to`, in time order; and those the DST gap skips. */
export function occurrencesBetween(
  input: CalendarInput,
  from: Date,
  to: Date,
): { fired: Occurrence[]; skipped: Skipped[] } {
  const fired: Occurrence[] = [];
  const skipped: Skipped[] = [];
  // Walk wall times a day beyond each end (offsets are under a day), then keep what falls in [from, to).
  const start = wallAt(new Date(from.getTime() - DAY), input.timezone);
  const endMs = wallMillis(wallAt(new Date(to.getTime() + DAY), input.timezone));
  for (const rule of input.rules) {
    const cron = new WallCron(rule.cron);
    let wall = cron.next({ ...start, minute: start.minute - 1 });
    for (let step = 0; wall && wallMillis(wall) <= endMs && step < MAX_STEPS; step++) {
      const r = resolve(input, rule, wall);
      if ('fired' in r && r.fired.at >= from && r.fired.at < to) fired.push(r.fired);
      if ('skipped' in r) {
        // A skipped wall time has no instant; it belongs to the window when its neighbours on the clock do.
        const before = instantOf({ ...wall, hour: wall.hour - 1 }, input.timezone) ?? from;
        if (before >= new Date(from.getTime() - 3_600_000) && before < to) skipped.push(r.skipped);
      }
      wall = cron.next(wall);
    }
  }
  fired.sort((a, b) => a.at.getTime() - b.at.getTime() || a.rule.localeCompare(b.rule));
  skipped.sort((a, b) => a.local.localeCompare(b.local));
  return { fired, skipped };
}

/** The latest fired occurrence of one rule at or before `now`, within the lookback. */
function latestFired(input: CalendarInput, rule: CalendarInput['rules'][number], now: Date): Occurrence | undefined {
  const cron = new WallCron(rule.cron);
  const oldest = now.getTime() - LOOKBACK_DAYS * DAY;
  // Start a day ahead on the clock: the wall time of `now` may be in a repeated hour.
  let before = wallAt(new Date(now.getTime() + DAY), input.timezone);
  for (let visited = 0; visited < MAX_STEPS; ) {
    const batch = cron.previous(before, 200);
    if (batch.length === 0) return undefined;
    for (const wall of batch) {
      visited++;
      const r = resolve(input, rule, wall);
      if ('fired' in r && r.fired.at <= now) return r.fired;
      if (wallMillis(wall) < oldest - DAY) return undefined;
    }
    const last = batch[batch.length - 1];
    if (!last) return undefined;
    before = last;
  }
  return undefined;
}

/** The capacity that should hold at `now`: per field, the value of the latest fired occurrence that sets it. */
export function levelAt(input: CalendarInput, now: Date): Level {
  const latest = input.rules
    .map((rule) => latestFired(input, rule, now))
    .filter((o): o is Occurrence => o !== undefined)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const capacity: Capacity = {};
  const from: Level['from'] = {};
  for (const occurrence of latest) {
    for (const key of ['min', 'max', 'desired'] as const) {
      const value = occurrence.capacity[key];
      if (value !== undefined) {
        capacity[key] = value;
        from[key] = occurrence;
      }
    }
  }
  return { capacity, from };
}

/** The level after applying one occurrence on top of another level. */
export function applyOccurrence(level: Capacity, occurrence: Occurrence): Capacity {
  return { ...level, ...occurrence.capacity };
}
