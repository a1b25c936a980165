import { coldStartDeps } from '../../shared/runtime/deps';
import { makeLifecycleHandler } from './handlers';

/** EventBridge: EC2 Instance-launch Lifecycle Action, for the groups in the config. */
export const handler = makeLifecycleHandler('launch', coldStartDeps());
