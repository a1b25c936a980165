/**
 * The Slack function end to end against a real local HTTP server: what Slack receives, Slack's rate limits and
 * errors, bursts, and that the secret never reaches a log line.
 */
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { makeSlackHandler } from '../../../functions/slack/handlers';
import { SECRET_TTL_MS } from '../../../functions/slack/secret';
import type { FleetpilotConfig } from '../../../shared/config/schema';
import type { Notification } from '../../../shared/notify/notifier';
import { type ManualClock, manualClock } from '../../helpers/manual-clock';
import {
  aNotification,
  captureLog,
  configWith,
  type LogLine,
  recordOf,
  type SlackStandIn,
  startSlackStandIn,
} from './harness';

const ssmMock = mockClient(SSMClient);
const WEBHOOK_PARAMETER = '/fleetpilot/slack/web';
const BOT_PARAMETER = '/fleetpilot/slack/bot';
const WEBHOOK_PATH = '/services/T0EXAMPLE/B0EXAMPLE/s3cr3tWebhookTokenX9';
const BOT_TOKEN = 'xoxb-123456789012-s3cr3t-bot-token';
const context = { getRemainingTimeInMillis: () => 40_000 };

let slack: SlackStandIn;
let clock: ManualClock;
let logged: LogLine[] = [];
const allLines: LogLine[] = [];

beforeEach(async () => {
  ssmMock.reset();
  slack = await startSlackStandIn();
  clock = manualClock(Date.parse('2026-11-25T10:00:00Z'));
  ssmMock
    .on(GetParameterCommand, { Name: WEBHOOK_PARAMETER, WithDecryption: true })
    .resolves({ Parameter: { Name: WEBHOOK_PARAMETER, Type: 'SecureString', Value: `${slack.url}${WEBHOOK_PATH}` } });
  ssmMock
    .on(GetParameterCommand, { Name: BOT_PARAMETER, WithDecryption: true })
    .resolves({ Parameter: { Name: BOT_PARAMETER, Type: 'SecureString', Value: BOT_TOKEN } });
});

afterEach(async () => {
  await slack.close();
  allLines.push(...logged);
  logged = [];
});

const webhookSlack = {
  transport: { webhook: { parameter: WEBHOOK_PARAMETER } },
  mentions: { critical: 'here' },
  minSeverity: 'info',
};

function handlerFor(config: FleetpilotConfig) {
  const { lines, log } = captureLog();
  logged = lines;
  const handler = makeSlackHandler(
    { config, clients: { ssm: new SSMClient({ region: 'eu-west-1' }) }, clock, log },
    { apiBase: `${slack.url}/api` },
  );
  return (notifications: Notification[]) => {
    const records = notifications.map(recordOf);
    return handler({ Records: records }, context).then((result) => ({ result, records }));
  };
}

describe('slackDeliver', () => {
  it('posts one Block Kit message with header, summary, facts, buttons, context and the text fallback', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    const n = aNotification();

    // Act
    const { result, records } = await deliver([n]);

    // Assert
    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    const request = slack.requests[0];
    expect(request?.path).toBe(WEBHOOK_PATH);
    expect(request?.headers['content-type']).toBe('application/json');
    const { text, blocks } = request?.json ?? { text: '', blocks: [] };
    expect(text).toBe(`<!here> CRITICAL web: ${n.title}. ${n.summary}`);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(blocks[0]).toEqual({
      type: 'header',
      block_id: `sns-${JSON.parse(records[0]?.body ?? '{}').MessageId}`,
      text: { type: 'plain_text', text: `:rotating_light: web: ${n.title}`, emoji: true },
    });
    expect(blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: `<!here> *CRITICAL*  ${n.summary}` } });
    expect(blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Instance*\ni-0abc12345def67890' },
        { type: 'mrkdwn', text: '*Target health*\nunhealthy: Target.ResponseCodeMismatch (404)' },
      ],
    });
    expect(blocks[3]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'EC2 instance i-0abc12345def67890', emoji: true },
          url: 'https://eu-west-1.console.aws.amazon.com/ec2/home',
          action_id: 'link-0',
        },
      ],
    });
    const contextText = (blocks[4] as { elements: { text: string }[] }).elements[0]?.text;
    expect(contextText).toContain('*CRITICAL*');
    expect(contextText).toContain('service web');
    expect(contextText).toContain('`lifecycle.launch.abandoned`');
    expect(contextText).toContain(`correlation id ${n.correlationId}`);
  });

  it('mentions nobody on a warning when the config says so, and skips what is below minSeverity', async () => {
    // Arrange
    const deliver = handlerFor(
      configWith({ ...webhookSlack, mentions: { critical: 'subteam:S0ONCALL12' }, minSeverity: 'warning' }),
    );

    // Act
    await deliver([aNotification({ severity: 'info', title: 'Launched' })]);
    await deliver([aNotification({ severity: 'warning', title: 'Slow drain' })]);
    await deliver([aNotification({ severity: 'critical', title: 'Abandoned' })]);

    // Assert
    expect(slack.requests.map((r) => r.json.text.split('.')[0])).toEqual([
      'WARNING web: Slow drain',
      '<!subteam^S0ONCALL12> CRITICAL web: Abandoned',
    ]);
  });

  it('groups a burst into one message per service with the count', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    const burst = Array.from({ length: 12 }, (_, i) =>
      aNotification({
        severity: i === 3 ? 'critical' : 'info',
        title: `Launched i-0abc1234500000${String(i).padStart(3, '0')}`,
      }),
    );

    // Act
    const { result } = await deliver(burst);

    // Assert
    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests).toHaveLength(1);
    const { text, blocks } = slack.requests[0]?.json ?? { text: '', blocks: [] };
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: ':rotating_light: web: 12 notifications' } });
    expect(text.startsWith('<!here> CRITICAL web: 12 notifications: Launched i-0abc1234500000000;')).toBe(true);
    expect(JSON.stringify(blocks[1])).toContain('1 critical, 11 info');
    // header, summary, one line per notification, context
    expect(blocks).toHaveLength(2 + 12 + 1);
  });

  it('waits as long as Retry-After says on 429 and then delivers', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    slack.answers.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '7' } });

    // Act
    const { result } = await deliver([aNotification()]);

    // Assert
    expect(result.batchItemFailures).toEqual([]);
    expect(clock.sleeps).toEqual([7_000]);
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1]?.body).toBe(slack.requests[0]?.body);
  });

  it('hands the message back to the queue when Retry-After is longer than the invocation may wait', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    slack.answers.push({ status: 429, body: 'rate_limited', headers: { 'retry-after': '120' } });

    // Act
    const { result, records } = await deliver([aNotification()]);

    // Assert
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    expect(clock.sleeps).toEqual([]);
    expect(logged.find((l) => l.level === 'warn')?.message).toContain('return to the queue');
  });

  it('retries 5xx with back-off, then succeeds', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    slack.answers.push({ status: 500, body: 'rollup_error' }, { status: 503, body: '' });

    // Act
    const { result } = await deliver([aNotification()]);

    // Assert
    expect(result.batchItemFailures).toEqual([]);
    expect(slack.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(logged.find((l) => l.message === 'posted to Slack')?.fields.attempts).toBe(3);
  });

  it('gives the batch back after four 5xx answers, for SQS to retry and then dead-letter', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    for (let i = 0; i < 4; i++) slack.answers.push({ status: 502, body: 'bad gateway' });

    // Act
    const { result, records } = await deliver([aNotification(), aNotification({ title: 'Second' })]);

    // Assert
    expect(slack.requests).toHaveLength(4);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      records.map((r) => r.messageId).sort(),
    );
  });

  it('fails for good on 4xx such as invalid_token: one request, a clear error log, the records reported failed', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));
    slack.answers.push({ status: 403, body: 'invalid_token' });

    // Act
    const { result, records } = await deliver([aNotification()]);

    // Assert
    expect(slack.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[0]?.messageId }]);
    const error = logged.find((l) => l.level === 'error');
    expect(error?.message).toBe('Slack delivery failed for good; the messages go to the dead-letter queue');
    expect(error?.fields).toMatchObject({
      parameter: WEBHOOK_PARAMETER,
      status: 403,
      slackError: 'invalid_token',
      fleetpilotSlackFailed: 1,
    });
  });

  it('reads the secret once per TTL, and again at once after Slack refused it', async () => {
    // Arrange
    const deliver = handlerFor(configWith(webhookSlack));

    // Act + Assert
    await deliver([aNotification()]);
    await deliver([aNotification()]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    clock.advance(SECRET_TTL_MS + 1);
    await deliver([aNotification()]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    slack.answers.push({ status: 404, body: 'no_service' });
    await deliver([aNotification()]);
    await deliver([aNotification()]);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 3);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: WEBHOOK_PARAMETER, WithDecryption: true });
  });

  it('reports a missing parameter as a failure for good, naming the parameter', async () => {
    // Arrange
    ssmMock
      .on(GetParameterCommand, { Name: WEBHOOK_PARAMETER })
      .rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
    const deliver = handlerFor(configWith(webhookSlack));

    // Act
    const { result } = await deliver([aNotification()]);

    // Assert
    expect(result.batchItemFailures).toHaveLength(1);
    expect(slack.requests).toHaveLength(0);
    expect(logged.find((l) => l.level === 'error')?.fields.reason).toBe(
      `SSM parameter ${WEBHOOK_PARAMETER} does not exist`,
    );
  });

  describe('with a bot token', () => {
    const bot = {
      transport: { bot: { parameter: BOT_PARAMETER, channel: 'C0GENERAL01', channels: { critical: 'C0ONCALL001' } } },
      mentions: {},
      minSeverity: 'info',
    };

    it('calls chat.postMessage with the token, on the channel of the severity', async () => {
      // Arrange
      const deliver = handlerFor(configWith(bot));
      slack.answers.push({ status: 200, body: '{"ok":true}' }, { status: 200, body: '{"ok":true}' });

      // Act
      await deliver([aNotification()]);
      await deliver([aNotification({ severity: 'info' })]);

      // Assert
      expect(slack.requests.map((r) => [r.path, r.headers.authorization, r.json.channel])).toEqual([
        ['/api/chat.postMessage', `Bearer ${BOT_TOKEN}`, 'C0ONCALL001'],
        ['/api/chat.postMessage', `Bearer ${BOT_TOKEN}`, 'C0GENERAL01'],
      ]);
    });

    it('fails for good on channel_not_found, retries ratelimited', async () => {
      // Arrange
      const deliver = handlerFor(configWith(bot));
      slack.answers.push(
        { status: 200, body: '{"ok":false,"error":"ratelimited"}', headers: { 'retry-after': '2' } },
        { status: 200, body: '{"ok":false,"error":"channel_not_found"}' },
      );

      // Act
      const { result } = await deliver([aNotification()]);

      // Assert
      expect(slack.requests).toHaveLength(2);
      expect(clock.sleeps).toEqual([2000]);
      expect(result.batchItemFailures).toHaveLength(1);
      expect(logged.find((l) => l.level === 'error')?.fields).toMatchObject({ slackError: 'channel_not_found' });
    });
  });

  it('keeps a malformed queue message for the dead-letter queue and delivers the rest', async () => {
    // Arrange
    const { lines, log } = captureLog();
    logged = lines;
    const handler = makeSlackHandler({
      config: configWith(webhookSlack),
      clients: { ssm: new SSMClient({ region: 'eu-west-1' }) },
      clock,
      log,
    });
    const good = recordOf(aNotification());

    // Act
    const result = await handler({ Records: [{ messageId: 'bad-1', body: 'not json' }, good] }, context);

    // Assert
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }]);
    expect(slack.requests).toHaveLength(1);
  });

  it('survives a network error with retries and says so without the URL', async () => {
    // Arrange: a webhook URL whose server is gone.
    const closed = await startSlackStandIn();
    await closed.close();
    ssmMock
      .on(GetParameterCommand, { Name: WEBHOOK_PARAMETER })
      .resolves({ Parameter: { Value: `${closed.url}${WEBHOOK_PATH}` } });
    const deliver = handlerFor(configWith(webhookSlack));

    // Act
    const { result } = await deliver([aNotification()]);

    // Assert
    expect(result.batchItemFailures).toHaveLength(1);
    expect(clock.sleeps).toEqual([500, 1000, 2000]);
    expect(String(logged.find((l) => l.level === 'warn')?.fields.reason)).toMatch(/request failed .*ECONNREFUSED/);
  });

  // Runs last (jest runs a file's tests in order): every log line of every test above.
  it('never writes the secret (webhook URL path, bot token) in any log line', () => {
    const text = JSON.stringify(allLines);
    expect(allLines.length).toBeGreaterThan(10);
    expect(text).not.toContain(WEBHOOK_PATH);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain(BOT_TOKEN);
  });
});
