/**
 * The receiving side of the continuation: an SQS batch handler that parses every record into an envelope, groups
 * them by kind and hands each group to that kind's step function in one call (so the step can share its reads
 * across the whole batch). A record that is not a valid envelope, or names a kind this function does not serve,
 * is rejected once (redelivery cannot fix it) and never retried; a step reports the message ids that should come
 * back (ReportBatchItemFailures: SQS redelivers them after the visibility timeout).
 */
import type { SQSBatchResponse } from 'aws-lambda';
import type * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../errors';
import { type Envelope, parseEnvelope } from './envelope';

const MAX_MESSAGE_ID = 128;

export interface Received {
  messageId: string;
  envelope: Envelope;
}

/** Processes one batch of envelopes of one kind; returns the message ids to redeliver. */
export type BatchStep = (received: readonly Received[]) => Promise<readonly string[]>;

export interface DispatchPorts {
  steps: Readonly<Record<string, BatchStep>>;
  /** Told about every record that is rejected (malformed or of an unknown kind). */
  rejected(error: EventValidationError, messageId: string): Promise<void>;
}

export function makeContinuationHandler(ports: DispatchPorts) {
  return async (event: unknown): Promise<SQSBatchResponse> => {
    const records = (event as { Records?: unknown } | null)?.Records;
    if (!Array.isArray(records)) {
      await ports.rejected(
        new EventValidationError('SQS event', ['Records: expected an array of SQS messages']),
        'unknown',
      );
      return { batchItemFailures: [] };
    }
    const byKind = new Map<string, Received[]>();
    for (const record of records as unknown[]) {
      const { messageId, body } = (record ?? {}) as { messageId?: unknown; body?: unknown };
      // SQS message ids are UUIDs; a longer one was not written by SQS and must not fill logs and notifications.
      const id = typeof messageId === 'string' ? messageId.slice(0, MAX_MESSAGE_ID) : 'unknown';
      try {
        if (typeof body !== 'string')
          throw new EventValidationError('continuation message', ['body: expected a string']);
        const envelope = parseEnvelope(body);
        if (!ports.steps[envelope.kind]) {
          throw new EventValidationError('continuation message', [
            `kind: "${envelope.kind}" is not served here (known: ${Object.keys(ports.steps).join(', ')})`,
          ]);
        }
        byKind.set(envelope.kind, [...(byKind.get(envelope.kind) ?? []), { messageId: id, envelope }]);
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        await ports.rejected(error, id);
      }
    }
    const failures: string[] = [];
    for (const [kind, received] of byKind) {
      const step = ports.steps[kind];
      if (step) failures.push(...(await step(received)));
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/**
 * A received envelope's payload, checked against the schema of the capability that continues it. A payload that does
 * not match is an EventValidationError naming each field (`payload.<path>`), to be rejected once like the rest.
 */
export function payloadOf<T>(received: Received, schema: z.ZodType<T>): T | EventValidationError {
  const parsed = schema.safeParse(received.envelope.payload);
  if (parsed.success) return parsed.data;
  return new EventValidationError(
    'continuation message',
    parsed.error.issues.map((i) => `payload.${formatIssuePath(i.path)}: ${i.message}`),
  );
}
