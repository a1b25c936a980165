/**
 * `serverless package` refuses a bad config with the loader's readable error (file, line, path, expectation), and
 * the config file is chosen as documented in deploy/config-file.ts. The package runs happen in a throw-away copy of
 * the service (so the repository's .serverless/ is never touched), without AWS credentials.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigFileNotFoundError, chooseConfigFile, EXAMPLE_CONFIG } from '../../deploy/config-file';
import { REPO } from './template';

const EXAMPLE_TEXT = readFileSync(join(REPO, EXAMPLE_CONFIG), 'utf8');

/**
 * A copy of what `serverless package` reads before bundling: serverless.yml, deploy/, shared/, functions/ (the
 * capabilities' deploy modules and config sections), the example.
 */
function serviceCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-service-'));
  for (const entry of ['serverless.yml', 'package.json', 'deploy', 'shared', 'functions', EXAMPLE_CONFIG]) {
    cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function serverlessPackage(dir: string, args: string[] = []): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, SLS_TELEMETRY_DISABLED: '1' };
  const result = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'test', ...args],
    { cwd: dir, env, encoding: 'utf8', timeout: 25_000 },
  );
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** Replaces exactly one occurrence, so a typo here cannot leave the config valid by accident. */
function replaceOnce(text: string, search: string, replacement: string): string {
  expect(text.split(search)).toHaveLength(2);
  return text.replace(search, replacement);
}

const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

let dir: string;
beforeAll(() => {
  dir = serviceCopy();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('serverless package with a bad config', () => {
  it('fails and prints the file, the line, the path and what was expected', () => {
    const broken = replaceOnce(EXAMPLE_TEXT, 'autoScalingGroup: web-asg', 'autoScalingGroup: arn:aws:autoscaling:web');
    writeFileSync(join(dir, 'fleetpilot.test.yml'), broken);

    const { status, output } = serverlessPackage(dir);

    expect(status).not.toBe(0);
    expect(output).toContain(`invalid fleetpilot config ${join(dir, 'fleetpilot.test.yml')}`);
    expect(output).toContain(
      `line ${lineOf(broken, 'autoScalingGroup:')}: services[0].autoScalingGroup: expected an Auto Scaling group name`,
    );
    expect(existsSync(join(dir, '.serverless'))).toBe(false);
  }, 30_000);

  it('fails on a config that parses but does harm (a target group in another region), with file, line and path', () => {
    const broken = replaceOnce(
      EXAMPLE_TEXT,
      '- arn:aws:elasticloadbalancing:eu-west-1:',
      '- arn:aws:elasticloadbalancing:us-east-1:',
    );
    writeFileSync(join(dir, 'fleetpilot.test.yml'), broken);

    const { status, output } = serverlessPackage(dir);

    expect(status).not.toBe(0);
    expect(output).toContain(`invalid fleetpilot config ${join(dir, 'fleetpilot.test.yml')}`);
    expect(output).toContain(
      `line ${lineOf(broken, 'elasticloadbalancing:us-east-1:')}: services[0].targetGroups[0]: target group in region us-east-1, but the stack runs in eu-west-1`,
    );
  }, 30_000);

  it('fails on a YAML syntax error with its line, for a file named by --param config', () => {
    const broken = replaceOnce(EXAMPLE_TEXT, 'topicName: fleetpilot-alerts', 'topicName: [fleetpilot-alerts');
    writeFileSync(join(dir, 'broken.yml'), broken);

    const { status, output } = serverlessPackage(dir, ['--param', 'config=broken.yml']);

    expect(status).not.toBe(0);
    expect(output).toContain(`invalid fleetpilot config ${join(dir, 'broken.yml')}`);
    expect(output).toMatch(/line \d+: YAML syntax/);
  }, 30_000);
});

describe('choosing the config file', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'fleetpilot-choice-'));
    writeFileSync(join(empty, EXAMPLE_CONFIG), EXAMPLE_TEXT);
    writeFileSync(join(empty, 'fleetpilot.prod.yml'), EXAMPLE_TEXT);
    writeFileSync(join(empty, 'custom.yml'), EXAMPLE_TEXT);
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('uses fleetpilot.<stage>.yml when it exists', () => {
    expect(chooseConfigFile({ serviceDir: empty, stage: 'prod' })).toMatchObject({
      packagedPath: 'fleetpilot.prod.yml',
      source: 'stage',
    });
  });

  it('prefers --param config over FLEETPILOT_CONFIG over the stage file', () => {
    expect(
      chooseConfigFile({ serviceDir: empty, stage: 'prod', param: 'custom.yml', env: EXAMPLE_CONFIG }),
    ).toMatchObject({ packagedPath: 'custom.yml', source: 'param' });
    expect(chooseConfigFile({ serviceDir: empty, stage: 'prod', env: 'custom.yml' })).toMatchObject({
      packagedPath: 'custom.yml',
      source: 'env',
    });
  });

  it.each(['dev', 'test'])('falls back to the example with a notice for stage %s', (stage) => {
    const choice = chooseConfigFile({ serviceDir: empty, stage });

    expect(choice).toMatchObject({ packagedPath: EXAMPLE_CONFIG, source: 'example-fallback' });
    expect(choice.notice).toContain(`fleetpilot.${stage}.yml not found`);
  });

  it('refuses a missing stage file for any other stage, naming the ways to provide one', () => {
    expect(() => chooseConfigFile({ serviceDir: empty, stage: 'staging' })).toThrow(ConfigFileNotFoundError);
    expect(() => chooseConfigFile({ serviceDir: empty, stage: 'staging' })).toThrow(
      /fleetpilot\.staging\.yml not found.*--param config=<path> or FLEETPILOT_CONFIG=<path>/,
    );
  });

  it('refuses a named file that does not exist, or one outside the service directory', () => {
    expect(() => chooseConfigFile({ serviceDir: empty, stage: 'dev', param: 'nope.yml' })).toThrow(/does not exist/);
    expect(() => chooseConfigFile({ serviceDir: empty, stage: 'dev', param: join(REPO, EXAMPLE_CONFIG) })).toThrow(
      /outside the service directory/,
    );
  });
});
