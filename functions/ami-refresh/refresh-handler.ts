/**
 * Deployed entry (serverless.yml: functions/ami-refresh/refresh-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { amiRefreshClientClasses } from './clients';
import { amiRefreshConfig } from './config';
import { makeRefreshEventHandler } from './handlers';

/** EventBridge: the instance refresh events of the configured groups. */
export const handler = makeRefreshEventHandler(coldStartDeps(amiRefreshClientClasses, amiRefreshConfig));
