/**
 * Deployed entry (serverless.yml: functions/ami-refresh/bake-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { amiRefreshClientClasses } from './clients';
import { amiRefreshConfig } from './config';
import { makeBakeHandler } from './handlers';

/** Manual or scheduled: bake a new image, or run retention, for one service. */
export const handler = makeBakeHandler(coldStartDeps(amiRefreshClientClasses, amiRefreshConfig));
