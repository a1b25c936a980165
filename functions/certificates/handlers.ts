/**
 * Handler factories of the certificate functions: parse the event (zod, naming the field), call the core (flow.ts,
 * audit.ts). The deployed entries (*-handler.ts) build them once per cold start; tests and the simulated account
 * build them with their own deps.
 */
import { EventValidationError } from '../../shared/errors';
import { notifySafely } from '../../shared/notify/notifier';
import { eventIdOf, reportRejectedEvent } from '../../shared/notify/rejection';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { type AuditResult, runAudit } from './audit';
import type { CertificatesClients } from './clients';
import { parseAcmEvent, parseAuditRequest } from './events';
import { onCertificateEvent, type StepResult } from './flow';
import type { CertificatesKind } from './report';

type Deps = HandlerDeps<CertificatesClients>;
export type CertificatesHandlerResult = StepResult | AuditResult | { status: 'rejected'; reason: string };

/** EventBridge: ACM Certificate Approaching Expiration | Renewal Action Required | Expired | Available. */
export function makeCertificateEventHandler(deps: Deps) {
  return guarded(deps, async (event) => onCertificateEvent(parseAcmEvent(event), deps));
}

/** EventBridge Scheduler (daily) or manual: `{"fleetpilot":"certificates","action":"audit"}`. */
export function makeCertificateAuditHandler(deps: Deps) {
  return guarded(deps, async (event) => {
    parseAuditRequest(event);
    return runAudit(deps, `audit-${new Date(deps.clock.now()).toISOString()}`);
  });
}

function guarded(deps: Deps, step: (event: unknown) => Promise<StepResult | AuditResult>) {
  return async (event: unknown): Promise<CertificatesHandlerResult> => {
    deps.log.debug('event', { event });
    try {
      const result = await step(event);
      deps.log.info('certificate step handled', { result });
      return result;
    } catch (error) {
      if (error instanceof EventValidationError) {
        await reportRejectedEvent(
          deps.notifier,
          deps.log,
          'certificates.event.invalid' satisfies CertificatesKind,
          error,
          eventIdOf(event),
        );
        return { status: 'rejected', reason: error.message };
      }
      deps.log.error('certificate step failed; left for retry', { error });
      await notifySafely(deps.notifier, deps.log, {
        severity: 'warning',
        kind: 'certificates.step.retrying' satisfies CertificatesKind,
        title: 'A certificate step hit an error; retrying',
        summary: `${(error as Error).name}: ${(error as Error).message}. Lambda retries; after the last retry the event goes to the dead-letter queue.`,
        facts: [],
        links: [],
        correlationId: eventIdOf(event),
      });
      throw error;
    }
  };
}
