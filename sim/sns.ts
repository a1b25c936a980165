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
 * Approximated: no subscriptions or delivery; FIFO topics are not modelled.
 */
import {
  type CreateTopicCommandInput,
  type CreateTopicCommandOutput,
  InvalidParameterException,
  NotFoundException,
  type PublishCommandInput,
  type PublishCommandOutput,
} from '@aws-sdk/client-sns';
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

type SnsOperations = {
  Publish: readonly [PublishCommandInput, PublishCommandOutput];
  CreateTopic: readonly [CreateTopicCommandInput, CreateTopicCommandOutput];
};

const MAX_BYTES = 262_144;

const invalid = (message: string): Error => serviceError(InvalidParameterException, { message });

export class SnsService implements SimService {
  readonly name = 'sns' as const;
  private readonly topics = new Set<string>();
  private readonly deleted = new Set<string>();
  /** Every accepted message, in publish order. */
  readonly published: PublishedMessage[] = [];

  constructor(
    private readonly ctx: SimContext,
    topicNames: string[],
  ) {
    for (const name of topicNames) this.createTopic(name);
  }

  private readonly table: OperationTable<SnsOperations> = {
    Publish: (input) => this.publish(input),
    CreateTopic: (input) => ({ TopicArn: this.createTopic(input.Name ?? '') }),
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
    return { MessageId: messageId };
  }
}
