/**
 * Runs one deployed handler locally against whatever AWS endpoint the environment points at: a real account
 * (credentials and region from the usual AWS settings) or an AWS-compatible emulator (AWS_ENDPOINT_URL).
 *
 *   npm run invoke -- <function> <event.json> [--config fleetpilot.prod.yml] [--dry-run]
 *                     [--topic-arn arn:...] [--queue-url https://...] [--dns-queue-url https://...]
 *                     [--timeout-seconds 900]
 *
 * <function> is a key of `functions:` in serverless.yml (e.g. lifecycleLaunch). The handler is imported exactly as
 * deployed and builds its dependencies from the environment, which this script fills from the flags.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXAMPLE_CONFIG } from '../deploy/config-file';
import { writeBundledConfig } from '../shared/config/bundled';
import { loadConfig } from '../shared/config/load';
import { readWiring } from '../sim/wiring';

const usage =
  'usage: npm run invoke -- <function> <event.json> [--config FILE] [--dry-run] [--topic-arn ARN] [--queue-url URL] [--dns-queue-url URL] [--timeout-seconds N]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'topic-arn': { type: 'string' },
      'queue-url': { type: 'string' },
      'dns-queue-url': { type: 'string' },
      'timeout-seconds': { type: 'string', default: '900' },
    },
  });
  const [name, eventFile] = positionals;
  if (!name || !eventFile) {
    console.error(usage);
    return 2;
  }
  const configFile =
    values.config ?? process.env.FLEETPILOT_CONFIG ?? process.env.FLEETPILOT_CONFIG_FILE ?? EXAMPLE_CONFIG;
  const functions = readWiring(configFile).functions;
  const fn = functions.find((f) => f.name === name);
  if (!fn) {
    console.error(`unknown function "${name}"; serverless.yml defines: ${functions.map((f) => f.name).join(', ')}`);
    return 2;
  }
  const modulePath = resolve(__dirname, '..', fn.handler.module);
  const exportName = fn.handler.exportName;

  const env = process.env;
  // The handler reads the config as packaging ships it: validated, as JSON (shared/config/bundled.ts).
  const bundledConfig = join(mkdtempSync(join(tmpdir(), 'fleetpilot-invoke-')), 'config.json');
  writeBundledConfig(loadConfig(resolve(configFile)), bundledConfig);
  env.FLEETPILOT_CONFIG_FILE = bundledConfig;
  if (values['topic-arn']) env.FLEETPILOT_TOPIC_ARN = values['topic-arn'];
  if (values['queue-url']) env.FLEETPILOT_CONTINUATION_QUEUE_URL = values['queue-url'];
  if (values['dns-queue-url']) env.FLEETPILOT_DNS_QUEUE_URL = values['dns-queue-url'];
  if (values['dry-run']) env.FLEETPILOT_DRY_RUN = 'true';
  const flags: Record<string, string> = {
    FLEETPILOT_TOPIC_ARN: 'topic-arn',
    FLEETPILOT_CONTINUATION_QUEUE_URL: 'queue-url',
    FLEETPILOT_DNS_QUEUE_URL: 'dns-queue-url',
  };
  for (const [required, flag] of Object.entries(flags)) {
    if (!env[required]) {
      console.error(`${required} is not set: pass --${flag} or export it`);
      return 2;
    }
  }

  let event: unknown;
  try {
    event = JSON.parse(readFileSync(resolve(eventFile), 'utf8'));
  } catch (error) {
    console.error(`cannot read the event ${eventFile}: ${(error as Error).message}`);
    return 2;
  }
  const module = (await import(modulePath)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== 'function') {
    console.error(`${fn.handler.module}: no exported function "${exportName}"`);
    return 2;
  }
  const end = Date.now() + Number(values['timeout-seconds']) * 1000;
  const context = {
    functionName: `fleetpilot-local-${name}`,
    awsRequestId: `local-${Date.now()}`,
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
  };
  const result = await (handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
  console.log(JSON.stringify(result, null, 2));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
