/**
 * Simulated Amazon CloudWatch. Issue 11 fills it in (alarms on target group metrics, their state changes); until an
 * operation is in the table, a call to it fails loudly with SimUnsupportedOperationError.
 */
import { lookupIn, type OperationTable, type SimContext, type SimService } from './context';

// biome-ignore lint/complexity/noBannedTypes: no operation is modelled yet; rows are added as [input, output] pairs.
type CloudWatchOperations = {};

export class CloudWatchService implements SimService {
  readonly name = 'cloudWatch' as const;

  constructor(readonly ctx: SimContext) {}

  private readonly table: OperationTable<CloudWatchOperations> = {};

  readonly operationHandler = lookupIn(this.table);
}
