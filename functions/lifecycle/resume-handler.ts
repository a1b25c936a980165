import { coldStartDeps } from '../../shared/runtime/deps';
import { factoryFor } from '../registry';

/** SQS: the continuation queue, where waits that outlast one invocation are handed over. */
export const handler = factoryFor('functions/lifecycle/resume-handler.handler')(coldStartDeps());
