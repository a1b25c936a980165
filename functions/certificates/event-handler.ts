/**
 * Deployed entry (serverless.yml: functions/certificates/event-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { certificatesClientClasses } from './clients';
import { certificatesConfig } from './config';
import { makeCertificateEventHandler } from './handlers';

export const handler = makeCertificateEventHandler(coldStartDeps(certificatesClientClasses, certificatesConfig));
