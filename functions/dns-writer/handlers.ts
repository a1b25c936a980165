/**
 * The Route 53 writer function (SQS: the DNS change queue; reserved concurrency 1, batching window): every
 * `dns.change` envelope of the batch is written by one core call, each request's outcome goes to its `then`
 * continuation, and every change Route 53 refused is reported in one notification per batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { makeContinuationHandler, type Received } from '../../shared/continuation/dispatch';
import { type Continuation, type Outgoing, sendContinuations } from '../../shared/continuation/envelope';
import { DNS_REQUEST_KIND, type DnsOutcome, type DnsRequest, dnsRequestSchema } from '../../shared/dns/request';
import { writeChanges } from '../../shared/dns/writer';
import { EventValidationError, formatIssuePath } from '../../shared/errors';
import { type Notification, type Notifier, notifySafely } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';

export interface DnsWriterDeps {
  clients: { route53: Route53Client; sqs: SQSClient };
  notifier: Notifier;
  clock: Clock;
  log: Logger;
}

export function makeDnsWriterHandler(deps: DnsWriterDeps) {
  return makeContinuationHandler({
    steps: { [DNS_REQUEST_KIND]: (received) => writeBatch(received, deps) },
    rejected: (error, messageId) => rejected(deps, error, messageId),
  });
}

async function writeBatch(received: readonly Received[], deps: DnsWriterDeps): Promise<string[]> {
  const requests: { messageId: string; request: DnsRequest }[] = [];
  for (const r of received) {
    const parsed = dnsRequestSchema.safeParse(r.envelope.payload);
    if (parsed.success) requests.push({ messageId: r.messageId, request: parsed.data as DnsRequest });
    else {
      await rejected(
        deps,
        new EventValidationError(
          'DNS change request',
          parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
        ),
        r.messageId,
      );
    }
  }
  if (requests.length === 0) return [];
  const report = await writeChanges(
    requests.map((r) => r.request),
    { route53: deps.clients.route53, clock: deps.clock },
  );
  const retry: string[] = [];
  const answers: Outgoing[] = [];
  const failures: [string, string][] = [];
  requests.forEach(({ messageId, request }, i) => {
    const outcome = report.outcomes[i];
    if (!outcome) {
      retry.push(messageId);
      return;
    }
    for (const f of outcome.failed) failures.push([`${request.what}: ${f.name}`, f.reason]);
    if (request.answerTo) answers.push(answer(request.answerTo, outcome));
  });
  deps.log.info('DNS batch written', {
    requests: requests.length,
    route53Calls: report.calls,
    retried: retry.length,
    failed: failures.length,
  });
  // An answer that cannot be sent leaves its request for redelivery: rewriting the same changes is harmless.
  try {
    await sendContinuations(deps.clients.sqs, answers);
  } catch (error) {
    deps.log.error('could not send DNS outcomes; the requests will be redelivered', { error });
    return requests.map((r) => r.messageId);
  }
  if (failures.length > 0) {
    await safeNotify(deps, {
      severity: 'critical',
      kind: 'dns.change.failed',
      title: `Route 53 refused ${failures.length} record change(s)`,
      summary:
        'These changes were refused by Route 53 and not applied; the rest of the batch was written. The capability that asked was told and acts on it.',
      facts: failures,
      links: [],
      correlationId: requests[0]?.messageId ?? 'unknown',
    });
  }
  return retry;
}

function answer(to: Continuation, dns: DnsOutcome): Outgoing {
  return { queueUrl: to.queueUrl, envelope: { ...to.envelope, result: { dns } }, delaySeconds: 0 };
}

async function rejected(deps: DnsWriterDeps, error: EventValidationError, messageId: string): Promise<void> {
  deps.log.error('rejected a malformed DNS change request; nothing was written', { error });
  await safeNotify(deps, {
    severity: 'warning',
    kind: 'dns.request.invalid',
    title: 'Malformed DNS change request ignored',
    summary: 'A message on the DNS change queue does not have the shape fleetpilot writes, so nothing was changed.',
    facts: error.issues.map((issue, i): [string, string] => [`Problem ${i + 1}`, issue]),
    links: [],
    correlationId: messageId,
  });
}

const safeNotify = (deps: Pick<DnsWriterDeps, 'notifier' | 'log'>, notification: Notification) =>
  notifySafely(deps.notifier, deps.log, notification);
