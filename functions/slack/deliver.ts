/**
 * The Slack delivery core: a batch of SNS envelopes from the queue → the notifications → one message per destination
 * and service (a burst of many becomes one message with a count) → posted → the records that could not be delivered
 * are reported back, so SQS returns them and, after maxReceiveCount receives, moves them to the dead-letter queue.
 *
 * Which destination: a notification naming a service goes to that service's `slack` (none: not sent to Slack); one
 * naming no service, or naming a service fleetpilot does not know (a foreign message), goes to every configured
 * destination once.
 */
import type { FleetpilotConfig } from '../../shared/config/schema';
import type { Severity } from '../../shared/notify/notifier';
import type { SlackConfig } from './config';
import { parseEnvelope, receivedFrom } from './envelope';
import { mentionFor, type Received, renderBurst, type SlackMessage, severityAtLeast, worstSeverity } from './render';
import { type SecretSource, SlackSecretError } from './secret';
import { type Destination, postToSlack, SlackDeliveryError, type TransportOptions } from './transport';

export interface SqsRecord {
  messageId: string;
  body: string;
}

export interface DeliveryLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export interface DeliveryDeps {
  config: FleetpilotConfig;
  secrets: SecretSource;
  transport: TransportOptions;
  log: DeliveryLog;
  /** Called with every message posted (the demo prints them); optional. */
  onPosted?: (posted: PostedMessage) => void;
}

export interface PostedMessage {
  destination: Destination;
  service: string | undefined;
  count: number;
  message: SlackMessage;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

interface Route {
  destination: Destination;
  slack: SlackConfig;
}

type SlackService = { name: string; slack?: SlackConfig | undefined };

/** The destination of one service's section for a severity (a bot's channel per severity, else its channel). */
function destinationOf(service: string, slack: SlackConfig, severity: Severity): Destination {
  const t = slack.transport;
  if ('webhook' in t) return { kind: 'webhook', parameter: t.webhook.parameter, label: `webhook of ${service}` };
  const channel = t.bot.channels[severity] ?? t.bot.channel;
  return { kind: 'bot', parameter: t.bot.parameter, channel, label: `channel ${channel}` };
}

const keyOf = (d: Destination) => (d.kind === 'webhook' ? `webhook ${d.parameter}` : `bot ${d.parameter} ${d.channel}`);

function routesFor(config: FleetpilotConfig, r: Received): Route[] {
  const services = config.services as SlackService[];
  const n = r.notification;
  const own = n.service === undefined ? undefined : services.find((s) => s.name === n.service);
  const candidates = own ? [own] : services;
  const routes = new Map<string, Route>();
  for (const service of candidates) {
    const slack = service.slack;
    if (!slack || !severityAtLeast(n.severity, slack.minSeverity)) continue;
    const destination = destinationOf(service.name, slack, n.severity);
    if (!routes.has(keyOf(destination))) routes.set(keyOf(destination), { destination, slack });
  }
  return [...routes.values()];
}

export async function deliverBatch(records: readonly SqsRecord[], deps: DeliveryDeps): Promise<BatchResult> {
  const failed = new Set<string>();
  const groups = new Map<string, { route: Route; service: string | undefined; items: Received[]; ids: string[] }>();
  for (const record of records) {
    let received: Received;
    try {
      received = receivedFrom(parseEnvelope(record.body));
    } catch (error) {
      // Not an SNS envelope: nothing to show, but not dropped either (it ends in the dead-letter queue).
      deps.log.error('a queue message is not an SNS notification', { messageId: record.messageId, error });
      failed.add(record.messageId);
      continue;
    }
    for (const route of routesFor(deps.config, received)) {
      const service = received.notification.service;
      const key = `${keyOf(route.destination)}|${service ?? ''}`;
      const group = groups.get(key) ?? { route, service, items: [], ids: [] };
      group.items.push(received);
      group.ids.push(record.messageId);
      groups.set(key, group);
    }
  }
  for (const { route, service, items, ids } of groups.values()) {
    const worst = worstSeverity(items.map((r) => r.notification.severity));
    const message = renderBurst(items, service, mentionFor(route.slack.mentions[worst]));
    const where = { destination: route.destination.label, parameter: route.destination.parameter, service };
    try {
      const secret = await deps.secrets.get(route.destination.parameter);
      const { attempts } = await postToSlack(route.destination, secret, message, deps.transport);
      deps.log.info('posted to Slack', { ...where, notifications: items.length, attempts });
      deps.onPosted?.({ destination: route.destination, service, count: items.length, message });
    } catch (error) {
      for (const id of ids) failed.add(id);
      if (error instanceof SlackSecretError || (error instanceof SlackDeliveryError && error.permanent)) {
        // A refused token or URL may have been rotated since it was cached: read it again next time.
        deps.secrets.forget(route.destination.parameter);
        deps.log.error('Slack delivery failed for good; the messages go to the dead-letter queue', {
          ...where,
          reason: error.message,
          ...(error instanceof SlackDeliveryError ? error.details : {}),
          fleetpilotSlackFailed: 1,
          messageIds: ids,
        });
      } else if (error instanceof SlackDeliveryError) {
        deps.log.warn('Slack delivery failed for now; the messages return to the queue', {
          ...where,
          reason: error.message,
          ...error.details,
          messageIds: ids,
        });
      } else {
        deps.log.warn('could not read the Slack secret; the messages return to the queue', {
          ...where,
          reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          messageIds: ids,
        });
      }
    }
  }
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}
