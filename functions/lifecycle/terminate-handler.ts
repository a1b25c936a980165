import { coldStartDeps } from '../../shared/runtime/deps';
import { makeLifecycleHandler } from './handlers';

/** EventBridge: EC2 Instance-terminate Lifecycle Action, for the groups in the config. */
export const handler = makeLifecycleHandler('terminate', coldStartDeps());
