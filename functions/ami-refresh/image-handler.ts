/**
 * Deployed entry (serverless.yml: functions/ami-refresh/image-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { amiRefreshClientClasses } from './clients';
import { amiRefreshConfig } from './config';
import { makeImageHandler } from './handlers';

/** EventBridge: EC2 AMI State Change. */
export const handler = makeImageHandler(coldStartDeps(amiRefreshClientClasses, amiRefreshConfig));
