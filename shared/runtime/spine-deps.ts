/**
 * Cold-start deps of a spine function that needs no fleetpilot config (the Route 53 writer): its clients, the
 * notifier, the clock and the logger. The region is the function's own (Lambda sets AWS_REGION; Lambda developer
 * guide, "Defined runtime environment variables"). Kept apart from deps.ts so that such a bundle carries neither the
 * config schema nor its loader.
 */
import type { AwsClients, ClientsFor } from '../aws/clients';
import { createClients } from '../aws/clients';
import { ConfigError } from '../errors';
import { logger } from '../log/logger';
import { createSnsNotifier } from '../notify/notifier';
import { systemClock } from './clock';
import type { ColdStartClasses, HandlerDeps } from './deps';

export type SpineDeps<Clients extends Partial<AwsClients>> = Pick<
  HandlerDeps<Clients>,
  'clients' | 'notifier' | 'clock' | 'log'
>;

export function spineColdStartDeps<C extends ColdStartClasses>(
  classes: C,
  env: NodeJS.ProcessEnv = process.env,
): SpineDeps<ClientsFor<C>> {
  const required = (name: string): string => {
    const value = env[name];
    if (!value)
      throw new ConfigError('environment', [`${name} is not set (Lambda and serverless.yml set it on deploy)`]);
    return value;
  };
  const clients = createClients(classes, { region: required('AWS_REGION') });
  return {
    clients,
    notifier: createSnsNotifier((clients as Pick<AwsClients, 'sns'>).sns, required('FLEETPILOT_TOPIC_ARN')),
    clock: systemClock,
    log: logger,
  };
}
