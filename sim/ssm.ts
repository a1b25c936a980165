/**
 * Simulated AWS Systems Manager Parameter Store. Issue 11 fills it in (SecureString parameters for the Slack secret); until an
 * operation is in the table, a call to it fails loudly with SimUnsupportedOperationError.
 */
import { lookupIn, type OperationTable, type SimContext, type SimService } from './context';

// biome-ignore lint/complexity/noBannedTypes: no operation is modelled yet; rows are added as [input, output] pairs.
type SsmOperations = {};

export class SsmService implements SimService {
  readonly name = 'ssm' as const;

  constructor(readonly ctx: SimContext) {}

  private readonly table: OperationTable<SsmOperations> = {};

  readonly operationHandler = lookupIn(this.table);
}
