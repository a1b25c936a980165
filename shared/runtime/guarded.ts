/**
 * What every EventBridge (or Scheduler) handler does around its step: log the event at debug level, run the step,
 * and then either log the result, or report an event without the documented shape (nothing changed, no retry), or
 * send one warning about any other error and rethrow it so Lambda's asynchronous retries and the failed-events
 * queue take over. The capability keeps its own kinds and wording; the spine names none.
 */
import { EventValidationError } from '../errors';
import { type Notifier, notifySafely } from '../notify/notifier';
import { eventIdOf, reportRejectedEvent } from '../notify/rejection';

/** What a guarded handler returns for an event it refused. */
export type RejectedResult = { status: 'rejected'; reason: string };

/** The logger calls the guard makes (Powertools Logger has them all). */
export interface GuardLog {
  debug(message: string, fields: Record<string, unknown>): void;
  info(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/**
 * A capability's kinds and texts. Declare it with the capability's union, `const guard: StepGuard<SiteKind> = ...`,
 * so a misspelt kind fails to compile.
 */
export interface StepGuard<K extends string> {
  /** Kind of the warning about an event without the documented shape. */
  invalid: K;
  /** Kind of the warning about an error left to Lambda's retry. */
  retrying: K;
  /** Logged (info) with the step's result. */
  handledLog: string;
  /** Logged (error) with the error before it is rethrown. */
  failedLog: string;
  /** Title of the retrying warning. */
  retryingTitle: string;
  /** What happens next; the warning's summary is `<error name>: <error message>. <retryingNext>`. */
  retryingNext: string;
}

/** Sends the capability's retrying warning for `error`; a notifier failure is logged, never thrown. */
export async function notifyRetrying<K extends string>(
  deps: { notifier: Notifier; log: Pick<GuardLog, 'error'> },
  guard: StepGuard<K>,
  error: unknown,
  correlationId: string,
  service?: string,
): Promise<void> {
  deps.log.error(guard.failedLog, { error });
  await notifySafely(deps.notifier, deps.log, {
    severity: 'warning',
    kind: guard.retrying,
    title: guard.retryingTitle,
    summary: `${(error as Error).name}: ${(error as Error).message}. ${guard.retryingNext}`,
    facts: [],
    links: [],
    ...(service ? { service } : {}),
    correlationId,
  });
}

/** Wraps `step` into a handler: a result, a rejection `{status:'rejected'}`, or the step's error rethrown. */
export function guardedHandler<K extends string, R>(
  deps: { notifier: Notifier; log: GuardLog },
  guard: StepGuard<K>,
  step: (event: unknown) => Promise<R>,
): (event: unknown) => Promise<R | RejectedResult> {
  return async (event: unknown): Promise<R | RejectedResult> => {
    deps.log.debug('event', { event });
    try {
      const result = await step(event);
      deps.log.info(guard.handledLog, { result });
      return result;
    } catch (error) {
      if (error instanceof EventValidationError) {
        await reportRejectedEvent(deps.notifier, deps.log, guard.invalid, error, eventIdOf(event));
        return { status: 'rejected', reason: error.message };
      }
      await notifyRetrying(deps, guard, error, eventIdOf(event));
      throw error;
    }
  };
}
