/**
 * The amiRefresh section of the config (functions/ami-refresh/config.ts): what it refuses, with the path, on the
 * same schema that packaging and cold start run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/errors';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'), 'utf8');

/** The example config with one line of its amiRefresh section replaced. */
function withLine(from: string, to: string): string {
  if (!EXAMPLE.includes(from)) throw new Error(`the example config has no "${from}"`);
  return EXAMPLE.replace(from, to);
}

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'fleetpilot.yml');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('the amiRefresh config section', () => {
  it('accepts the annotated example', () => {
    expect(issuesOf(EXAMPLE)).toEqual([]);
  });

  it('refuses a cron that is not six fields, naming the path', () => {
    const issues = issuesOf(withLine('cron: cron(0 3 ? * SUN *)', 'cron: cron(0 3 ? * SUN)'));
    expect(issues.join('\n')).toMatch(/amiRefresh\.schedule\.cron: expected six fields/);
  });

  it('refuses a cron that sets both day-of-month and day-of-week', () => {
    const issues = issuesOf(withLine('cron: cron(0 3 ? * SUN *)', 'cron: cron(0 3 1 * SUN *)'));
    expect(issues.join('\n')).toMatch(/amiRefresh\.schedule\.cron: exactly one of day-of-month/);
  });

  it('refuses a time zone that is not an IANA name', () => {
    const issues = issuesOf(withLine('timezone: Asia/Seoul', 'timezone: Mars/Olympus'));
    expect(issues.join('\n')).toMatch(/amiRefresh\.schedule\.timezone: expected an IANA time zone/);
  });

  it('refuses checkpoints that do not end at 100', () => {
    const issues = issuesOf(withLine('checkpointPercentages: [50, 100]', 'checkpointPercentages: [50, 80]'));
    expect(issues.join('\n')).toMatch(/amiRefresh\.refresh\.checkpointPercentages: the last checkpoint must be 100/);
  });

  it('refuses checkpoints that are not ascending', () => {
    const issues = issuesOf(withLine('checkpointPercentages: [50, 100]', 'checkpointPercentages: [100, 50, 100]'));
    expect(issues.join('\n')).toMatch(/amiRefresh\.refresh\.checkpointPercentages: expected ascending percentages/);
  });

  it('refuses an adopt source named by owners alone', () => {
    const issues = issuesOf(
      withLine(
        'instance:\n          instanceId: i-0123456789abcdef0\n          # false = CreateImage with NoReboot (faster, but the file systems may be inconsistent).\n          reboot: true',
        'adopt:\n          owners: [self]',
      ).replace(/\n {6}schedule:\n {8}cron: .*\n {8}timezone: .*/, ''),
    );
    expect(issues.join('\n')).toMatch(/amiRefresh\.source\.adopt: name an image by namePrefix, tags or both/);
  });
});
