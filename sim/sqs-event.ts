import type { SQSRecord } from 'aws-lambda';
import type { QueuedMessage } from './sqs';

/** An SQS record in the shape of the Lambda developer guide's sample event (events/sqs-event.json). */
export function sqsRecordFor(
  message: QueuedMessage,
  queueUrl: string,
  region: string,
  receiveCount: number,
): SQSRecord {
  const [, , , account, name] = queueUrl.split('/');
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(message.visibleAt),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([key, value]) => [
        key,
        {
          dataType: value.DataType,
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${region}:${account}:${name}`,
    awsRegion: region,
  };
}
