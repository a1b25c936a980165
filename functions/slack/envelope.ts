/**
 * What the Slack function's queue receives: SNS delivers each message of the alerts topic to its SQS subscriber as a
 * JSON envelope (raw message delivery is off), the SQS message body being
 *
 *   { "Type": "Notification", "MessageId", "TopicArn", "Subject"?, "Message", "Timestamp", "SignatureVersion",
 *     "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"?: { name: { "Type", "Value" } } }
 *
 * (SNS developer guide, "Fanout to Amazon SQS queues" and "Amazon SNS raw message delivery"). With
 * MessageStructure=json, `Message` is the publisher's `sqs` entry: for fleetpilot's own notifications the machine body
 * (shared/notify/notifier.ts, machineBody). Other publishers reach the topic too (the CloudWatch alarms on the
 * dead-letter queues): their message is shown as it is, a CloudWatch alarm in words.
 *
 * Raw delivery is not used: the envelope keeps the message attributes (severity, service) and the publish time with
 * the message, and lets anything that is not fleetpilot's body still be shown with its subject.
 */
import * as z from 'zod';
import { EventValidationError } from '../../shared/errors';
import { MACHINE_BODY_FORMAT, type Notification, type Severity } from '../../shared/notify/notifier';
import type { Received } from './render';

const envelopeSchema = z.object({
  Type: z.literal('Notification'),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Subject: z.string().nullish(),
  Message: z.string(),
  Timestamp: z.string(),
  MessageAttributes: z.record(z.string(), z.object({ Type: z.string(), Value: z.string() })).optional(),
});

export type SnsEnvelope = z.output<typeof envelopeSchema>;

const severity = z.enum(['info', 'warning', 'critical']);
const machineSchema = z.object({
  format: z.literal(MACHINE_BODY_FORMAT),
  notification: z.object({
    severity,
    kind: z.string().min(1).max(200),
    title: z.string(),
    summary: z.string(),
    facts: z.array(z.tuple([z.string(), z.string()])),
    links: z.array(z.object({ label: z.string(), url: z.string() })),
    service: z.string().optional(),
    correlationId: z.string(),
  }),
  factsLeftOut: z.number().int().min(0),
});

const alarmSchema = z.object({
  AlarmName: z.string(),
  NewStateValue: z.string(),
  NewStateReason: z.string().optional(),
  AlarmDescription: z.string().nullish(),
  Region: z.string().optional(),
});

/** Parses one SQS message body; throws EventValidationError when it is not an SNS envelope. */
export function parseEnvelope(body: string): SnsEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError('SNS envelope', ['the SQS message body is not JSON'], { cause: error });
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    throw new EventValidationError(
      'SNS envelope',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The notification an envelope carries: fleetpilot's own, or another publisher's message put in words. */
export function receivedFrom(envelope: SnsEnvelope): Received {
  const json = tryJson(envelope.Message);
  const own = machineSchema.safeParse(json);
  if (own.success) {
    const { service, ...rest } = own.data.notification;
    const notification: Notification = { ...rest, ...(service !== undefined ? { service } : {}) };
    return { notification, factsLeftOut: own.data.factsLeftOut, snsMessageId: envelope.MessageId };
  }
  const attributes = envelope.MessageAttributes ?? {};
  const attributeSeverity = severity.safeParse(attributes.severity?.Value);
  const service = attributes.service?.Value;
  const alarm = alarmSchema.safeParse(json);
  if (alarm.success) {
    // A CloudWatch alarm's notification (CloudWatch user guide, "Using Amazon CloudWatch alarms": SNS message).
    const { AlarmName, NewStateValue, NewStateReason, AlarmDescription } = alarm.data;
    const level: Severity = NewStateValue === 'ALARM' ? 'critical' : NewStateValue === 'OK' ? 'info' : 'warning';
    return {
      notification: {
        severity: level,
        kind: 'cloudwatch.alarm',
        title: `Alarm ${AlarmName} is ${NewStateValue}`,
        summary: AlarmDescription ?? NewStateReason ?? '',
        facts: NewStateReason ? [['Reason', NewStateReason]] : [],
        links: [],
        correlationId: envelope.MessageId,
      },
      factsLeftOut: 0,
      snsMessageId: envelope.MessageId,
    };
  }
  return {
    notification: {
      severity: attributeSeverity.success ? attributeSeverity.data : 'warning',
      kind: 'sns.message',
      title: envelope.Subject ?? 'A message on the alerts topic',
      summary: envelope.Message,
      facts: [],
      links: [],
      ...(service ? { service } : {}),
      correlationId: envelope.MessageId,
    },
    factsLeftOut: 0,
    snsMessageId: envelope.MessageId,
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: a plain-text message, shown as it is.
    return undefined;
  }
}
