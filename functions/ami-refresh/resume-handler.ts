/**
 * Deployed entry (serverless.yml: functions/ami-refresh/resume-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { amiRefreshClientClasses } from './clients';
import { amiRefreshConfig } from './config';
import { makeAmiResumeHandler } from './handlers';

/** SQS: the AMI refresh continuation queue (a start waiting for another refresh). */
export const handler = makeAmiResumeHandler(coldStartDeps(amiRefreshClientClasses, amiRefreshConfig));
