/**
 * The Slack function (SQS: the Slack queue, subscribed to the alerts topic): checks the batch's shape, hands it to the
 * delivery core, and answers with the records that failed (ReportBatchItemFailures). The secret source is created once
 * per execution environment, so its cache lives as long as the environment.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { EventValidationError } from '../../shared/errors';
import type { Clock } from '../../shared/runtime/clock';
import { type BatchResult, type DeliveryDeps, type DeliveryLog, deliverBatch } from './deliver';
import { createParameterSecrets } from './secret';

export interface SlackHandlerDeps {
  config: FleetpilotConfig;
  clients: { ssm: Pick<SSMClient, 'send'> };
  clock: Clock;
  log: DeliveryLog;
}

export interface SlackHandlerOptions {
  fetch?: typeof globalThis.fetch;
  apiBase?: string;
  onPosted?: DeliveryDeps['onPosted'];
}

/** Lambda's SQS event: the fields the function reads (Lambda developer guide, "Using Lambda with Amazon SQS"). */
const sqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string().min(1), body: z.string() })).min(1),
});

/** Time kept back from Lambda's remaining time for answering. */
const MARGIN_MS = 5_000;

export function makeSlackHandler(deps: SlackHandlerDeps, options: SlackHandlerOptions = {}) {
  const secrets = createParameterSecrets(deps.clients.ssm, deps.clock);
  return async (event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<BatchResult> => {
    const parsed = sqsEventSchema.safeParse(event);
    if (!parsed.success) {
      // Not an SQS batch: nothing to report back; the invocation fails so it is seen.
      throw new EventValidationError(
        'SQS',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      );
    }
    const started = deps.clock.now();
    const budget = context.getRemainingTimeInMillis() - MARGIN_MS;
    return deliverBatch(parsed.data.Records, {
      config: deps.config,
      secrets,
      log: deps.log,
      transport: {
        fetch: options.fetch ?? globalThis.fetch,
        sleep: (ms) => deps.clock.sleep(ms),
        remainingMs: () => budget - (deps.clock.now() - started),
        ...(options.apiBase ? { apiBase: options.apiBase } : {}),
      },
      ...(options.onPosted ? { onPosted: options.onPosted } : {}),
    });
  };
}
