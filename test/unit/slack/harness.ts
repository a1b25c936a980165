/**
 * A real local Slack stand-in (node:http on 127.0.0.1, port 0) that answers from a script and records every request,
 * and the SNS envelopes the Slack queue receives.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetpilotConfig } from '../../../shared/config/schema';
import { type Notification, publishInput } from '../../../shared/notify/notifier';

export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: { text: string; blocks: Array<Record<string, unknown>>; channel?: string };
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface SlackStandIn {
  url: string;
  requests: Captured[];
  /** Answers in order; when they run out, 200 "ok". */
  answers: Answer[];
  close(): Promise<void>;
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const requests: Captured[] = [];
  const answers: Answer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: JSON.parse(body) as Captured['json'],
      });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...(answer.headers ?? {}) });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function aNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    severity: 'critical',
    kind: 'lifecycle.launch.abandoned',
    title: 'Launch abandoned for i-0abc12345def67890',
    summary: 'The instance never became healthy in web-http within 900 seconds.',
    facts: [
      ['Instance', 'i-0abc12345def67890'],
      ['Target health', 'unhealthy: Target.ResponseCodeMismatch (404)'],
    ],
    links: [{ label: 'EC2 instance i-0abc12345def67890', url: 'https://eu-west-1.console.aws.amazon.com/ec2/home' }],
    service: 'web',
    correlationId: '7bf73129-1428-4cd3-a780-95db273d1602',
    ...overrides,
  };
}

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts';

/**
 * The SQS record SNS delivers for a published notification (raw delivery off): the JSON envelope with the message's
 * `sqs` entry as Message (SNS developer guide, "Fanout to Amazon SQS queues").
 */
export function recordOf(n: Notification): { messageId: string; body: string } {
  const input = publishInput(TOPIC_ARN, n);
  const bodies = JSON.parse(input.Message ?? '{}') as Record<string, string>;
  const messageId = randomUUID();
  return {
    messageId: randomUUID(),
    body: JSON.stringify({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: TOPIC_ARN,
      Subject: input.Subject,
      Message: bodies.sqs ?? bodies.default,
      Timestamp: '2026-11-25T10:00:00.000Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
      UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:example`,
      MessageAttributes: Object.fromEntries(
        Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, { Type: v.DataType, Value: v.StringValue }]),
      ),
    }),
  };
}

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

export function captureLog() {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } };
}

/** A config with one service whose Slack section is `slack` (other fields as the example's). */
export function configWith(slack: unknown, more: Partial<FleetpilotConfig> = {}): FleetpilotConfig {
  return {
    region: 'eu-west-1',
    dryRun: false,
    notifications: { topicName: 'fleetpilot-alerts', emails: [] },
    hostedZones: {},
    services: [{ name: 'web', autoScalingGroup: 'web-asg', targetGroups: [], certificates: [], slack }],
    ...more,
  } as unknown as FleetpilotConfig;
}
