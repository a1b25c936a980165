/**
 * Handler factories of the certificate functions: parse the event (zod, naming the field), call the core (flow.ts,
 * audit.ts). The deployed entries (*-handler.ts) build them once per cold start; tests and the simulated account
 * build them with their own deps.
 */
import type { HandlerDeps } from '../../shared/runtime/deps';
import { guardedHandler, type RejectedResult, type StepGuard } from '../../shared/runtime/guarded';
import { type AuditResult, runAudit } from './audit';
import type { CertificatesClients } from './clients';
import { parseAcmEvent, parseAuditRequest } from './events';
import { onCertificateEvent, type StepResult } from './flow';
import type { CertificatesKind } from './report';

type Deps = HandlerDeps<CertificatesClients>;
export type CertificatesHandlerResult = StepResult | AuditResult | RejectedResult;

/** The certificate functions' kinds and texts around their step (shared/runtime/guarded.ts). */
const guard: StepGuard<CertificatesKind> = {
  invalid: 'certificates.event.invalid',
  retrying: 'certificates.step.retrying',
  handledLog: 'certificate step handled',
  failedLog: 'certificate step failed; left for retry',
  retryingTitle: 'A certificate step hit an error; retrying',
  retryingNext: 'Lambda retries; after the last retry the event goes to the dead-letter queue.',
};

/** EventBridge: ACM Certificate Approaching Expiration | Renewal Action Required | Expired | Available. */
export function makeCertificateEventHandler(deps: Deps) {
  return guardedHandler(deps, guard, async (event) => onCertificateEvent(parseAcmEvent(event), deps));
}

/** EventBridge Scheduler (daily) or manual: `{"fleetpilot":"certificates","action":"audit"}`. */
export function makeCertificateAuditHandler(deps: Deps) {
  return guardedHandler(deps, guard, async (event) => {
    parseAuditRequest(event);
    return runAudit(deps, `audit-${new Date(deps.clock.now()).toISOString()}`);
  });
}
