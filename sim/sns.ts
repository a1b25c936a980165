/**
 * Simulated Amazon SNS: topics and Publish, with every message recorded for assertions.
 *
 * Modelled (SNS API reference, Publish, https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
 * - Subject at most 100 characters, printable ASCII without line breaks → otherwise InvalidParameter
 *   ("Invalid parameter: Subject").
 * - Message required and non-empty ("Invalid parameter: Empty message"); message plus attributes at most
 *   256 KB = 262,144 bytes ("Invalid parameter: Message too long").
 * - MessageStructure=json: the message must parse as a JSON object ("Invalid parameter: Message Structure
 *   - JSON message body failed to parse") with a string `default` entry ("Invalid parameter: Message
 *   Structure - No default entry in JSON message body").
 * - MessageAttributes need a DataType of String, String.Array, Number or Binary (optionally with a custom
 *   label after a dot) and a value.
 * - Unknown topic → NotFound ("Topic does not exist"). The SDK maps SNS's wire codes to its classes
 *   InvalidParameterException and NotFoundException, which is what the sim throws.
 *
 * Subscriptions (SNS developer guide, "Fanout to Amazon SQS queues", "Amazon SNS raw message delivery", "Amazon SNS
 * subscription filter policies"; API reference, Subscribe):
 * - Protocol `sqs` (Endpoint: the queue's ARN) is delivered: without raw delivery the queue receives the JSON envelope
 *   { Type "Notification", MessageId, TopicArn, Subject?, Message, Timestamp, SignatureVersion, Signature,
 *   SigningCertURL, UnsubscribeURL, MessageAttributes? { name: { Type, Value } } }; with RawMessageDelivery the message
 *   alone, its attributes as SQS message attributes. With MessageStructure=json the message is the `sqs` entry, else
 *   `default`.
 * - A filter policy (FilterPolicyScope MessageAttributes) on attributes: every key must match (AND); a key's array
 *   matches when one of its conditions does (OR): an exact string, {"prefix"}, {"anything-but": value or list},
 *   {"exists": true|false}. A key names an attribute the message must carry, unless `exists: false`.
 * - Protocol `email` / `email-json` subscriptions are recorded (pending confirmation) and not delivered.
 *
 * Approximated: delivery is immediate (AWS delivers asynchronously, retrying); a queue that refuses is counted in
 * `failedDeliveries` (AWS would retry, then drop or dead-letter). No numeric or payload-based filter policies, no
 * Lambda or HTTP protocols, no signatures (the Signature is a stand-in). FIFO topics are not modelled.
 */

import {
  type CreateTopicCommandInput,
  type CreateTopicCommandOutput,
  InvalidParameterException,
  NotFoundException,
  type PublishCommandInput,
  type PublishCommandOutput,
  type SubscribeCommandInput,
  type SubscribeCommandOutput,
} from '@aws-sdk/client-sns';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { byCodeUnit, lookupIn, type OperationTable, type SimContext, type SimService } from './context';
import { serviceError } from './errors';

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  message: string;
  subject?: string;
  messageStructure?: string;
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  publishedAt: number;
}

export interface SubscriptionSpec {
  topicArn: string;
  protocol: 'sqs' | 'email' | 'email-json';
  /** The queue's ARN (sqs) or the address (email). */
  endpoint: string;
  rawMessageDelivery?: boolean;
  /** A filter policy on message attributes, as JSON text or an object. */
  filterPolicy?: string | Record<string, unknown>;
}

interface Subscription extends SubscriptionSpec {
  arn: string;
  filter?: FilterPolicy;
}

type FilterCondition = string | { prefix: string } | { 'anything-but': string | string[] } | { exists: boolean };
type FilterPolicy = Record<string, FilterCondition[]>;

/** Sends to a queue by ARN (the account plugs its SQS in); throws what SendMessage throws. */
export type SqsSender = (queueArn: string, body: string, attributes: Record<string, MessageAttributeValue>) => void;

type SnsOperations = {
  Publish: readonly [PublishCommandInput, PublishCommandOutput];
  CreateTopic: readonly [CreateTopicCommandInput, CreateTopicCommandOutput];
  Subscribe: readonly [SubscribeCommandInput, SubscribeCommandOutput];
};

const MAX_BYTES = 262_144;

const invalid = (message: string): Error => serviceError(InvalidParameterException, { message });

export class SnsService implements SimService {
  readonly name = 'sns' as const;
  private readonly topics = new Set<string>();
  private readonly deleted = new Set<string>();
  /** Every accepted message, in publish order. */
  readonly published: PublishedMessage[] = [];
  readonly subscriptions: Subscription[] = [];
  /** Deliveries a subscribed queue refused (AWS would retry them, then drop or dead-letter them). */
  readonly failedDeliveries: { subscriptionArn: string; messageId: string; error: string }[] = [];
  /** Set by the account: how messages reach SQS subscribers. */
  sqsSender?: SqsSender;

  constructor(
    private readonly ctx: SimContext,
    topicNames: string[],
  ) {
    for (const name of topicNames) this.createTopic(name);
  }

  private readonly table: OperationTable<SnsOperations> = {
    Publish: (input) => this.publish(input),
    CreateTopic: (input) => ({ TopicArn: this.createTopic(input.Name ?? '') }),
    Subscribe: (input) => {
      const protocol = input.Protocol ?? '';
      if (protocol !== 'sqs' && protocol !== 'email' && protocol !== 'email-json') {
        throw invalid('Invalid parameter: Protocol');
      }
      const attributes = input.Attributes ?? {};
      const arn = this.subscribe({
        topicArn: input.TopicArn ?? '',
        protocol,
        endpoint: input.Endpoint ?? '',
        rawMessageDelivery: attributes.RawMessageDelivery === 'true',
        ...(attributes.FilterPolicy ? { filterPolicy: attributes.FilterPolicy } : {}),
      });
      return { SubscriptionArn: protocol === 'sqs' || input.ReturnSubscriptionArn ? arn : 'pending confirmation' };
    },
  };

  readonly operationHandler = lookupIn(this.table);

  createTopic(name: string): string {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
      throw invalid('Invalid parameter: Topic Name');
    }
    const arn = `arn:aws:sns:${this.ctx.region}:${this.ctx.accountId}:${name}`;
    this.topics.add(arn);
    return arn;
  }

  /**
   * The effect of DeleteTopic by an operator: later publishes fail with NotFound. The ARN stays listed here because
   * the functions' environment (set by CloudFormation) still holds it.
   */
  deleteTopic(arn: string): void {
    this.deleted.add(arn);
  }

  /** Subscribes an endpoint (CloudFormation's AWS::SNS::Subscription or the Subscribe API); returns its ARN. */
  subscribe(spec: SubscriptionSpec): string {
    if (!this.topics.has(spec.topicArn) || this.deleted.has(spec.topicArn)) {
      throw serviceError(NotFoundException, { message: 'Topic does not exist' });
    }
    if (spec.protocol === 'sqs' && !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(spec.endpoint)) {
      throw invalid('Invalid parameter: SQS endpoint ARN');
    }
    const filter = spec.filterPolicy === undefined ? undefined : parseFilterPolicy(spec.filterPolicy);
    const arn = `${spec.topicArn}:${this.ctx.ids.uuid()}`;
    this.subscriptions.push({ ...spec, arn, ...(filter ? { filter } : {}) });
    return arn;
  }

  topicArns(): string[] {
    return [...this.topics].sort(byCodeUnit);
  }

  private publish(input: PublishCommandInput) {
    const topicArn = input.TopicArn ?? input.TargetArn;
    if (topicArn === undefined)
      throw invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (input.Message === undefined || input.Message === '') throw invalid('Invalid parameter: Empty message');
    if (input.Subject !== undefined) {
      if (input.Subject.length === 0 || input.Subject.length > 100 || !/^[\x20-\x7e]+$/.test(input.Subject)) {
        throw invalid('Invalid parameter: Subject');
      }
    }
    if (input.MessageStructure !== undefined) {
      if (input.MessageStructure !== 'json') throw invalid('Invalid parameter: MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(input.Message);
      } catch {
        throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw invalid('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (typeof (parsed as Record<string, unknown>).default !== 'string') {
        throw invalid('Invalid parameter: Message Structure - No default entry in JSON message body');
      }
    }
    const attributes: PublishedMessage['attributes'] = {};
    let bytes = Buffer.byteLength(input.Message, 'utf8');
    for (const [name, attribute] of Object.entries(input.MessageAttributes ?? {}).sort(([a], [b]) =>
      byCodeUnit(a, b),
    )) {
      const type = attribute.DataType ?? '';
      if (!/^(String|String\.Array|Number|Binary)(\..+)?$/.test(type)) {
        throw invalid(`Invalid parameter: MessageAttributes.${name}.DataType`);
      }
      const isBinary = type.startsWith('Binary');
      if (isBinary ? attribute.BinaryValue === undefined : attribute.StringValue === undefined) {
        throw invalid(
          `Invalid parameter: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        );
      }
      const value = isBinary
        ? Buffer.from(attribute.BinaryValue ?? new Uint8Array()).toString('base64')
        : (attribute.StringValue ?? '');
      bytes += Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(value);
      attributes[name] = isBinary ? { DataType: type, BinaryValue: value } : { DataType: type, StringValue: value };
    }
    if (bytes > MAX_BYTES) throw invalid('Invalid parameter: Message too long');
    if (!this.topics.has(topicArn) || this.deleted.has(topicArn)) {
      throw serviceError(NotFoundException, { message: 'Topic does not exist' });
    }
    const messageId = this.ctx.ids.uuid();
    this.published.push({
      messageId,
      topicArn,
      message: input.Message,
      ...(input.Subject !== undefined ? { subject: input.Subject } : {}),
      ...(input.MessageStructure !== undefined ? { messageStructure: input.MessageStructure } : {}),
      attributes,
      publishedAt: this.ctx.now(),
    });
    this.deliver(topicArn, messageId, input, attributes);
    return { MessageId: messageId };
  }

  private deliver(
    topicArn: string,
    messageId: string,
    input: PublishCommandInput,
    attributes: PublishedMessage['attributes'],
  ): void {
    for (const subscription of this.subscriptions) {
      if (subscription.topicArn !== topicArn || subscription.protocol !== 'sqs') continue;
      if (subscription.filter && !matchesFilter(subscription.filter, attributes)) continue;
      const message =
        input.MessageStructure === 'json'
          ? (() => {
              const bodies = JSON.parse(input.Message ?? '{}') as Record<string, unknown>;
              return String(typeof bodies.sqs === 'string' ? bodies.sqs : bodies.default);
            })()
          : (input.Message ?? '');
      const body = subscription.rawMessageDelivery
        ? message
        : JSON.stringify({
            Type: 'Notification',
            MessageId: messageId,
            TopicArn: topicArn,
            ...(input.Subject !== undefined ? { Subject: input.Subject } : {}),
            Message: message,
            Timestamp: new Date(this.ctx.now()).toISOString(),
            SignatureVersion: '1',
            Signature: Buffer.from(`sim-signature:${messageId}`).toString('base64'),
            SigningCertURL: `https://sns.${this.ctx.region}.amazonaws.com/SimpleNotificationService-sim.pem`,
            UnsubscribeURL: `https://sns.${this.ctx.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}`,
            ...(Object.keys(attributes).length > 0
              ? {
                  MessageAttributes: Object.fromEntries(
                    Object.entries(attributes).map(([name, a]) => [
                      name,
                      { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' },
                    ]),
                  ),
                }
              : {}),
          });
      const sqsAttributes: Record<string, MessageAttributeValue> = subscription.rawMessageDelivery
        ? Object.fromEntries(
            Object.entries(attributes).map(([name, a]) => [name, { DataType: a.DataType, StringValue: a.StringValue }]),
          )
        : {};
      try {
        if (!this.sqsSender) throw new Error('no SQS plugged into the simulated SNS');
        this.sqsSender(subscription.endpoint, body, sqsAttributes);
      } catch (error) {
        this.failedDeliveries.push({
          subscriptionArn: subscription.arn,
          messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
  }
}

function parseFilterPolicy(policy: string | Record<string, unknown>): FilterPolicy {
  let parsed: unknown = policy;
  if (typeof policy === 'string') {
    try {
      parsed = JSON.parse(policy);
    } catch {
      throw invalid('Invalid parameter: FilterPolicy: failed to parse JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Invalid parameter: FilterPolicy: expected a JSON object');
  }
  const out: FilterPolicy = {};
  for (const [key, conditions] of Object.entries(parsed)) {
    if (!Array.isArray(conditions)) throw invalid(`Invalid parameter: FilterPolicy: "${key}" must be an array`);
    out[key] = conditions.map((c: unknown): FilterCondition => {
      if (typeof c === 'string') return c;
      if (typeof c === 'object' && c !== null && !Array.isArray(c)) {
        const [operator, value] = Object.entries(c)[0] ?? [];
        if (operator === 'prefix' && typeof value === 'string') return { prefix: value };
        if (operator === 'exists' && typeof value === 'boolean') return { exists: value };
        if (
          operator === 'anything-but' &&
          (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')))
        ) {
          return { 'anything-but': value as string | string[] };
        }
      }
      throw invalid(`Invalid parameter: FilterPolicy: unsupported condition for "${key}" in the simulated account`);
    });
  }
  return out;
}

function matchesFilter(policy: FilterPolicy, attributes: PublishedMessage['attributes']): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    const value = attributes[key]?.StringValue;
    return conditions.some((c) => {
      if (typeof c === 'string') return value === c;
      if ('exists' in c) return c.exists === (value !== undefined);
      if (value === undefined) return false;
      if ('prefix' in c) return value.startsWith(c.prefix);
      const excluded = c['anything-but'];
      return Array.isArray(excluded) ? !excluded.includes(value) : value !== excluded;
    });
  });
}
