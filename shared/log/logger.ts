import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger. POWERTOOLS_LOG_LEVEL sets the level (whole events are logged at DEBUG only);
 * correlation keys (service, group, instance, event id, phase) are set per event with `withCorrelation`.
 */
export const logger = new Logger({ serviceName: 'fleetpilot' });

export interface Correlation {
  /** The fleetpilot service (Powertools reserves the key `service` for its own service name). */
  fleetpilotService?: string;
  asg?: string;
  instanceId?: string;
  eventId?: string;
  phase?: string;
  /** Actions in the batch being worked on (continuations). */
  batchSize?: number;
}

/** Replaces the per-event correlation keys (Powertools keeps appended keys until they are reset). */
export function withCorrelation(log: Logger, keys: Correlation): void {
  log.resetKeys();
  log.appendKeys(Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined)));
}
