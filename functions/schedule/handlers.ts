/**
 * Handler factory of the scheduled scaling function: parse the Scheduler input (zod, naming the field), pick the
 * service(s), call the core (scale.ts) for each. The deployed entry (scale-handler.ts) builds it once per cold start;
 * tests and the simulated account build it with their own deps.
 */
import { EventValidationError, isTransient } from '../../shared/errors';
import { reportRejectedEvent } from '../../shared/notify/rejection';
import type { HandlerDeps } from '../../shared/runtime/deps';
import type { ScheduleClients } from './clients';
import type { ScheduleKind } from './report';
import { parseScheduleRequest } from './request';
import { type ScaleOutcome, type ScheduledService, scaleService, scheduledServices } from './scale';

type Deps = HandlerDeps<ScheduleClients>;

/** A scheduled time this far ahead of the function's clock is not Scheduler's: refused, nothing changes. */
export const MAX_CLOCK_SKEW_MS = 60_000;

export type ScheduleHandlerResult =
  | { status: 'rejected'; reason: string }
  | { status: 'ignored'; reason: string }
  | { status: 'done'; services: Record<string, ScaleOutcome | { status: 'failed'; error: string }> };

/** EventBridge Scheduler: a rule's schedule or the reconcile. */
export function makeScaleHandler(deps: Deps) {
  return async (event: unknown): Promise<ScheduleHandlerResult> => {
    deps.log.debug('event', { event });
    let services: ScheduledService[];
    let at: Date;
    let trigger: string;
    let correlationId: string;
    try {
      const request = parseScheduleRequest(event);
      const now = deps.clock.now();
      const scheduled = request.scheduledTime ? Date.parse(request.scheduledTime) : now;
      if (scheduled > now + MAX_CLOCK_SKEW_MS) {
        throw new EventValidationError('scheduled scaling request', [
          `scheduledTime: ${request.scheduledTime} is in the future (now ${new Date(now).toISOString()})`,
        ]);
      }
      // Level at the later of now and the scheduled time: a late delivery computes today's level, not a stale one.
      at = new Date(Math.max(now, scheduled));
      const all = scheduledServices(deps.config);
      if (request.action === 'rule') {
        const service = all.find((s) => s.name === request.service);
        if (!service?.schedule.rules.some((r) => r.name === request.rule)) {
          return { status: 'ignored', reason: `service ${request.service} has no schedule rule ${request.rule}` };
        }
        services = [service];
        trigger = request.rule;
      } else {
        services = all;
        trigger = 'reconcile';
      }
      correlationId = `schedule-${trigger}-${request.scheduledTime ?? at.toISOString()}`;
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      await reportRejectedEvent(
        deps.notifier,
        deps.log,
        'schedule.event.invalid' satisfies ScheduleKind,
        error,
        'unknown',
      );
      return { status: 'rejected', reason: error.message };
    }
    const results: Record<string, ScaleOutcome | { status: 'failed'; error: string }> = {};
    let retry: unknown;
    for (const service of services) {
      try {
        results[service.name] = await scaleService({ service, at, trigger, correlationId }, deps);
      } catch (error) {
        // Reported by the core; one service's failure does not stop the others. Transient ones are rethrown at
        // the end so Lambda retries; the others wait for the next reconcile.
        deps.log.error('scheduled scaling failed', { error, service: service.name });
        results[service.name] = { status: 'failed', error: `${(error as Error).name}: ${(error as Error).message}` };
        if (isTransient(error)) retry ??= error;
      }
    }
    deps.log.info('scheduled scaling handled', { trigger, results });
    if (retry) throw retry;
    return { status: 'done', services: results };
  };
}
