/**
 * Handler factories of the AMI refresh functions: parse the event (zod, naming the field), pick the service, call
 * the core (flow.ts). The deployed entries (*-handler.ts) build them once per cold start; tests and the simulated
 * account build them with their own deps.
 */
import * as z from 'zod';
import { makeContinuationHandler, payloadOf, type Received } from '../../shared/continuation/dispatch';
import { EventValidationError, isTransient } from '../../shared/errors';
import { notifySafely } from '../../shared/notify/notifier';
import { reportRejectedEvent } from '../../shared/notify/rejection';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { guardedHandler, notifyRetrying, type RejectedResult, type StepGuard } from '../../shared/runtime/guarded';
import type { AmiRefreshClients } from './clients';
import { parseImageEvent, parseRefreshEvent, parseRequest } from './events';
import {
  type AmiRefreshDeps,
  bake,
  managedServices,
  onImageEvent,
  onRefreshEvent,
  runRetention,
  START_KIND,
  type StepResult,
  startRefresh,
} from './flow';
import type { AmiRefreshKind } from './report';

type Deps = HandlerDeps<AmiRefreshClients>;
export type AmiHandlerResult = StepResult | RejectedResult;

/** A start waits at most this many times (5 min each: a day) for another refresh, then it is reported and dropped. */
export const MAX_WAITS = 288;

const coreDeps = (deps: Deps): AmiRefreshDeps => deps;

/** Manual (`npm run invoke`) or scheduled: `{ "fleetpilot": "ami-refresh", "action": "bake" | "retention", "service" }`. */
export function makeBakeHandler(deps: Deps) {
  return guarded(deps, async (event) => {
    const request = parseRequest(event);
    const service = managedServices(deps.config).find((s) => s.name === request.service);
    if (!service) return { status: 'ignored', reason: `service ${request.service} has no amiRefresh section` };
    const correlationId = `${request.action}-${request.service}-${deps.clock.now()}`;
    return request.action === 'bake'
      ? bake(service, coreDeps(deps), correlationId)
      : runRetention(service, coreDeps(deps), correlationId);
  });
}

/** EventBridge: EC2 AMI State Change. */
export function makeImageHandler(deps: Deps) {
  return guarded(deps, async (event) => onImageEvent(parseImageEvent(event), coreDeps(deps)));
}

/** EventBridge: the instance refresh events of the configured groups. */
export function makeRefreshEventHandler(deps: Deps) {
  return guarded(deps, async (event) => onRefreshEvent(parseRefreshEvent(event), coreDeps(deps)));
}

const startPayloadSchema = z.object({
  service: z.string().min(1).max(32),
  imageId: z.string().regex(/^ami-[0-9a-f]{8,17}$/),
  correlationId: z.string().min(1).max(256),
  waits: z.number().int().min(0),
});

/** SQS: the capability's continuation queue, where a start waiting for another refresh comes back. */
export function makeAmiResumeHandler(deps: Deps) {
  return makeContinuationHandler({
    steps: { [START_KIND]: (received) => resumeStarts(received, deps) },
    rejected: async (error, messageId) => {
      await rejected(deps, error, messageId);
    },
  });
}

async function resumeStarts(received: readonly Received[], deps: Deps): Promise<string[]> {
  const failed: string[] = [];
  for (const r of received) {
    const payload = payloadOf(r, startPayloadSchema);
    if (payload instanceof EventValidationError) {
      await rejected(deps, payload, r.messageId);
      continue;
    }
    const { service: name, imageId, correlationId, waits } = payload;
    const service = managedServices(deps.config).find((s) => s.name === name);
    if (!service) {
      deps.log.warn('ignored a waiting start of a service without amiRefresh', { service: name });
      continue;
    }
    if (waits > MAX_WAITS) {
      await notifySafely(deps.notifier, deps.log, {
        severity: 'warning',
        kind: 'ami-refresh.refresh.skipped' satisfies AmiRefreshKind,
        title: `Refresh of ${name} onto ${imageId} given up`,
        summary: `Another instance refresh kept running for ${MAX_WAITS} looks; start one by hand.`,
        facts: [['Image', imageId]],
        links: [],
        service: name,
        correlationId,
      });
      continue;
    }
    try {
      await startRefresh({ service, imageId, correlationId, waits }, coreDeps(deps));
    } catch (error) {
      await notifyRetrying(deps, guard, error, correlationId, name);
      if (!isTransient(error)) throw error;
      failed.push(r.messageId);
    }
  }
  return failed;
}

/** The AMI refresh functions' kinds and texts around their step (shared/runtime/guarded.ts). */
const guard: StepGuard<AmiRefreshKind> = {
  invalid: 'ami-refresh.event.invalid',
  retrying: 'ami-refresh.step.retrying',
  handledLog: 'AMI refresh step handled',
  failedLog: 'AMI refresh step failed; left for retry',
  retryingTitle: 'An AMI refresh step hit an error; retrying',
  retryingNext: 'Lambda (or SQS) retries; after the last retry it goes to the dead-letter queue.',
};

function guarded(deps: Deps, step: (event: unknown) => Promise<StepResult>) {
  return guardedHandler(deps, guard, step);
}

async function rejected(deps: Deps, error: EventValidationError, correlationId: string): Promise<AmiHandlerResult> {
  await reportRejectedEvent(deps.notifier, deps.log, guard.invalid, error, correlationId);
  return { status: 'rejected', reason: error.message };
}
