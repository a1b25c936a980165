/**
 * Deployed entry (serverless.yml: functions/lifecycle/launch-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { coldStartDeps } from '../../shared/runtime/deps';
import { lifecycleClientClasses } from './clients';
import { lifecycleConfig } from './config';
import { makeLifecycleHandler } from './handlers';

/** EventBridge: EC2 Instance-launch Lifecycle Action, for the groups in the config. */
export const handler = makeLifecycleHandler('launch', coldStartDeps(lifecycleClientClasses, lifecycleConfig));
