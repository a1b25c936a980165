/**
 * Deployed entry (serverless.yml: functions/lifecycle/resume-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { lifecycleClientClasses } from './clients';
import { lifecycleConfig } from './config';
import { makeResumeHandler } from './handlers';

/** SQS: the continuation queue, where waits that outlast one invocation are handed over. */
export const handler = makeResumeHandler(coldStartDeps(lifecycleClientClasses, lifecycleConfig));
