/**
 * The dependencies every handler is built from, and their cold-start defaults: read and validated once per
 * execution environment, failing fast with a ConfigError that names what is missing.
 */
import { resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients, ClientClasses, ClientsFor } from '../aws/clients';
import { createClients } from '../aws/clients';
import { loadBundledConfig } from '../config/bundled';
import type { FleetpilotConfig } from '../config/schema';
import type { ConfigSection } from '../config/section';
import { ConfigError } from '../errors';
import { logger } from '../log/logger';
import { createSnsNotifier, type Notifier } from '../notify/notifier';
import { type Clock, systemClock } from './clock';

/** What a handler is built from; `Clients` narrows the SDK clients to those its function uses. */
export interface HandlerDeps<Clients extends Partial<AwsClients> = AwsClients> {
  config: FleetpilotConfig;
  clients: Clients;
  notifier: Notifier;
  clock: Clock;
  continuationQueueUrl: string;
  /** The Route 53 writer's queue: every record change goes there (shared/dns). */
  dnsQueueUrl: string;
  log: Logger;
  /** The stage this function was deployed with (FLEETPILOT_STAGE), where serverless.yml sets it. */
  stage?: string;
}

/** The client classes a deployed function passes: any of AWS_SERVICES, SNS always (the notifier publishes there). */
export type ColdStartClasses = ClientClasses & Required<Pick<ClientClasses, 'sns'>>;

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError('environment', [`${name} is not set (serverless.yml sets it on deploy)`]);
  return value;
}

/** FLEETPILOT_DRY_RUN=true forces dry run for every service, whatever the config says (used by `npm run invoke`). */
export function forceDryRun(config: FleetpilotConfig): FleetpilotConfig {
  return { ...config, dryRun: true, services: config.services.map((s) => ({ ...s, dryRun: true })) };
}

/**
 * A deployed function's deps at cold start, with exactly the clients whose classes it passes and the config sections
 * it reads, e.g. `coldStartDeps({ ec2: EC2Client, sns: SNSClient }, lifecycleConfig)`. The config is the JSON written
 * when packaging (FLEETPILOT_CONFIG_FILE, see shared/config/bundled.ts); the base and `section` are validated again.
 */
export function coldStartDeps<C extends ColdStartClasses>(
  classes: C,
  section: ConfigSection,
  env: NodeJS.ProcessEnv = process.env,
): HandlerDeps<ClientsFor<C>> {
  // Relative to the package root: /var/task on Lambda (LAMBDA_TASK_ROOT), the repository when run locally.
  const loaded = loadBundledConfig(resolve(env.LAMBDA_TASK_ROOT ?? '.', requiredEnv(env, 'FLEETPILOT_CONFIG_FILE')), [
    section,
  ]);
  const config = env.FLEETPILOT_DRY_RUN === 'true' ? forceDryRun(loaded) : loaded;
  const clients = createClients(classes, { region: config.region });
  return {
    config,
    clients,
    notifier: createSnsNotifier((clients as Pick<AwsClients, 'sns'>).sns, requiredEnv(env, 'FLEETPILOT_TOPIC_ARN')),
    clock: systemClock,
    continuationQueueUrl: requiredEnv(env, 'FLEETPILOT_CONTINUATION_QUEUE_URL'),
    dnsQueueUrl: requiredEnv(env, 'FLEETPILOT_DNS_QUEUE_URL'),
    log: logger,
    ...(env.FLEETPILOT_STAGE ? { stage: env.FLEETPILOT_STAGE } : {}),
  };
}
