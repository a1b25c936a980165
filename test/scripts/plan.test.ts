/**
 * `npm run plan` end to end: the script run as a user runs it, on the example config with a schedule added to its
 * first service (so the test follows the base config as it evolves).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-plan-'));
const example = join(root, 'fleetpilot.example.yml');

function withSchedule(): string {
  const doc = parseDocument(readFileSync(example, 'utf8'));
  doc.setIn(
    ['services', 0, 'schedule'],
    doc.createNode({
      timezone: 'Europe/Berlin',
      rules: [
        { name: 'business-hours', cron: 'cron(30 7 ? * MON-FRI *)', capacity: { min: 2, max: 8, desired: 4 } },
        { name: 'night', cron: 'cron(30 2 * * ? *)', capacity: { min: 1, desired: 1 } },
      ],
    }),
  );
  const file = join(dir, 'scheduled.yml');
  writeFileSync(file, String(doc));
  return file;
}

const scheduled = withSchedule();

/** The example with every service's schedule section taken out. */
function withoutSchedule(): string {
  const doc = parseDocument(readFileSync(example, 'utf8'));
  const count = (doc.get('services') as { items: unknown[] }).items.length;
  for (let i = 0; i < count; i++) doc.deleteIn(['services', i, 'schedule']);
  const file = join(dir, 'unscheduled.yml');
  writeFileSync(file, String(doc));
  return file;
}
const service = String(parseDocument(readFileSync(example, 'utf8')).getIn(['services', 0, 'name']));

function plan(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'plan.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run plan', () => {
  const window = ['--service', service, '--from', '2026-03-28', '--days', '3'];

  it('prints the changes, then the chart, without colour in a pipe', () => {
    const run = plan(['--config', scheduled, ...window]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('night: min 2 max 8 desired 4 → min 1 max 8 desired 1');
    expect(run.stdout).toContain('2026-03-29T02:30  (does not exist)  night: skipped (dst-gap)');
    expect(run.stdout).toContain(
      `${service} capacity, Europe/Berlin, 2026-03-28 00:00 → 2026-03-31 00:00 (1 column = 1 h)`,
    );
    expect(run.stdout).toContain('Sat 28');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('writes the SVG and keeps stdout to the JSON document with --json', () => {
    const svg = join(dir, 'plan.svg');
    const run = plan(['--config', scheduled, ...window, '--json', '--svg', svg]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ service, timezone: 'Europe/Berlin' });
    expect(run.stderr).toBe(`wrote the chart to ${svg}\n`);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
  });

  it.each([
    [['--service', 'nope', '--from', '2026-03-28', '--days', '3'], /^plan: --service nope: no such service in /],
    [['--service', service, '--from', '2026-02-30', '--days', '3'], /^plan: --from 2026-02-30: no such date\n$/],
    [['--service', service, '--from', '2026-03-28', '--days', '400'], /^plan: --days 400: expected a whole number/],
    [['--service', service, '--from', '2026-03-28'], /^plan: missing --days /],
    [['--service', service, '--from', '2026-03-28', '--days', '3', '--colour'], /^plan: Unknown option '--colour'/],
  ])('refuses %j in one line with exit code 2', (args, message) => {
    const run = plan(['--config', scheduled, ...args]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('names the service and the file when the config has no schedule section', () => {
    const unscheduled = withoutSchedule();
    const run = plan(['--config', unscheduled, ...window]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `plan: --service ${service}: no schedule: section for this service in ${unscheduled} (no service has one)\n`,
    );
  });
});
