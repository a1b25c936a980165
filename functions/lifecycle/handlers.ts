/**
 * Handler factories: parse the event, pick the service from the config, call the core, report the outcome.
 * The deployed handlers (launch-handler.ts, terminate-handler.ts, resume-handler.ts) build them once per cold start;
 * tests and the simulated account build them with their own deps.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { serviceForGroup } from '../../shared/config/load';
import { EventValidationError, isTransient } from '../../shared/errors';
import { withCorrelation } from '../../shared/log/logger';
import type { Notification } from '../../shared/notify/notifier';
import { budgetFrom } from '../../shared/runtime/clock';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { parseLifecycleEvent } from './action';
import { type Outcome, runLifecycle } from './flow';
import { type Progress, parseProgress, startProgress } from './progress';

export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

export type HandlerResult = Outcome | { status: 'ignored'; reason: string } | { status: 'rejected'; reason: string };

export function makeLifecycleHandler(expected: 'launch' | 'terminate', deps: HandlerDeps) {
  return async (event: unknown, context: LambdaContext): Promise<HandlerResult> => {
    const log = deps.log;
    log.debug('event', { event });
    let parsed: ReturnType<typeof parseLifecycleEvent>;
    try {
      parsed = parseLifecycleEvent(event, expected);
    } catch (error) {
      if (error instanceof EventValidationError) return reject(deps, error, idOf(event));
      throw error;
    }
    if (parsed.kind === 'test-notification') {
      log.info('ignored autoscaling:TEST_NOTIFICATION');
      return { status: 'ignored', reason: 'autoscaling:TEST_NOTIFICATION' };
    }
    return runForService(startProgress(parsed.action), deps, context);
  };
}

/** Continues waits handed over through the continuation queue (SQS event source, batch items reported one by one). */
export function makeResumeHandler(deps: HandlerDeps) {
  return async (event: SQSEvent, context: LambdaContext): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let progress: Progress;
      try {
        progress = parseProgress(record.body);
      } catch (error) {
        if (!(error instanceof EventValidationError)) throw error;
        // Redelivery cannot fix a malformed body: report it and let the message go.
        await reject(deps, error, record.messageId);
        continue;
      }
      try {
        await runForService(progress, deps, context);
      } catch (error) {
        if (!isTransient(error)) throw error;
        // SQS redelivers it after the visibility timeout (150 s) and dead-letters it after maxReceiveCount.
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

async function runForService(progress: Progress, deps: HandlerDeps, context: LambdaContext): Promise<HandlerResult> {
  const { action } = progress;
  const service = serviceForGroup(deps.config, action.groupName);
  const log = deps.log;
  withCorrelation(log, {
    asg: action.groupName,
    instanceId: action.instanceId,
    eventId: action.eventId,
    phase: progress.phase,
    ...(service ? { fleetpilotService: service.name } : {}),
  });
  if (!service) {
    log.info('ignored: the Auto Scaling group is not in the config');
    return { status: 'ignored', reason: `group ${action.groupName} is not managed by fleetpilot` };
  }
  try {
    const outcome = await runLifecycle(
      progress,
      service,
      deps,
      budgetFrom(deps.clock, context.getRemainingTimeInMillis()),
    );
    log.info('lifecycle action handled', { outcome });
    return outcome;
  } catch (error) {
    log.error('lifecycle action failed; rethrowing for retry', { error });
    await safeNotify(deps, {
      severity: 'warning',
      kind: `lifecycle.${action.transition}.retrying`,
      title: `${action.transition === 'launch' ? 'Launch' : 'Terminate'} of ${action.instanceId} hit an error; retrying`,
      summary: `${(error as Error).name}: ${(error as Error).message}. Lambda retries the event; after the last retry it goes to the dead-letter queue.`,
      facts: [
        ['Instance', action.instanceId],
        ['Auto Scaling group', action.groupName],
        ['Phase', progress.phase],
      ],
      links: [],
      service: service.name,
      correlationId: action.eventId,
    });
    throw error;
  }
}

async function reject(deps: HandlerDeps, error: EventValidationError, correlationId: string): Promise<HandlerResult> {
  deps.log.error('rejected a malformed event; no AWS resource was changed', { error });
  await safeNotify(deps, {
    severity: 'warning',
    kind: 'lifecycle.event.invalid',
    title: `Malformed ${error.kind} ignored`,
    summary: 'The event does not match the shape AWS documents, so fleetpilot changed nothing.',
    facts: error.issues.map((issue, i): [string, string] => [`Problem ${i + 1}`, issue]),
    links: [],
    correlationId,
  });
  return { status: 'rejected', reason: error.message };
}

/** A failing notification must not hide the error being reported: log it and go on. */
async function safeNotify(deps: HandlerDeps, notification: Notification): Promise<void> {
  try {
    await deps.notifier.notify(notification);
  } catch (error) {
    deps.log.error('could not publish a notification', { error, title: notification.title });
  }
}

function idOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : 'unknown';
}
