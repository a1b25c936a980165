import { coldStartDeps } from '../../shared/runtime/deps';
import { makeResumeHandler } from './handlers';

/** SQS: the continuation queue, where waits that outlast one invocation are handed over. */
export const handler = makeResumeHandler(coldStartDeps());
