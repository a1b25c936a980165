/**
 * The continuation: any capability's work that must go on later (a wait longer than one invocation, a retry with
 * back-off, the answer of the Route 53 writer) travels as one versioned envelope in a delayed SQS message:
 *
 *   { v: 1, kind, payload, hops, retries, result? }
 *
 * `kind` says which step function continues it (the receiving function dispatches by kind, see dispatch.ts);
 * `payload` is the capability's own state, validated by that capability; `hops` counts hand-overs, `retries` the
 * consecutive back-offs after retryable errors; `result` is filled by a spine service that answers on the
 * capability's behalf (the Route 53 writer puts its outcome there).
 *
 * Why a delayed SQS message (and not Step Functions or a one-off Scheduler schedule): a wait is "look again in N s",
 * which is exactly SendMessage with DelaySeconds (0–900 s, SQS developer guide "Amazon SQS delay queues"); the
 * queue's redrive policy gives a dead-letter queue; IAM is one action on one queue; nothing is left to clean up.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../errors';

/** SQS's maximum DelaySeconds. */
export const MAX_DELAY_S = 900;
/** SendMessageBatch takes at most ten entries (SQS API reference). */
const SQS_BATCH_MAX = 10;
/** Kinds are short dotted names, e.g. `lifecycle.step`. */
const KIND = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;

export const envelopeSchema = z.object({
  v: z.literal(1),
  kind: z.string().max(100).regex(KIND, 'expected a dotted kind such as "lifecycle.step"'),
  payload: z.unknown(),
  hops: z.number().int().min(0),
  retries: z.number().int().min(0),
  result: z.unknown().optional(),
});

export interface Envelope<P = unknown> {
  v: 1;
  kind: string;
  payload: P;
  hops: number;
  retries: number;
  result?: unknown;
}

export function envelope<P>(kind: string, payload: P, hops = 0, retries = 0): Envelope<P> {
  return { v: 1, kind, payload, hops, retries };
}

export function parseEnvelope(body: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError('continuation message', ['body is not JSON'], { cause: error });
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw new EventValidationError(
      'continuation message',
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data as Envelope;
}

/** Where an envelope goes next: the queue of the function that continues it. */
export interface Continuation<P = unknown> {
  queueUrl: string;
  envelope: Envelope<P>;
}

export const continuationSchema = z.object({ queueUrl: z.string().url(), envelope: envelopeSchema });

export interface Outgoing extends Continuation {
  delaySeconds: number;
  /** A string attribute for logs and the simulated account's timeline (e.g. the instance id). */
  subject?: string;
}

export class ContinuationSendError extends Error {
  override readonly name = 'ContinuationSendError';
  constructor(
    readonly failed: readonly { subject?: string; code?: string; message?: string }[],
    options?: ErrorOptions,
  ) {
    super(
      `SQS refused ${failed.length} continuation(s): ${failed.map((f) => `${f.subject ?? '?'} ${f.code ?? ''} ${f.message ?? ''}`.trim()).join('; ')}`,
      options,
    );
  }
}

/** Sends envelopes, ten per SendMessageBatch per queue. Throws ContinuationSendError naming any entry SQS refused. */
export async function sendContinuations(sqs: SQSClient, outgoing: readonly Outgoing[]): Promise<void> {
  const byQueue = new Map<string, Outgoing[]>();
  for (const o of outgoing) byQueue.set(o.queueUrl, [...(byQueue.get(o.queueUrl) ?? []), o]);
  const failed: { subject?: string; code?: string; message?: string }[] = [];
  for (const [queueUrl, items] of byQueue) {
    for (let i = 0; i < items.length; i += SQS_BATCH_MAX) {
      const chunk = items.slice(i, i + SQS_BATCH_MAX);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((o, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(o.envelope),
            DelaySeconds: Math.max(0, Math.min(MAX_DELAY_S, Math.round(o.delaySeconds))),
            MessageAttributes: {
              kind: { DataType: 'String', StringValue: o.envelope.kind },
              ...(o.subject ? { subject: { DataType: 'String', StringValue: o.subject } } : {}),
            },
          })),
        }),
      );
      for (const f of out.Failed ?? []) {
        const item = chunk[Number(f.Id)];
        failed.push({
          ...(item?.subject ? { subject: item.subject } : {}),
          ...(f.Code ? { code: f.Code } : {}),
          ...(f.Message ? { message: f.Message } : {}),
        });
      }
    }
  }
  if (failed.length > 0) throw new ContinuationSendError(failed);
}
