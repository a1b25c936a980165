import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger. POWERTOOLS_LOG_LEVEL sets the level (whole events are logged at DEBUG only);
 * correlation keys (service, asg, instance, event id) are appended per event with `withCorrelation`.
 */
export const logger = new Logger({ serviceName: 'fleetpilot' });

export interface Correlation {
  service?: string;
  asg?: string;
  instanceId?: string;
  eventId?: string;
}

/** Replaces the per-event correlation keys (Powertools keeps "temporary" keys until the next reset). */
export function withCorrelation(keys: Correlation): void {
  logger.resetKeys();
  const defined = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
  logger.appendKeys(defined);
}
