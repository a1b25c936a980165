import { coldStartDeps } from '../../shared/runtime/deps';
import { factoryFor } from '../registry';

/** EventBridge: EC2 Instance-launch Lifecycle Action, for the groups in the config. */
export const handler = factoryFor('functions/lifecycle/launch-handler.handler')(coldStartDeps());
