/**
 * What every event handler does with an event that does not have the shape AWS documents: log it (nothing changed)
 * and send one warning that lists each problem, under the capability's own kind.
 */
import type { EventValidationError } from '../errors';
import { type Notifier, notifySafely } from './notifier';

export async function reportRejectedEvent(
  notifier: Notifier,
  log: { error(message: string, fields: Record<string, unknown>): void },
  kind: string,
  error: EventValidationError,
  correlationId: string,
): Promise<void> {
  log.error('rejected a malformed event; no AWS resource was changed', { error });
  await notifySafely(notifier, log, {
    severity: 'warning',
    kind,
    title: `Malformed ${error.kind} ignored`,
    summary: 'The event does not match the shape AWS documents, so fleetpilot changed nothing.',
    facts: error.issues.map((issue, i): [string, string] => [`Problem ${i + 1}`, issue]),
    links: [],
    correlationId,
  });
}

/** An event's own id, for correlation, when it has a usable one (capped: the event is not trusted yet). */
export function eventIdOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id.length > 0 ? id.slice(0, 128) : 'unknown';
}
