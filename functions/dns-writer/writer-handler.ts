import { coldStartDeps } from '../../shared/runtime/deps';
import { makeDnsWriterHandler } from './handlers';

/** SQS: the DNS change queue. Every Route 53 record change of every capability is written here. */
export const handler = makeDnsWriterHandler(coldStartDeps());
