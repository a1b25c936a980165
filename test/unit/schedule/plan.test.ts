/** The `npm run plan` preview (functions/schedule/plan.ts) across the Berlin spring-forward weekend of 2026. */
import { scheduleSchema } from '../../../functions/schedule/config';
import { planJson, planText, planWindow } from '../../../functions/schedule/plan';

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
