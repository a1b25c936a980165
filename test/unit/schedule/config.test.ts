/**
 * The schedule config section (functions/schedule/config.ts): every refusal names its path, through the same
 * parseConfig that packaging and cold start run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/errors';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'), 'utf8');

const GOOD = `    schedule:
      timezone: Europe/Berlin
      rules:
        - name: business-hours
          cron: cron(0 7 ? * MON-FRI *)
          capacity: { min: 2, max: 8, desired: 4 }
        - name: night
          cron: cron(0 20 ? * MON-FRI *)
          capacity: { min: 1, desired: 1 }
      exceptions:
        - dates: [2026-12-25]
          rules: [business-hours]
      guards:
        floor: 1
        ceiling: 10
`;

/** The example without its own schedule section (its lines at service depth and deeper, up to the next key). */
const EXAMPLE_WITHOUT_SCHEDULE = EXAMPLE.replace(/\n {4}schedule:\n(?: {5,}.*\n|\s*\n)*/, '\n');

/** The example's first service with `section` as its schedule section (before its amiRefresh section). */
function withSchedule(section: string): string {
  const anchor = EXAMPLE_WITHOUT_SCHEDULE.indexOf('\n    amiRefresh:');
  if (anchor < 0) throw new Error('the example config has no amiRefresh section to anchor on');
  return `${EXAMPLE_WITHOUT_SCHEDULE.slice(0, anchor + 1)}${section}${EXAMPLE_WITHOUT_SCHEDULE.slice(anchor + 1)}`;
}

function issuesOf(text: string): string {
  try {
    parseConfig(text, 'fleetpilot.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.join('\n');
    throw error;
  }
  return '';
}

describe('the schedule config section', () => {
  it('accepts a valid schedule', () => {
    expect(issuesOf(withSchedule(GOOD))).toBe('');
  });

  it.each([
    [
      'an invalid cron',
      'cron(0 7 ? * MON-FRI *)',
      'cron(0 25 ? * MON-FRI *)',
      /line \d+: services\[0\]\.schedule\.rules\[0\]\.cron: invalid EventBridge Scheduler cron/,
    ],
    [
      'a five-field cron',
      'cron(0 7 ? * MON-FRI *)',
      'cron(0 7 ? * MON-FRI)',
      /line \d+: services\[0\]\.schedule\.rules\[0\]\.cron: .*six fields/,
    ],
    [
      'both day fields set',
      'cron(0 7 ? * MON-FRI *)',
      'cron(0 7 1 * MON-FRI *)',
      /line \d+: services\[0\]\.schedule\.rules\[0\]\.cron: .*exactly one of/,
    ],
    [
      'a rule that never fires',
      'cron(0 7 ? * MON-FRI *)',
      'cron(0 7 30 2 ? *)',
      /line \d+: services\[0\]\.schedule\.rules\[0\]\.cron: .*never fires/,
    ],
    [
      'an unknown time zone',
      'timezone: Europe/Berlin',
      'timezone: Europe/Gotham',
      /line \d+: services\[0\]\.schedule\.timezone: unknown time zone/,
    ],
    [
      'min above max',
      '{ min: 2, max: 8, desired: 4 }',
      '{ min: 9, max: 8 }',
      /line \d+: services\[0\]\.schedule\.rules\[0\]\.capacity\.min: min 9 is above max 8/,
    ],
    [
      'an exception naming an unknown rule',
      'rules: [business-hours]',
      'rules: [weekend]',
      /line \d+: services\[0\]\.schedule\.exceptions\[0\]\.rules\[0\]: unknown rule "weekend"/,
    ],
    [
      'floor above ceiling',
      'ceiling: 10',
      'ceiling: 0',
      /line \d+: services\[0\]\.schedule\.guards\.floor: floor 1 is above ceiling 0/,
    ],
    [
      'a date that does not exist',
      '[2026-12-25]',
      '[2026-02-30]',
      /line \d+: services\[0\]\.schedule\.exceptions\[0\]\.dates\[0\]: no such date/,
    ],
  ])('refuses %s, naming the path', (_what, from, to, expected) => {
    expect(GOOD).toContain(from);
    expect(issuesOf(withSchedule(GOOD.replace(from, to)))).toMatch(expected);
  });
});
