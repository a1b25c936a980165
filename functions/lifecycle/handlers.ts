/**
 * Handler factories: parse the event, pick the service from the config, call the core, report the outcome.
 * The deployed handlers (launch-handler.ts, terminate-handler.ts, resume-handler.ts) build them once per cold start;
 * tests and the simulated account build them with their own deps.
 */
import type { Context } from 'aws-lambda';
import { serviceForGroup } from '../../shared/config/lookup';
import { makeContinuationHandler, payloadOf, type Received } from '../../shared/continuation/dispatch';
import { envelope, sendContinuations } from '../../shared/continuation/envelope';
import { EventValidationError, isTransient } from '../../shared/errors';
import { withCorrelation } from '../../shared/log/logger';
import { type Notification, notifySafely } from '../../shared/notify/notifier';
import { eventIdOf, reportRejectedEvent } from '../../shared/notify/rejection';
import { budgetFrom } from '../../shared/runtime/clock';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { type Deployment, deadlineStart, parseLifecycleEvent } from './action';
import { createLifecycleCache, type LifecycleCache } from './cache';
import type { LifecycleClients } from './clients';
import { ignoreHook, ownsHook } from './config';
import { type Incoming, type LifecycleDeps, type Outcome, stepLifecycle } from './flow';
import { LIFECYCLE_STEP, progressSchema, startProgress } from './progress';
import type { LifecycleKind } from './report';

export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'> &
  Partial<Pick<Context, 'awsRequestId' | 'invokedFunctionArn'>>;

export type HandlerResult = Outcome | { status: 'ignored'; reason: string } | { status: 'rejected'; reason: string };

type Deps = HandlerDeps<LifecycleClients>;

function lifecycleDeps(deps: Deps, cache: LifecycleCache): LifecycleDeps {
  return { ...deps, cache };
}

/** EventBridge: one launch or terminate action. */
export function makeLifecycleHandler(expected: 'launch' | 'terminate', deps: Deps) {
  return async (event: unknown, context: LambdaContext): Promise<HandlerResult> => {
    const log = deps.log;
    log.debug('event', { event });
    let parsed: ReturnType<typeof parseLifecycleEvent>;
    try {
      parsed = parseLifecycleEvent(event, expected, deployment(deps, context));
    } catch (error) {
      if (error instanceof EventValidationError) return reject(deps, error, eventIdOf(event));
      throw error;
    }
    if (parsed.kind === 'test-notification') {
      log.info('ignored autoscaling:TEST_NOTIFICATION');
      return { status: 'ignored', reason: 'autoscaling:TEST_NOTIFICATION' };
    }
    const { action } = parsed;
    const service = serviceForGroup(deps.config, action.groupName);
    withCorrelation(log, {
      asg: action.groupName,
      instanceId: action.instanceId,
      eventId: action.eventId,
      phase: 'start',
      ...(service ? { fleetpilotService: service.name } : {}),
    });
    if (!service) {
      log.info('ignored: the Auto Scaling group is not in the config');
      return { status: 'ignored', reason: `group ${action.groupName} is not managed by fleetpilot` };
    }
    if (!ownsHook(service, action.transition, action.hookName)) return ignoreHook(log, action.hookName);
    // Deadlines start no earlier than half a timeout before the arrival; the hook's heartbeat timeout still runs from
    // the event time (action.ts, deadlineStart).
    const { launch, terminate } = service.lifecycle;
    const timeoutS = expected === 'launch' ? launch.healthyTimeoutSeconds : terminate.drainTimeoutSeconds;
    const start = deadlineStart(parsed.raisedAt, deps.clock.now(), timeoutS * 1000);
    const progress = {
      ...startProgress({ ...action, time: start }),
      lastHeartbeat: Math.min(start, parsed.raisedAt),
    };
    const incoming: Incoming = { progress, service, hops: 0, retries: 0 };
    try {
      // The event is only a claim: hand it to the batch, whose one guard read checks it with Auto Scaling for every
      // action that arrived together (one DescribeAutoScalingInstances per 50, not one per event).
      await sendContinuations(deps.clients.sqs, [
        {
          queueUrl: deps.continuationQueueUrl,
          envelope: envelope(LIFECYCLE_STEP, incoming.progress),
          delaySeconds: 0,
          subject: action.instanceId,
        },
      ]);
      const outcome: Outcome = { status: 'waiting', phase: 'start' };
      log.info('lifecycle action handed to the batch', { outcome });
      return outcome;
    } catch (error) {
      await retrying(deps, [incoming], error);
      throw error;
    }
  };
}

/**
 * SQS: the continuation queue. Every `lifecycle.step` envelope of the batch is moved on by one core call, so the
 * actions waiting in one target group share one DescribeTargetHealth. A retryable failure of the whole batch sends
 * its messages back (ReportBatchItemFailures; SQS redelivers after the visibility timeout, then dead-letters).
 */
export function makeResumeHandler(deps: Deps) {
  const core = lifecycleDeps(deps, createLifecycleCache());
  return (event: unknown, context: LambdaContext) =>
    makeContinuationHandler({
      steps: { [LIFECYCLE_STEP]: (received) => resume(received, deps, core, context) },
      rejected: async (error, messageId) => {
        await reject(deps, error, messageId);
      },
    })(event);
}

async function resume(
  received: readonly Received[],
  deps: Deps,
  core: LifecycleDeps,
  context: LambdaContext,
): Promise<string[]> {
  const batch: Incoming[] = [];
  const ids: string[] = [];
  for (const r of received) {
    const payload = payloadOf(r, progressSchema);
    if (payload instanceof EventValidationError) {
      await reject(deps, payload, r.messageId);
      continue;
    }
    const service = serviceForGroup(deps.config, payload.action.groupName);
    if (!service) {
      deps.log.warn('ignored a continuation for a group that is not in the config', {
        asg: payload.action.groupName,
      });
      continue;
    }
    batch.push({
      progress: payload,
      service,
      hops: r.envelope.hops,
      retries: r.envelope.retries,
      ...(r.envelope.result !== undefined ? { result: r.envelope.result } : {}),
    });
    ids.push(r.messageId);
  }
  if (batch.length === 0) return [];
  withCorrelation(deps.log, {
    batchSize: batch.length,
    instanceId: batch.length === 1 ? batch[0]?.progress.action.instanceId : undefined,
  });
  try {
    const outcomes = await stepLifecycle(batch, core, budgetFrom(deps.clock, context.getRemainingTimeInMillis()));
    for (const [i, item] of batch.entries()) {
      deps.log.debug('lifecycle action handled', { instanceId: item.progress.action.instanceId, outcome: outcomes[i] });
    }
    deps.log.info('lifecycle batch handled', { outcomes: countBy(outcomes) });
    return [];
  } catch (error) {
    await retrying(deps, batch, error);
    if (!isTransient(error)) throw error;
    // SQS redelivers them after the visibility timeout (150 s) and dead-letters them after maxReceiveCount.
    return ids;
  }
}

function countBy(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

async function retrying(deps: Deps, batch: readonly Incoming[], error: unknown): Promise<void> {
  deps.log.error('lifecycle actions failed; left for retry', { error, actions: batch.length });
  const [first] = batch;
  if (!first) return;
  const { action } = first.progress;
  const kind: LifecycleKind =
    action.transition === 'launch' ? 'lifecycle.launch.retrying' : 'lifecycle.terminate.retrying';
  await safeNotify(deps, {
    severity: 'warning',
    kind,
    title:
      batch.length === 1
        ? `${action.transition === 'launch' ? 'Launch' : 'Terminate'} of ${action.instanceId} hit an error; retrying`
        : `${batch.length} lifecycle actions hit an error; retrying`,
    summary: `${(error as Error).name}: ${(error as Error).message}. Lambda (or SQS) retries; after the last retry it goes to the dead-letter queue.`,
    facts: batch.map((i): [string, string] => [
      i.progress.action.instanceId,
      `${i.progress.action.groupName}, phase ${i.progress.phase}`,
    ]),
    links: [],
    service: first.service.name,
    correlationId: action.eventId,
  });
}

/**
 * Where this function runs: the config's region (the stack deploys there; AWS_REGION when a config has none) and the
 * account of the function's ARN (arn:aws:lambda:region:account:function:name, field 5), when the context carries it.
 */
function deployment(deps: Deps, context: LambdaContext): Deployment {
  const account = context.invokedFunctionArn?.split(':')[4];
  return {
    region: deps.config.region ?? process.env.AWS_REGION ?? '',
    ...(account ? { account } : {}),
    now: deps.clock.now(),
  };
}

async function reject(deps: Deps, error: EventValidationError, correlationId: string): Promise<HandlerResult> {
  await reportRejectedEvent(
    deps.notifier,
    deps.log,
    'lifecycle.event.invalid' satisfies LifecycleKind,
    error,
    correlationId,
  );
  return { status: 'rejected', reason: error.message };
}

const safeNotify = (deps: Pick<Deps, 'notifier' | 'log'>, notification: Notification) =>
  notifySafely(deps.notifier, deps.log, notification);
