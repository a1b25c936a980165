/**
 * The scheduled scaling calendar against hand-computed UTC instants across the 2026 DST changes: Europe/Berlin
 * (29 March 02:00 → 03:00, 25 October 03:00 → 02:00), America/New_York (8 March 02:00 → 03:00, 1 November
 * 02:00 → 01:00) and Asia/Seoul (UTC+9, no DST).
 */
import { levelAt, occurrencesBetween } from '../../../functions/schedule/calendar';
import { type ScheduleConfig, scheduleSchema } from '../../../functions/schedule/config';

const schedule = (input: unknown): ScheduleConfig => scheduleSchema.parse(input);
const utc = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('the schedule calendar', () => {
  it('skips a 02:30 rule on the Berlin spring-forward day and reports it as dst-gap', () => {
    const s = schedule({
      timezone: 'Europe/Berlin',
      rules: [{ name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { desired: 1 } }],
    });
    const { fired, skipped } = occurrencesBetween(s, utc('2026-03-28T00:00:00Z'), utc('2026-03-31T00:00:00Z'));
    // 28 March 02:30 CET = 01:30Z; 29 March 02:30 does not exist; 30 March 02:30 CEST = 00:30Z.
    expect(fired.map((o) => iso(o.at))).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(skipped).toEqual([{ rule: 'night', local: '2026-03-29T02:30', reason: 'dst-gap' }]);
  });

  it('runs a 02:30 rule once on the Berlin fall-back day', () => {
    const s = schedule({
      timezone: 'Europe/Berlin',
      rules: [{ name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { desired: 1 } }],
    });
    const { fired, skipped } = occurrencesBetween(s, utc('2026-10-24T12:00:00Z'), utc('2026-10-26T12:00:00Z'));
    // 25 October 02:30 occurs at 00:30Z (CEST) and 01:30Z (CET): one run, the first.
    expect(fired.map((o) => [iso(o.at), o.local])).toEqual([
      ['2026-10-25T00:30:00.000Z', '2026-10-25T02:30:00+02:00'],
      ['2026-10-26T01:30:00.000Z', '2026-10-26T02:30:00+01:00'],
    ]);
    expect(skipped).toEqual([]);
  });

  it('follows New York local time across 8 March and 1 November', () => {
    const s = schedule({
      timezone: 'America/New_York',
      rules: [{ name: 'open', cron: 'cron(0 8 ? * MON-FRI *)', capacity: { desired: 4 } }],
    });
    const march = occurrencesBetween(s, utc('2026-03-06T00:00:00Z'), utc('2026-03-10T00:00:00Z')).fired;
    // Friday 6 March 08:00 EST = 13:00Z; Monday 9 March 08:00 EDT = 12:00Z.
    expect(march.map((o) => iso(o.at))).toEqual(['2026-03-06T13:00:00.000Z', '2026-03-09T12:00:00.000Z']);
    const november = occurrencesBetween(s, utc('2026-10-30T00:00:00Z'), utc('2026-11-03T00:00:00Z')).fired;
    // Friday 30 October 08:00 EDT = 12:00Z; Monday 2 November 08:00 EST = 13:00Z.
    expect(november.map((o) => iso(o.at))).toEqual(['2026-10-30T12:00:00.000Z', '2026-11-02T13:00:00.000Z']);
  });

  it('skips 02:30 on 8 March and runs 01:30 once on 1 November in New York', () => {
    const s = schedule({
      timezone: 'America/New_York',
      rules: [
        { name: 'a', cron: 'cron(30 2 8 3 ? *)', capacity: { desired: 2 } },
        { name: 'b', cron: 'cron(30 1 1 11 ? *)', capacity: { desired: 3 } },
      ],
    });
    const { fired, skipped } = occurrencesBetween(s, utc('2026-03-01T00:00:00Z'), utc('2026-12-01T00:00:00Z'));
    // 1 November 01:30 EDT = 05:30Z (the first of 05:30Z and 06:30Z).
    expect(fired.map((o) => [o.rule, iso(o.at)])).toEqual([['b', '2026-11-01T05:30:00.000Z']]);
    expect(skipped).toEqual([{ rule: 'a', local: '2026-03-08T02:30', reason: 'dst-gap' }]);
  });

  it('uses a fixed +09:00 in Seoul all year', () => {
    const s = schedule({
      timezone: 'Asia/Seoul',
      rules: [{ name: 'business-hours', cron: 'cron(55 8 ? * MON-FRI *)', capacity: { min: 2, desired: 4 } }],
    });
    const { fired } = occurrencesBetween(s, utc('2026-03-27T00:00:00Z'), utc('2026-03-31T00:00:00Z'));
    // 08:55 KST = 23:55Z the day before: Monday 30 and Tuesday 31 March fall in the window, Friday 27 does not.
    expect(fired.map((o) => [iso(o.at), o.local])).toEqual([
      ['2026-03-29T23:55:00.000Z', '2026-03-30T08:55:00+09:00'],
      ['2026-03-30T23:55:00.000Z', '2026-03-31T08:55:00+09:00'],
    ]);
    const { fired: late } = occurrencesBetween(s, utc('2026-03-26T00:00:00Z'), utc('2026-03-27T00:00:00Z'));
    expect(late.map((o) => iso(o.at))).toEqual(['2026-03-26T23:55:00.000Z']);
  });

  it('gives the capacity of the latest fired rule after a skipped invocation', () => {
    const s = schedule({
      timezone: 'Europe/Berlin',
      rules: [
        { name: 'evening', cron: 'cron(0 20 * * ? *)', capacity: { min: 1, desired: 2 } },
        { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { desired: 1 } },
      ],
    });
    // 29 March 03:10 CEST = 01:10Z: the 02:30 night rule was skipped, so the evening rule of 28 March holds.
    const level = levelAt(s, utc('2026-03-29T01:10:00Z'));
    expect(level.capacity).toEqual({ min: 1, desired: 2 });
    expect(level.from.desired?.rule).toBe('evening');
    expect(iso(level.from.desired?.at ?? new Date(0))).toBe('2026-03-28T19:00:00.000Z');
    // The next day the night rule fired at 02:30 CEST = 00:30Z.
    expect(levelAt(s, utc('2026-03-30T00:31:00Z')).capacity).toEqual({ min: 1, desired: 1 });
  });

  it('counts an occurrence at exactly now as fired (level at or before now)', () => {
    const s = schedule({
      timezone: 'Asia/Seoul',
      rules: [
        { name: 'day', cron: 'cron(0 9 * * ? *)', capacity: { desired: 4 } },
        { name: 'night', cron: 'cron(0 21 * * ? *)', capacity: { desired: 1 } },
      ],
    });
    expect(levelAt(s, utc('2026-06-01T00:00:00Z')).capacity).toEqual({ desired: 4 });
    expect(levelAt(s, utc('2026-05-31T23:59:59Z')).capacity).toEqual({ desired: 1 });
  });

  it('does not apply a rule on an exception date, and applies an alternative where given', () => {
    const s = schedule({
      timezone: 'Asia/Seoul',
      rules: [
        { name: 'day', cron: 'cron(0 9 ? * MON-FRI *)', capacity: { desired: 4 } },
        { name: 'night', cron: 'cron(0 21 ? * MON-FRI *)', capacity: { desired: 1 } },
      ],
      exceptions: [
        { dates: ['2026-10-05'], rules: ['day'] },
        { dates: ['2026-10-09'], rules: ['day'], alternative: { desired: 2 } },
      ],
    });
    const { fired } = occurrencesBetween(s, utc('2026-10-04T15:00:00Z'), utc('2026-10-06T15:00:00Z'));
    expect(fired.map((o) => [o.rule, o.local])).toEqual([
      ['night', '2026-10-05T21:00:00+09:00'],
      ['day', '2026-10-06T09:00:00+09:00'],
      ['night', '2026-10-06T21:00:00+09:00'],
    ]);
    // Monday 5 October 12:00 KST: the day rule did not apply, Friday night's capacity holds.
    expect(levelAt(s, utc('2026-10-05T03:00:00Z')).capacity).toEqual({ desired: 1 });
    const friday = levelAt(s, utc('2026-10-09T03:00:00Z'));
    expect(friday.capacity).toEqual({ desired: 2 });
    expect(friday.from.desired?.alternative).toBe(true);
  });

  it('reads AWS day-of-week numbers (1 = SUN) and L, W, #', () => {
    const s = schedule({
      timezone: 'Asia/Seoul',
      rules: [
        { name: 'sunday', cron: 'cron(0 12 ? * 1 *)', capacity: { desired: 1 } },
        { name: 'last-friday', cron: 'cron(0 13 ? * 6L *)', capacity: { desired: 2 } },
        { name: 'second-tuesday', cron: 'cron(0 14 ? * 3#2 *)', capacity: { desired: 3 } },
        { name: 'weekday-near-15', cron: 'cron(0 15 15W * ? *)', capacity: { desired: 4 } },
      ],
    });
    // August 2026: Sundays 2, 9, 16, 23, 30; last Friday 28; second Tuesday 11; 15th is a Saturday → Friday 14.
    const { fired } = occurrencesBetween(s, utc('2026-07-31T15:00:00Z'), utc('2026-08-31T15:00:00Z'));
    expect(fired.map((o) => `${o.rule} ${o.local.slice(0, 10)}`)).toEqual([
      'sunday 2026-08-02',
      'sunday 2026-08-09',
      'second-tuesday 2026-08-11',
      'weekday-near-15 2026-08-14',
      'sunday 2026-08-16',
      'sunday 2026-08-23',
      'last-friday 2026-08-28',
      'sunday 2026-08-30',
    ]);
  });
});
