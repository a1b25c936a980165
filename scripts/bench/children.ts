/** Runs one child-process entry with a request and reads back the JSON file it writes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_CONFIG_FILE } from '../../shared/config/bundled';
import { ROOT } from './builds';

/** The environment serverless.yml gives the functions (values the child overrides where the sim knows better). */
function childEnv(nodeOptions: string | undefined): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    FLEETPILOT_CONFIG_FILE: BUNDLED_CONFIG_FILE,
    // Lambda sets it for every function ("Defined runtime environment variables").
    AWS_REGION: 'eu-west-1',
    FLEETPILOT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts',
    FLEETPILOT_CONTINUATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/ContinuationQueue',
    FLEETPILOT_DNS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/DnsChangeQueue',
    POWERTOOLS_SERVICE_NAME: 'fleetpilot',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  };
}

export function runChild<Result>(
  entry: string,
  request: Record<string, unknown>,
  options: { nodeOptions?: string; execArgv?: readonly string[] } = {},
): Result {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpilot-bench-'));
  const resultFile = join(dir, 'result.json');
  try {
    const run = spawnSync(
      process.execPath,
      [...(options.execArgv ?? []), entry, JSON.stringify({ ...request, resultFile })],
      {
        cwd: ROOT,
        env: childEnv(options.nodeOptions),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (run.status !== 0) {
      throw new Error(`child ${entry} failed (exit ${run.status}):\n${run.stderr}\n${run.stdout.slice(-4000)}`);
    }
    return JSON.parse(readFileSync(resultFile, 'utf8')) as Result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
