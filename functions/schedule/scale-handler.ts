/**
 * Deployed entry (serverless.yml: functions/schedule/scale-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { scheduleClientClasses } from './clients';
import { scheduleConfig } from './config';
import { makeScaleHandler } from './handlers';

/** EventBridge Scheduler: a schedule rule of a service, or the 15-minute reconcile. */
export const handler = makeScaleHandler(coldStartDeps(scheduleClientClasses, scheduleConfig));
