/**
 * Simulated AWS Certificate Manager. Issue 10 fills it in (certificates, validation, renewal, events); until an
 * operation is in the table, a call to it fails loudly with SimUnsupportedOperationError.
 */
import { lookupIn, type OperationTable, type SimContext, type SimService } from './context';

// biome-ignore lint/complexity/noBannedTypes: no operation is modelled yet; rows are added as [input, output] pairs.
type AcmOperations = {};

export class AcmService implements SimService {
  readonly name = 'acm' as const;

  constructor(readonly ctx: SimContext) {}

  private readonly table: OperationTable<AcmOperations> = {};

  readonly operationHandler = lookupIn(this.table);
}
