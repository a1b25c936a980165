/** The `npm run plan` preview (functions/schedule/plan.ts) across the Berlin spring-forward weekend of 2026. */
import { scheduleSchema } from '../../../functions/schedule/config';
import { gapInstant, PlanWindowError, planJson, planText, planWindow } from '../../../functions/schedule/plan';

const schedule = scheduleSchema.parse({
  timezone: 'Europe/Berlin',
  rules: [
    { name: 'business-hours', cron: 'cron(30 7 ? * MON-FRI *)', capacity: { min: 2, max: 8, desired: 4 } },
    { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { min: 1, desired: 1 } },
  ],
});

describe('the schedule plan', () => {
  const plan = planWindow('web', schedule, '2026-03-28', 3);

  it('prints the documented JSON: changes in UTC and local time, skipped wall times', () => {
    expect(planJson(plan)).toEqual({
      service: 'web',
      timezone: 'Europe/Berlin',
      changes: [
        {
          rule: 'night',
          at: '2026-03-28T01:30:00.000Z',
          local: '2026-03-28T02:30:00+01:00',
          capacity: { min: 1, max: 8, desired: 1 },
        },
        {
          rule: 'night',
          at: '2026-03-30T00:30:00.000Z',
          local: '2026-03-30T02:30:00+02:00',
          capacity: { min: 1, max: 8, desired: 1 },
        },
        {
          rule: 'business-hours',
          at: '2026-03-30T05:30:00.000Z',
          local: '2026-03-30T07:30:00+02:00',
          capacity: { min: 2, max: 8, desired: 4 },
        },
      ],
      skipped: [{ rule: 'night', local: '2026-03-29T02:30', reason: 'dst-gap' }],
    });
  });

  it('starts from the level before the window and marks the DST transition', () => {
    // Friday 27 March 07:30 business-hours is the latest before Saturday 00:00.
    expect(plan.start).toEqual({ min: 2, max: 8, desired: 4 });
    expect(plan.transitions).toEqual([{ at: new Date('2026-03-29T01:00:00Z'), fromOffset: 60, toOffset: 120 }]);
    expect(plan.changes[0]?.before).toEqual({ min: 2, max: 8, desired: 4 });
    const text = planText(plan).join('\n');
    expect(text).toContain('DST: UTC+01:00 → UTC+02:00');
    expect(text).toContain('2026-03-29T02:30  (does not exist)  night: skipped (dst-gap)');
  });
});

describe('the schedule plan across DST', () => {
  const newYork = scheduleSchema.parse({
    timezone: 'America/New_York',
    rules: [
      { name: 'evening', cron: 'cron(0 22 * * ? *)', capacity: { desired: 3 } },
      { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { desired: 1 } },
    ],
  });

  it('places a skipped wall time at the jump and lists it in time order', () => {
    // 7 March 02:30 EST (07:30Z) runs; 8 March 2026: 02:00 EST (07:00Z) jumps to 03:00 EDT. Saturday 22:00 EST = 8 March 03:00Z comes before it.
    const plan = planWindow('web', newYork, '2026-03-07', 2);
    expect(plan.skipped).toEqual([
      { rule: 'night', local: '2026-03-08T02:30', reason: 'dst-gap', at: new Date('2026-03-08T07:00:00Z') },
    ]);
    const text = planText(plan);
    const evening = text.findIndex((l) => l.includes('2026-03-07T22:00:00-05:00'));
    const jump = text.findIndex((l) => l.includes('DST: UTC-05:00 → UTC-04:00'));
    const skipped = text.findIndex((l) => l.includes('2026-03-08T02:30  (does not exist)  night'));
    expect(evening).toBeGreaterThan(0);
    expect([evening < jump, jump < skipped]).toEqual([true, true]);
    expect(gapInstant('2026-03-29T02:30', 'Europe/Berlin')).toEqual(new Date('2026-03-29T01:00:00Z'));
  });

  it('lists every occurrence the gap skips and runs a repeated wall time once', () => {
    const quarterly = scheduleSchema.parse({
      timezone: 'Europe/Berlin',
      rules: [{ name: 'quarter', cron: 'cron(0/15 2 * * ? *)', capacity: { desired: 2 } }],
    });
    const spring = planWindow('web', quarterly, '2026-03-29', 1);
    expect(spring.skipped.map((s) => s.local)).toEqual([
      '2026-03-29T02:00',
      '2026-03-29T02:15',
      '2026-03-29T02:30',
      '2026-03-29T02:45',
    ]);
    expect(spring.changes).toEqual([]);
    // 25 October: 02:00–02:59 happens twice (CEST, then CET); each quarter runs once, in the first pass.
    const autumn = planWindow('web', quarterly, '2026-10-25', 1);
    expect(autumn.changes.map((c) => c.at.toISOString())).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:15:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T00:45:00.000Z',
    ]);
    expect(autumn.transitions).toEqual([{ at: new Date('2026-10-25T01:00:00Z'), fromOffset: 120, toOffset: 60 }]);
    expect(autumn.skipped).toEqual([]);
  });

  it('prints the JSON keys in the documented order, null for a field no rule sets', () => {
    const json = JSON.stringify(planJson(planWindow('web', newYork, '2026-03-07', 2)));
    expect(json).toBe(
      '{"service":"web","timezone":"America/New_York","changes":[' +
        '{"rule":"night","at":"2026-03-07T07:30:00.000Z","local":"2026-03-07T02:30:00-05:00","capacity":{"min":null,"max":null,"desired":1}},' +
        '{"rule":"evening","at":"2026-03-08T03:00:00.000Z","local":"2026-03-07T22:00:00-05:00","capacity":{"min":null,"max":null,"desired":3}},' +
        '{"rule":"evening","at":"2026-03-09T02:00:00.000Z","local":"2026-03-08T22:00:00-04:00","capacity":{"min":null,"max":null,"desired":3}}' +
        '],"skipped":[{"rule":"night","local":"2026-03-08T02:30","reason":"dst-gap"}]}',
    );
  });

  it.each([
    ['2026-02-30', 1, '--from 2026-02-30: no such date'],
    ['2026-3-1', 1, '--from "2026-3-1": expected a date as YYYY-MM-DD'],
    ['2026-03-01', 0, '--days 0: expected a whole number of days from 1 to 366'],
    ['2026-03-01', 367, '--days 367: expected a whole number of days from 1 to 366'],
    ['2026-03-01', 1.5, '--days 1.5: expected a whole number of days from 1 to 366'],
  ])('refuses the window %s + %s days', (from, days, message) => {
    expect(() => planWindow('web', newYork, from, days)).toThrow(new PlanWindowError(message));
  });
});
