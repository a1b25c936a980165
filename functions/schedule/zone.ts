/**
 * Wall times in an IANA zone mapped to instants and back to ISO text, with luxon. Only the calendar and the plan
 * use it (not the config schema, so luxon stays out of the deployed functions' bundles).
 */
import { DateTime } from 'luxon';
import { type WallTime, wallAt, wallMillis } from './cron-expression';

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
