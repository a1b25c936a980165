import { coldStartDeps } from '../../shared/runtime/deps';
import { factoryFor } from '../registry';

/** EventBridge: EC2 Instance-terminate Lifecycle Action, for the groups in the config. */
export const handler = factoryFor('functions/lifecycle/terminate-handler.handler')(coldStartDeps());
