/**
 * The dependencies every handler is built from, and their cold-start defaults: read and validated once per
 * execution environment, failing fast with a ConfigError that names what is missing.
 */
import { resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type AwsClients, createClients } from '../aws/clients';
import { loadConfig } from '../config/load';
import type { FleetpilotConfig } from '../config/schema';
import { ConfigError } from '../errors';
import { logger } from '../log/logger';
import { createSnsNotifier, type Notifier } from '../notify/notifier';
import { type Clock, systemClock } from './clock';

export interface HandlerDeps {
  config: FleetpilotConfig;
  clients: AwsClients;
  notifier: Notifier;
  clock: Clock;
  continuationQueueUrl: string;
  /** The Route 53 writer's queue: every record change goes there (shared/dns). */
  dnsQueueUrl: string;
  log: Logger;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError('environment', [`${name} is not set (serverless.yml sets it on deploy)`]);
  return value;
}

/** FLEETPILOT_DRY_RUN=true forces dry run for every service, whatever the config says (used by `npm run invoke`). */
export function forceDryRun(config: FleetpilotConfig): FleetpilotConfig {
  return { ...config, dryRun: true, services: config.services.map((s) => ({ ...s, dryRun: true })) };
}

export function coldStartDeps(env: NodeJS.ProcessEnv = process.env): HandlerDeps {
  // Relative to the package root: /var/task on Lambda (LAMBDA_TASK_ROOT), the repository when run locally.
  const loaded = loadConfig(resolve(env.LAMBDA_TASK_ROOT ?? '.', requiredEnv('FLEETPILOT_CONFIG_FILE')));
  const config = env.FLEETPILOT_DRY_RUN === 'true' ? forceDryRun(loaded) : loaded;
  const clients = createClients({ region: config.region });
  return {
    config,
    clients,
    notifier: createSnsNotifier(clients.sns, requiredEnv('FLEETPILOT_TOPIC_ARN')),
    clock: systemClock,
    continuationQueueUrl: requiredEnv('FLEETPILOT_CONTINUATION_QUEUE_URL'),
    dnsQueueUrl: requiredEnv('FLEETPILOT_DNS_QUEUE_URL'),
    log: logger,
  };
}
