/**
 * Handler factory of the target health function: parse the alarm event (zod, naming the field), call the core
 * (flow.ts), report a rejected event or an error that Lambda retries. The deployed entry (alarm-handler.ts) builds it
 * once per cold start; tests and the simulated account build it with their own deps.
 */
import { EventValidationError } from '../../shared/errors';
import { notifySafely } from '../../shared/notify/notifier';
import { eventIdOf, reportRejectedEvent } from '../../shared/notify/rejection';
import type { HandlerDeps } from '../../shared/runtime/deps';
import type { TargetHealthClients } from './clients';
import { parseAlarmEvent } from './events';
import { type HealthResult, onAlarmEvent } from './flow';
import type { TargetHealthKind } from './report';

type Deps = HandlerDeps<TargetHealthClients>;
export type TargetHealthHandlerResult = HealthResult | { status: 'rejected'; reason: string };

/** EventBridge: "CloudWatch Alarm State Change" of the alarms deploy.ts creates. */
export function makeTargetHealthHandler(deps: Deps) {
  // Lives as long as the execution environment: a repeated delivery to a warm function is not reported twice.
  const handled = new Set<string>();
  return async (event: unknown): Promise<TargetHealthHandlerResult> => {
    deps.log.debug('event', { event });
    try {
      const result = await onAlarmEvent(parseAlarmEvent(event), { ...deps, handled });
      deps.log.info('target health alarm handled', { result });
      return result;
    } catch (error) {
      if (error instanceof EventValidationError) {
        await reportRejectedEvent(
          deps.notifier,
          deps.log,
          'target-health.event.invalid' satisfies TargetHealthKind,
          error,
          eventIdOf(event),
        );
        return { status: 'rejected', reason: error.message };
      }
      deps.log.error('target health diagnosis failed; left for retry', { error });
      await notifySafely(deps.notifier, deps.log, {
        severity: 'warning',
        kind: 'target-health.step.retrying' satisfies TargetHealthKind,
        title: 'A target health diagnosis hit an error; retrying',
        summary: `${(error as Error).name}: ${(error as Error).message}. Lambda retries; after the last retry the event goes to the failed-events queue.`,
        facts: [],
        links: [],
        correlationId: eventIdOf(event),
      });
      throw error;
    }
  };
}
