/**
 * The demo's scheduled chapter starts from whatever virtual time the earlier chapters reach: `nextLocal` finds its
 * next instant on a zone's clock. Expected instants are computed by hand (Seoul is UTC+9 all year; Berlin moves from
 * UTC+1 to UTC+2 at 2026-03-29 01:00Z).
 */
import { nextLocal } from '../../scripts/demo/scheduled-day';

const WORKING_EVENINGS = [1, 2, 3, 4];
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextLocal (the scheduled chapter finds its evening)', () => {
  it('from Monday 19:42 in Seoul picks Tuesday 18:50, from Thursday 19:42 the next Monday', () => {
    expect(iso(nextLocal(Date.parse('2026-01-05T10:42:00Z'), 'Asia/Seoul', 18, 50, WORKING_EVENINGS))).toBe(
      '2026-01-06T09:50:00.000Z',
    );
    expect(iso(nextLocal(Date.parse('2026-01-08T10:42:00Z'), 'Asia/Seoul', 18, 50, WORKING_EVENINGS))).toBe(
      '2026-01-12T09:50:00.000Z',
    );
  });

  it('takes a later time the same day, and never the instant it is given', () => {
    expect(iso(nextLocal(Date.parse('2026-01-05T09:00:00Z'), 'Asia/Seoul', 18, 50, WORKING_EVENINGS))).toBe(
      '2026-01-05T09:50:00.000Z',
    );
    expect(iso(nextLocal(Date.parse('2026-01-05T09:50:00Z'), 'Asia/Seoul', 18, 50))).toBe('2026-01-06T09:50:00.000Z');
  });

  it('follows the zone across a DST change (Berlin, 2026-03-29)', () => {
    expect(iso(nextLocal(Date.parse('2026-03-28T12:00:00Z'), 'Europe/Berlin', 9, 0))).toBe('2026-03-29T07:00:00.000Z');
  });
});
