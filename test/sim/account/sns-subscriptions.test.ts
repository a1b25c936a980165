/**
 * SNS subscriptions on the simulated account: SQS delivery with AWS's envelope or raw, filter policies on attributes,
 * and the per-protocol `sqs` body of a MessageStructure=json message.
 */
import { PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { parseEnvelope, receivedFrom } from '../../../functions/slack/envelope';
import { publishInput } from '../../../shared/notify/notifier';
import { aNotification } from '../../unit/slack/harness';
import { type Harness, startAccount } from './harness';

let h: Harness;
const TOPIC = 'fleetpilot-alerts';
const topicArn = () => `arn:aws:sns:eu-west-1:123456789012:${TOPIC}`;
const waiting = (queue: string) => h.account.sqs.view().find((q) => q.url.endsWith(`/${queue}`))?.waiting ?? [];

beforeEach(() => {
  h = startAccount({ topics: [TOPIC], queues: [{ name: 'SlackQueue' }, { name: 'Raw' }, { name: 'Critical' }] });
});
afterEach(() => h.done());

describe('simulated SNS subscriptions', () => {
  it('delivers the JSON envelope with the sqs entry as Message, which the Slack function reads back', async () => {
    // Arrange
    h.account.sns.subscribe({
      topicArn: topicArn(),
      protocol: 'sqs',
      endpoint: 'arn:aws:sqs:eu-west-1:123456789012:SlackQueue',
    });
    const n = aNotification();

    // Act
    const { MessageId } = await h.sns.send(new PublishCommand(publishInput(topicArn(), n)));

    // Assert
    const [message] = waiting('SlackQueue');
    const envelope = JSON.parse(message?.body ?? '{}');
    expect(envelope).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: topicArn(),
      Subject: '[fleetpilot CRITICAL] web: Launch abandoned for i-0abc12345def67890',
      SignatureVersion: '1',
      MessageAttributes: {
        severity: { Type: 'String', Value: 'critical' },
        kind: { Type: 'String', Value: 'lifecycle.launch.abandoned' },
        service: { Type: 'String', Value: 'web' },
      },
    });
    expect(envelope.Timestamp).toBe(new Date(h.clock.now()).toISOString());
    expect(receivedFrom(parseEnvelope(message?.body ?? '')).notification.title).toBe(n.title);
  });

  it('delivers the bare message with attributes as SQS attributes when raw delivery is on (Subscribe API)', async () => {
    // Arrange
    await h.sns.send(
      new SubscribeCommand({
        TopicArn: topicArn(),
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:Raw',
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );

    // Act
    await h.sns.send(
      new PublishCommand({
        TopicArn: topicArn(),
        Message: 'plain words',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' } },
      }),
    );

    // Assert
    expect(waiting('Raw').map((m) => [m.body, m.attributes])).toEqual([
      ['plain words', { severity: { DataType: 'String', StringValue: 'info' } }],
    ]);
  });

  it('applies filter policies: exact values, prefix, anything-but and exists', async () => {
    // Arrange
    h.account.sns.subscribe({
      topicArn: topicArn(),
      protocol: 'sqs',
      endpoint: 'arn:aws:sqs:eu-west-1:123456789012:Critical',
      filterPolicy: JSON.stringify({
        severity: ['critical', { prefix: 'warn' }],
        kind: [{ 'anything-but': ['lifecycle.launch.completed'] }],
        service: [{ exists: true }],
      }),
    });
    const publish = (severity: string, kind: string, service?: string) =>
      h.sns.send(
        new PublishCommand({
          TopicArn: topicArn(),
          Message: `${severity} ${kind} ${service ?? '-'}`,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: severity },
            kind: { DataType: 'String', StringValue: kind },
            ...(service ? { service: { DataType: 'String', StringValue: service } } : {}),
          },
        }),
      );

    // Act
    await publish('critical', 'lifecycle.launch.abandoned', 'web');
    await publish('warning', 'lifecycle.drain.slow', 'web');
    await publish('info', 'lifecycle.launch.abandoned', 'web');
    await publish('critical', 'lifecycle.launch.completed', 'web');
    await publish('critical', 'lifecycle.launch.abandoned');

    // Assert
    expect(waiting('Critical').map((m) => JSON.parse(m.body).Message)).toEqual([
      'critical lifecycle.launch.abandoned web',
      'warning lifecycle.drain.slow web',
    ]);
  });

  it('refuses a subscription to a topic that does not exist, and records a delivery the queue refused', async () => {
    // Arrange
    const missingTopic = `${topicArn()}-gone`;
    h.account.sns.subscribe({
      topicArn: topicArn(),
      protocol: 'sqs',
      endpoint: 'arn:aws:sqs:eu-west-1:123456789012:NoSuchQueue',
    });

    // Act
    await h.sns.send(new PublishCommand({ TopicArn: topicArn(), Message: 'lost?' }));

    // Assert
    expect(() =>
      h.account.sns.subscribe({
        topicArn: missingTopic,
        protocol: 'sqs',
        endpoint: 'arn:aws:sqs:eu-west-1:123456789012:Raw',
      }),
    ).toThrow('Topic does not exist');
    expect(h.account.sns.failedDeliveries).toEqual([
      expect.objectContaining({ error: 'QueueDoesNotExist: The specified queue does not exist.' }),
    ]);
  });
});
