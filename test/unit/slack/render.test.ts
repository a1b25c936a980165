/**
 * Rendering within Block Kit's limits, checked by an independent walk over the message (Slack reference,
 * https://docs.slack.dev/reference/block-kit/blocks: 50 blocks; header 150; section text 3000; 10 fields of 2000;
 * 25 actions elements; button text 75, url 3000; 10 context elements).
 */
import { parseEnvelope, receivedFrom } from '../../../functions/slack/envelope';
import {
  mentionFor,
  renderAsText,
  renderBurst,
  renderNotification,
  type SlackMessage,
} from '../../../functions/slack/render';
import { loadEvent } from '../../helpers/events';
import { aNotification, recordOf } from './harness';

type AnyBlock = Record<string, unknown> & { type: string };
type Text = { text: string };

function limitViolations(message: SlackMessage): string[] {
  const out: string[] = [];
  const blocks = message.blocks as unknown as AnyBlock[];
  if (blocks.length > 50) out.push(`${blocks.length} blocks`);
  blocks.forEach((b, i) => {
    if (b.type === 'header' && (b.text as Text).text.length > 150) out.push(`header ${i} too long`);
    if (b.type === 'section') {
      const text = b.text as Text | undefined;
      if (text && (text.text.length > 3000 || text.text.length < 1)) out.push(`section ${i} text`);
      const fields = (b.fields ?? []) as Text[];
      if (fields.length > 10) out.push(`section ${i} has ${fields.length} fields`);
      if (fields.some((f) => f.text.length > 2000)) out.push(`section ${i} field too long`);
    }
    if (b.type === 'actions') {
      const elements = b.elements as { text: Text; url: string }[];
      if (elements.length > 25) out.push(`actions ${i} has ${elements.length} elements`);
      for (const e of elements) {
        if (e.text.text.length > 75) out.push(`button text in ${i}`);
        if (e.url.length > 3000) out.push(`button url in ${i}`);
      }
    }
    if (b.type === 'context' && (b.elements as unknown[]).length > 10) out.push(`context ${i} elements`);
  });
  return out;
}

const allText = (m: SlackMessage) => JSON.stringify(m.blocks);

describe('Slack rendering', () => {
  it('stays within every limit for an oversized notification, saying what it left out', () => {
    // Arrange: 600 facts (some huge), 60 links (one too long to be a button), a long title and summary.
    const n = aNotification({
      title: `Launch abandoned ${'x'.repeat(400)}`,
      summary: 's'.repeat(5000),
      facts: Array.from(
        { length: 600 },
        (_, i) => [`Fact ${i}`, i % 50 === 0 ? 'v'.repeat(5000) : `value ${i}`] as const,
      ),
      links: [
        ...Array.from({ length: 59 }, (_, i) => ({
          label: `Link ${i} ${'l'.repeat(100)}`,
          url: `https://example.com/${i}`,
        })),
        { label: 'Too long', url: `https://example.com/${'u'.repeat(3100)}` },
      ],
    });

    // Act
    const message = renderNotification({ notification: n, factsLeftOut: 3 }, mentionFor('here'));

    // Assert
    expect(limitViolations(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    const text = allText(message);
    expect(text).toContain('more fact or link blocks left out (Slack shows 50 blocks)');
    expect(text).toContain('3 more fact(s) did not fit in the notification; see the e-mail');
    expect(text).toContain('1 link(s) longer than');
    expect(text).toContain('the summary was shortened');
    // The context line (severity, service, kind, correlation id) survives every cut.
    expect(text).toContain(`correlation id ${n.correlationId}`);
  });

  it('puts facts ten to a section and links 25 to an actions block', () => {
    // Arrange
    const n = aNotification({
      facts: Array.from({ length: 23 }, (_, i) => [`F${i}`, `v${i}`] as const),
      links: Array.from({ length: 30 }, (_, i) => ({ label: `L${i}`, url: `https://example.com/${i}` })),
    });

    // Act
    const message = renderNotification({ notification: n, factsLeftOut: 0 }, undefined);

    // Assert
    const blocks = message.blocks as unknown as AnyBlock[];
    const fieldCounts = blocks
      .filter((b) => b.type === 'section' && b.fields)
      .map((b) => (b.fields as unknown[]).length);
    const buttonCounts = blocks.filter((b) => b.type === 'actions').map((b) => (b.elements as unknown[]).length);
    expect(fieldCounts).toEqual([10, 10, 3]);
    expect(buttonCounts).toEqual([25, 5]);
    expect(limitViolations(message)).toEqual([]);
  });

  it('escapes &, < and > in text so a value cannot become a mention or a link', () => {
    // Act
    const message = renderNotification(
      { notification: aNotification({ summary: 'a <!channel> & <https://evil.example|click>' }), factsLeftOut: 0 },
      undefined,
    );

    // Assert
    expect(allText(message)).toContain('a &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(allText(message)).not.toContain('<!channel>');
  });

  it('keeps a burst of 200 within 50 blocks with a count of what it left out', () => {
    // Arrange
    const burst = Array.from({ length: 200 }, (_, i) => ({
      notification: aNotification({ title: `N${i}` }),
      factsLeftOut: 0,
    }));

    // Act
    const message = renderBurst(burst, 'web', mentionFor('subteam:S0ONCALL12'));

    // Assert
    expect(limitViolations(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    expect(allText(message)).toContain('more notifications left out (Slack shows 50 blocks)');
    expect(message.text.startsWith('<!subteam^S0ONCALL12> CRITICAL web: 200 notifications')).toBe(true);
  });

  it('renders a message as screenshot-like text', () => {
    // Act
    const lines = renderAsText(
      renderNotification({ notification: aNotification(), factsLeftOut: 0 }, mentionFor('here')),
      '#ops',
    );

    // Assert
    expect(lines).toEqual([
      `+-- Slack #ops ${'-'.repeat(56)}`,
      '| # :rotating_light: web: Launch abandoned for i-0abc12345def67890',
      '| @here *CRITICAL*  The instance never became healthy in web-http within 900 seconds.',
      '| Instance: i-0abc12345def67890    Target health: unhealthy: Target.ResponseCodeMismatch (404)',
      '| [ EC2 instance i-0abc12345def67890 ]',
      '| *CRITICAL*  ·  service web  ·  `lifecycle.launch.abandoned`  ·  correlation id 7bf73129-1428-4cd3-a780-95db273d1602',
      `+${'-'.repeat(68)}`,
    ]);
  });
});

describe('the SNS envelope', () => {
  it("reads fleetpilot's machine body back exactly", () => {
    // Arrange
    const n = aNotification();

    // Act
    const received = receivedFrom(parseEnvelope(recordOf(n).body));

    // Assert
    expect(received).toEqual({
      notification: { ...n, facts: n.facts.map((f) => [...f]) },
      factsLeftOut: 0,
      snsMessageId: expect.any(String),
    });
  });

  it("reads AWS's published SQS subscriber message: a plain-text message is shown with its subject", () => {
    // Arrange
    const body = JSON.stringify(loadEvent('sns-sqs-notification'));

    // Act
    const { notification, snsMessageId } = receivedFrom(parseEnvelope(body));

    // Assert
    expect(snsMessageId).toBe('63a3f6b6-d533-4a47-aef9-fcf5cf758c76');
    expect(notification).toEqual({
      severity: 'warning',
      kind: 'sns.message',
      title: 'Testing publish to subscribed queues',
      summary: 'Hello world!',
      facts: [],
      links: [],
      correlationId: '63a3f6b6-d533-4a47-aef9-fcf5cf758c76',
    });
  });

  it('puts a CloudWatch alarm on the topic in words', () => {
    // Arrange: the alarm message CloudWatch publishes (CloudWatch user guide, alarm actions: SNS message).
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'b3a5f0a5-0000-4000-8000-000000000001',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts',
      Subject: 'ALARM: "fleetpilot-test-failed-events" in EU (Ireland)',
      Message: JSON.stringify({
        AlarmName: 'fleetpilot-test-failed-events',
        AlarmDescription: 'fleetpilot could not handle an event; see the failed-events queue',
        NewStateValue: 'ALARM',
        NewStateReason: 'Threshold Crossed: 1 datapoint [1.0] was greater than the threshold (0.0).',
        Region: 'EU (Ireland)',
      }),
      Timestamp: '2026-11-25T10:00:00.000Z',
    });

    // Act
    const { notification } = receivedFrom(parseEnvelope(body));

    // Assert
    expect(notification).toMatchObject({
      severity: 'critical',
      kind: 'cloudwatch.alarm',
      title: 'Alarm fleetpilot-test-failed-events is ALARM',
      summary: 'fleetpilot could not handle an event; see the failed-events queue',
    });
  });

  it('refuses a body that is not an SNS notification, naming what is wrong', () => {
    expect(() => parseEnvelope(JSON.stringify({ Type: 'SubscriptionConfirmation' }))).toThrow(/Type/);
    expect(() => parseEnvelope('not json')).toThrow('not JSON');
  });
});
