/**
 * Simulated Amazon SQS: SendMessage, and a sim-side way to take the messages that are due.
 *
 * Modelled (SQS API reference, SendMessage): DelaySeconds 0–900 (InvalidParameterValue otherwise); body
 * at most 256 KB = 262,144 bytes; MD5OfMessageBody as AWS computes it (the SDK checks it); unknown queue
 * → QueueDoesNotExist ("The specified queue does not exist.").
 *
 * Approximated: no ReceiveMessage/visibility timeout/redrive through the API. The local runtime (the event source
 * mappings of sim/lambda.ts) learns of new or returned messages through `onChange`, takes visible ones with
 * `receive(queueUrl, max, maxBytes)` (or all of them with `takeDue`), puts failed ones back with `returnToQueue`,
 * and parks one in the queue's dead-letter list with `deadLetter`. MD5OfMessageAttributes is not returned.
 */
import { createHash } from 'node:crypto';
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  type BatchResultErrorEntry,
  EmptyBatchRequest,
  QueueDoesNotExist,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchResultEntry,
  type SendMessageCommandInput,
  type SendMessageCommandOutput,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { byCodeUnit, lookupIn, type OperationTable, type SimContext, type SimService } from './context';
import { serviceError } from './errors';

export interface QueueSpec {
  name: string;
}

export interface QueuedMessage {
  messageId: string;
  body: string;
  attributes: Record<string, { DataType: string; StringValue?: string }>;
  sentAt: number;
  visibleAt: number;
}

interface SimQueue {
  url: string;
  arn: string;
  name: string;
  messages: QueuedMessage[];
  deadLetters: QueuedMessage[];
}

type SqsOperations = {
  SendMessage: readonly [SendMessageCommandInput, SendMessageCommandOutput];
  SendMessageBatch: readonly [SendMessageBatchCommandInput, SendMessageBatchCommandOutput];
};

/** Called with a queue's URL when a message was added to it (sent, or returned after a failed receive). */
export type QueueListener = (queueUrl: string) => void;

/** Bytes a message weighs in an invocation payload: body and attributes, plus the record's fixed fields. */
export const recordBytes = (message: QueuedMessage): number =>
  Buffer.byteLength(message.body, 'utf8') + Buffer.byteLength(JSON.stringify(message.attributes), 'utf8') + 512;

export class SqsService implements SimService {
  readonly name = 'sqs' as const;
  private readonly queues = new Map<string, SimQueue>();
  private readonly listeners = new Set<QueueListener>();

  constructor(
    private readonly ctx: SimContext,
    specs: QueueSpec[],
  ) {
    for (const spec of specs) this.createQueue(spec.name);
  }

  private readonly table: OperationTable<SqsOperations> = {
    SendMessage: (input) => this.sendMessage(input),
    SendMessageBatch: (input) => this.sendMessageBatch(input),
  };

  readonly operationHandler = lookupIn(this.table);

  createQueue(name: string): string {
    const url = `https://sqs.${this.ctx.region}.amazonaws.com/${this.ctx.accountId}/${name}`;
    if (!this.queues.has(url)) {
      this.queues.set(url, {
        url,
        name,
        arn: `arn:aws:sqs:${this.ctx.region}:${this.ctx.accountId}:${name}`,
        messages: [],
        deadLetters: [],
      });
    }
    return url;
  }

  urlOf(name: string): string {
    return `https://sqs.${this.ctx.region}.amazonaws.com/${this.ctx.accountId}/${name}`;
  }

  /** Be told when a message is added to a queue; returns an unsubscribe function. */
  onChange(listener: QueueListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many messages are visible now, and their payload weight (`recordBytes`). */
  visible(queueUrl: string): { count: number; bytes: number } {
    const now = this.ctx.now();
    const visible = this.mustQueue(queueUrl).messages.filter((message) => message.visibleAt <= now);
    return { count: visible.length, bytes: visible.reduce((sum, message) => sum + recordBytes(message), 0) };
  }

  /** When the next invisible message becomes visible (undefined when none is waiting). */
  nextVisibleAt(queueUrl: string): number | undefined {
    const now = this.ctx.now();
    const later = this.mustQueue(queueUrl)
      .messages.filter((message) => message.visibleAt > now)
      .map((message) => message.visibleAt);
    return later.length === 0 ? undefined : Math.min(...later);
  }

  /** Remove and return up to `max` visible messages, oldest first, whose `recordBytes` add up to at most `maxBytes`. */
  receive(queueUrl: string, max: number, maxBytes: number): QueuedMessage[] {
    const queue = this.mustQueue(queueUrl);
    const now = this.ctx.now();
    const taken: QueuedMessage[] = [];
    let bytes = 0;
    for (const message of queue.messages) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      const weight = recordBytes(message);
      if (taken.length > 0 && bytes + weight > maxBytes) break;
      taken.push(message);
      bytes += weight;
    }
    const takenIds = new Set(taken.map((message) => message.messageId));
    queue.messages = queue.messages.filter((message) => !takenIds.has(message.messageId));
    return taken;
  }

  /** Remove and return the messages whose delay has passed, oldest first. */
  takeDue(queueUrl: string): QueuedMessage[] {
    const queue = this.mustQueue(queueUrl);
    const now = this.ctx.now();
    const due = queue.messages.filter((message) => message.visibleAt <= now);
    queue.messages = queue.messages.filter((message) => message.visibleAt > now);
    return due;
  }

  /** Put a received message back, invisible until `visibleAt` (a failed receive, after the visibility timeout). */
  returnToQueue(queueUrl: string, message: QueuedMessage, visibleAt: number): void {
    this.mustQueue(queueUrl).messages.push({ ...message, visibleAt });
    this.changed(queueUrl);
  }

  /** Park a message in the queue's dead-letter list (the runtime decides when). */
  deadLetter(queueUrl: string, message: QueuedMessage): void {
    this.mustQueue(queueUrl).deadLetters.push(message);
  }

  view(): Array<{ url: string; waiting: QueuedMessage[]; deadLetters: QueuedMessage[] }> {
    return [...this.queues.values()]
      .sort((a, b) => byCodeUnit(a.url, b.url))
      .map((queue) => ({ url: queue.url, waiting: [...queue.messages], deadLetters: [...queue.deadLetters] }));
  }

  private sendMessage(input: SendMessageCommandInput) {
    const queue = this.queues.get(input.QueueUrl ?? '');
    if (!queue) throw serviceError(QueueDoesNotExist, { message: 'The specified queue does not exist.' });
    const delay = input.DelaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw serviceError(SQSServiceException, {
        code: 'InvalidParameterValue',
        message: `Value ${delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided.`,
      });
    }
    const body = input.MessageBody ?? '';
    if (body.length === 0) {
      throw serviceError(SQSServiceException, {
        code: 'MissingParameter',
        message: 'The request must contain the parameter MessageBody.',
      });
    }
    if (Buffer.byteLength(body, 'utf8') > 262_144) {
      throw serviceError(SQSServiceException, {
        code: 'InvalidParameterValue',
        message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
      });
    }
    const now = this.ctx.now();
    const messageId = this.ctx.ids.uuid();
    const attributes: QueuedMessage['attributes'] = {};
    for (const [name, attribute] of Object.entries(input.MessageAttributes ?? {})) {
      attributes[name] = {
        DataType: attribute.DataType ?? 'String',
        ...(attribute.StringValue !== undefined ? { StringValue: attribute.StringValue } : {}),
      };
    }
    queue.messages.push({ messageId, body, attributes, sentAt: now, visibleAt: now + delay * 1000 });
    this.changed(queue.url);
    return { MessageId: messageId, MD5OfMessageBody: createHash('md5').update(body, 'utf8').digest('hex') };
  }

  /**
   * SQS API reference, SendMessageBatch: 1–10 entries with distinct Ids (EmptyBatchRequest,
   * TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct), the bodies together at most 262,144 bytes
   * (BatchRequestTooLong); an entry that fails on its own is listed in `Failed` and the others are sent.
   */
  private sendMessageBatch(input: SendMessageBatchCommandInput) {
    if (!this.queues.has(input.QueueUrl ?? '')) {
      throw serviceError(QueueDoesNotExist, { message: 'The specified queue does not exist.' });
    }
    const entries = input.Entries ?? [];
    if (entries.length === 0) {
      throw serviceError(EmptyBatchRequest, {
        message: 'There should be at least one SendMessageBatchRequestEntry in the request.',
      });
    }
    if (entries.length > 10) {
      throw serviceError(TooManyEntriesInBatchRequest, {
        message: `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      });
    }
    const ids = entries.map((e) => e.Id ?? '');
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated !== undefined) {
      throw serviceError(BatchEntryIdsNotDistinct, { message: `Id ${repeated} repeated.` });
    }
    const total = entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? '', 'utf8'), 0);
    if (total > 262_144) {
      throw serviceError(BatchRequestTooLong, {
        message: `Batch requests cannot be longer than 262144 bytes. You have sent ${total} bytes.`,
      });
    }
    const Successful: SendMessageBatchResultEntry[] = [];
    const Failed: BatchResultErrorEntry[] = [];
    for (const entry of entries) {
      try {
        const out = this.sendMessage({ ...entry, QueueUrl: input.QueueUrl });
        Successful.push({ Id: entry.Id, MessageId: out.MessageId, MD5OfMessageBody: out.MD5OfMessageBody });
      } catch (error) {
        const e = error as { name?: string; message?: string };
        Failed.push({
          Id: entry.Id,
          SenderFault: true,
          Code: e.name ?? 'InvalidParameterValue',
          Message: e.message ?? '',
        });
      }
    }
    return { Successful, Failed };
  }

  private changed(queueUrl: string): void {
    for (const listener of [...this.listeners]) listener(queueUrl);
  }

  private mustQueue(queueUrl: string): SimQueue {
    const queue = this.queues.get(queueUrl);
    if (!queue) throw new Error(`SimAccount: unknown queue ${queueUrl}`);
    return queue;
  }
}
