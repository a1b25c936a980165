/**
 * The one notifier: a typed notification rendered for every SNS protocol and published to the one topic.
 *
 * SNS facts (SNS developer guide, "Publish" API reference and "Sending custom platform-specific payloads"):
 * with MessageStructure=json the message is a JSON object of per-protocol bodies, `default` required; the subject is
 * at most 100 characters (e-mail subject line); the message at most 256 KB. MessageAttributes feed subscription
 * filter policies. The `https` body follows the Amazon Q Developer in chat applications (AWS Chatbot) custom
 * notification schema (admin guide, "Custom notifications"): version "1.0", source "custom", content.description
 * required; a malformed body is dropped silently by the service, so it is checked by tests.
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';

export type Severity = 'info' | 'warning' | 'critical';

export interface Link {
  label: string;
  url: string;
}

/**
 * One notification. `K` is the sending capability's union of kinds (its `report.ts`), so a misspelt kind fails to
 * compile; the spine renders and publishes any kind.
 */
export interface Notification<K extends string = string> {
  severity: Severity;
  /** A dotted machine name, `<capability>.<subject>.<outcome>`; used in filter policies and as the Chatbot event type. */
  kind: K;
  title: string;
  summary: string;
  /** Ordered facts shown as "label: value" lines. */
  facts: ReadonlyArray<readonly [string, string]>;
  links: readonly Link[];
  /** The fleetpilot service (from the config), when the notification concerns one. */
  service?: string;
  /** Ties the notification to logs: the EventBridge event id (or the continuation's origin event id). */
  correlationId: string;
}

/** Publishes notifications of the kinds `K`; the SNS notifier takes any kind, so it serves every capability. */
export interface Notifier<K extends string = string> {
  notify(notification: Notification<K>): Promise<void>;
}

/** Publish API reference: subjects must be "less than 100 characters". */
const SUBJECT_MAX = 99;
const MESSAGE_MAX_BYTES = 256 * 1024;
const marks: Record<Severity, string> = { info: 'INFO', warning: 'WARNING', critical: 'CRITICAL' };

export function subjectOf(n: Notification): string {
  // E-mail subjects must be ASCII without line breaks (Publish API reference).
  const raw = `[fleetpilot ${marks[n.severity]}] ${n.service ? `${n.service}: ` : ''}${n.title}`
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');
  return raw.length <= SUBJECT_MAX ? raw : `${raw.slice(0, SUBJECT_MAX - 3)}...`;
}

export function emailBody(n: Notification, maxFactChars = Number.POSITIVE_INFINITY): string {
  const head = [n.title, '', n.summary, ''];
  const facts: string[] = [];
  if (n.facts.length > 0) {
    const width = Math.max(...n.facts.map(([label]) => label.length));
    let used = 0;
    for (const [label, value] of n.facts) {
      const line = `${`${label}:`.padEnd(width + 2)}${value}`;
      if (used + line.length > maxFactChars) {
        facts.push(`[${n.facts.length - facts.length} more facts left out: the message would exceed SNS's 256 KB]`);
        break;
      }
      facts.push(line);
      used += line.length + 1;
    }
    facts.push('');
  }
  const links = n.links.length > 0 ? ['Links:', ...n.links.map((l) => `- ${l.label}: ${l.url}`), ''] : [];
  const tail = [`Severity: ${n.severity}`, `Kind: ${n.kind}`, `Correlation id: ${n.correlationId}`];
  return [...head, ...facts, ...links, ...tail].join('\n');
}

/** Chat messages are read at a glance; long fact lists are cut here (the e-mail keeps them). */
const CHAT_DESCRIPTION_MAX = 8000;

export function chatbotBody(n: Notification): string {
  const lines = [n.summary];
  let used = n.summary.length;
  const factLines = n.facts.map(([label, value]) => `*${label}:* ${value}`);
  for (const [i, line] of factLines.entries()) {
    if (used + line.length + 1 > CHAT_DESCRIPTION_MAX) {
      lines.push(`_${factLines.length - i} more facts in the e-mail_`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  lines.push(...n.links.map((l) => `<${l.url}|${l.label}>`));
  return JSON.stringify({
    version: '1.0',
    source: 'custom',
    id: n.correlationId,
    content: {
      textType: 'client-markdown',
      title: `${n.severity === 'critical' ? ':rotating_light: ' : n.severity === 'warning' ? ':warning: ' : ''}${n.title}`,
      description: lines.join('\n'),
      keywords: [n.severity, n.kind, ...(n.service ? [n.service] : [])],
    },
    metadata: {
      summary: n.title,
      eventType: n.kind,
      ...(n.service ? { threadId: `fleetpilot-${n.service}` } : {}),
    },
  });
}

export function defaultBody(n: Notification): string {
  return `${marks[n.severity]} ${n.service ? `${n.service}: ` : ''}${n.title}. ${n.summary}`;
}

/**
 * The machine-readable body: the notification itself, for subscribers that render it their own way (the Slack
 * function reads it from its SQS subscription; SNS sends an SQS subscriber the message's `sqs` entry). `format`
 * versions the shape; facts beyond `maxFactChars` are left out and counted in `factsLeftOut`.
 */
export const MACHINE_BODY_FORMAT = 'fleetpilot.notification/1';

export interface MachineBody {
  format: typeof MACHINE_BODY_FORMAT;
  notification: Notification;
  factsLeftOut: number;
}

export function machineBody(n: Notification, maxFactChars = Number.POSITIVE_INFINITY): string {
  const facts: (readonly [string, string])[] = [];
  let used = 0;
  for (const fact of n.facts) {
    used += fact[0].length + fact[1].length;
    if (used > maxFactChars) break;
    facts.push(fact);
  }
  const body: MachineBody = {
    format: MACHINE_BODY_FORMAT,
    notification: { ...n, facts },
    factsLeftOut: n.facts.length - facts.length,
  };
  return JSON.stringify(body);
}

/** The complete Publish input for a notification, checked against SNS's limits. */
export function publishInput(topicArn: string, n: Notification): PublishCommandInput {
  const https = chatbotBody(n);
  const build = (maxFactChars?: number) =>
    JSON.stringify({
      default: defaultBody(n),
      email: emailBody(n, maxFactChars),
      https,
      sqs: machineBody(n, maxFactChars),
    });
  let message = build();
  const excess = Buffer.byteLength(message) - MESSAGE_MAX_BYTES;
  if (excess > 0) {
    // Only the facts can grow without bound: keep as many as fit, and always the title, links and trailer. The facts
    // appear in two bodies, so each may keep its share of what is over; escaping can add more: then halve the budget
    // until the message fits.
    const factBytes = n.facts.reduce((sum, [label, value]) => sum + Buffer.byteLength(label + value) + 4, 0);
    let budget = Math.max(0, factBytes - excess / 2);
    message = build(budget);
    while (Buffer.byteLength(message) > MESSAGE_MAX_BYTES && budget > 0) {
      budget = Math.floor(budget / 2);
      message = build(budget);
    }
  }
  return {
    TopicArn: topicArn,
    Subject: subjectOf(n),
    MessageStructure: 'json',
    Message: message,
    MessageAttributes: {
      severity: { DataType: 'String', StringValue: n.severity },
      kind: { DataType: 'String', StringValue: n.kind },
      ...(n.service ? { service: { DataType: 'String', StringValue: n.service } } : {}),
    },
  };
}

export function createSnsNotifier(sns: SNSClient, topicArn: string): Notifier {
  return {
    async notify(notification) {
      await sns.send(new PublishCommand(publishInput(topicArn, notification)));
    },
  };
}

/** Console links for the resources fleetpilot reports on. */
export const consoleLinks = {
  instance: (region: string, instanceId: string): Link => ({
    label: `EC2 instance ${instanceId}`,
    url: `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#InstanceDetails:instanceId=${instanceId}`,
  }),
  autoScalingGroup: (region: string, name: string): Link => ({
    label: `Auto Scaling group ${name}`,
    url: `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#AutoScalingGroupDetails:id=${encodeURIComponent(name)};view=activity`,
  }),
  targetGroup: (region: string, arn: string): Link => ({
    label: `Target group ${arn.split(':').pop()?.split('/')[1] ?? arn}`,
    url: `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#TargetGroup:targetGroupArn=${arn}`,
  }),
  hostedZone: (zoneId: string): Link => ({
    label: `Route 53 zone ${zoneId}`,
    url: `https://console.aws.amazon.com/route53/v2/hostedzones#ListRecordSets/${zoneId}`,
  }),
};

/**
 * Publishes without letting a failure hide what is being reported (a rejection, a retry warning): a notification
 * that cannot be published is logged with `fleetpilotNotificationFailed: 1`, which a metric filter counts.
 */
export async function notifySafely(
  notifier: Notifier,
  log: { error(message: string, fields: Record<string, unknown>): void },
  notification: Notification,
): Promise<void> {
  try {
    await notifier.notify(notification);
  } catch (error) {
    log.error('could not publish a notification', {
      error,
      fleetpilotNotificationFailed: 1,
      title: notification.title,
    });
  }
}
