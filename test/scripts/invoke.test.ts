/**
 * `npm run invoke` imports a handler exactly as deployed. These runs need no AWS: an unreachable endpoint proves that
 * no call is attempted where none should be (a call would fail with a connection error).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function invoke(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'invoke.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...env,
    },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const queue = [
  '--queue-url',
  'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
  '--dns-queue-url',
  'https://sqs.eu-west-1.amazonaws.com/123456789012/dns',
];
const topic = ['--topic-arn', 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts'];

describe('npm run invoke', () => {
  it('runs the deployed launch handler on an event and prints its result', () => {
    const run = invoke([
      'lifecycleLaunch',
      'events/autoscaling-test-notification.json',
      '--dry-run',
      ...topic,
      ...queue,
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ status: 'ignored', reason: 'autoscaling:TEST_NOTIFICATION' });
  });

  it('names the functions serverless.yml defines when the function is unknown', () => {
    const run = invoke(['lifecycleLunch', 'events/autoscaling-launch-lifecycle-action.json', ...topic, ...queue]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown function "lifecycleLunch"');
    expect(run.stderr).toContain('lifecycleLaunch');
  });

  it('says which setting is missing', () => {
    const run = invoke(['lifecycleLaunch', 'events/autoscaling-launch-lifecycle-action.json', ...queue]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FLEETPILOT_TOPIC_ARN is not set: pass --topic-arn');
  });

  it('fails with the config error when the config file is broken', () => {
    const run = invoke([
      'lifecycleLaunch',
      'events/autoscaling-test-notification.json',
      '--config',
      'package.json',
      ...topic,
      ...queue,
    ]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ConfigError: invalid fleetpilot config');
  });
});
