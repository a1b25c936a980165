/**
 * Handler factory of the target health function: parse the alarm event (zod, naming the field), call the core
 * (flow.ts), report a rejected event or an error that Lambda retries. The deployed entry (alarm-handler.ts) builds it
 * once per cold start; tests and the simulated account build it with their own deps.
 */
import { ConfigError } from '../../shared/errors';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { guardedHandler, type RejectedResult, type StepGuard } from '../../shared/runtime/guarded';
import type { TargetHealthClients } from './clients';
import { parseAlarmEvent } from './events';
import { type HealthResult, onAlarmEvent } from './flow';
import type { TargetHealthKind } from './report';

type Deps = HandlerDeps<TargetHealthClients>;
export type TargetHealthHandlerResult = HealthResult | RejectedResult;

/** The target health function's kinds and texts around its step (shared/runtime/guarded.ts). */
const guard: StepGuard<TargetHealthKind> = {
  invalid: 'target-health.event.invalid',
  retrying: 'target-health.step.retrying',
  handledLog: 'target health alarm handled',
  failedLog: 'target health diagnosis failed; left for retry',
  retryingTitle: 'A target health diagnosis hit an error; retrying',
  retryingNext: 'Lambda retries; after the last retry the event goes to the failed-events queue.',
};

/** EventBridge: "CloudWatch Alarm State Change" of the alarms deploy.ts creates. */
export function makeTargetHealthHandler(deps: Deps): (event: unknown) => Promise<TargetHealthHandlerResult> {
  // Lives as long as the execution environment: a repeated delivery to a warm function is not reported twice.
  const handled = new Set<string>();
  // Without the stage no alarm name can be recognised: fail at cold start rather than ignore every alarm.
  const { stage } = deps;
  if (!stage) throw new ConfigError('environment', ['FLEETPILOT_STAGE is not set (serverless.yml sets it on deploy)']);
  return guardedHandler(deps, guard, async (event) =>
    onAlarmEvent(parseAlarmEvent(event), { ...deps, stage, handled }),
  );
}
