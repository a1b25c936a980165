/**
 * Simulated AWS Systems Manager Parameter Store: String and SecureString parameters, and GetParameter.
 *
 * Modelled (Systems Manager API reference, GetParameter, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html):
 * - Name as a name or an ARN (arn:aws:ssm:<region>:<account>:parameter/<name without its leading "/">), with an
 *   optional ":<version>" selector; a name that does not exist (or a version that does not) → ParameterNotFound /
 *   ParameterVersionNotFound.
 * - WithDecryption: a SecureString's value is returned decrypted only with WithDecryption=true; otherwise the
 *   ciphertext (here: a base64 stand-in, never the value).
 * - Output: Name, Type, Value, Version, LastModifiedDate, ARN, DataType "text".
 *
 * Approximated: no labels (":label" selectors are read as unknown versions), no KMS key checks (a SecureString is
 * always decryptable, as with the aws/ssm key), no `/aws/reference/secretsmanager/` references, no tiers or policies.
 */
import {
  type GetParameterCommandInput,
  type GetParameterCommandOutput,
  ParameterNotFound,
  type ParameterType,
  ParameterVersionNotFound,
} from '@aws-sdk/client-ssm';
import { lookupIn, type OperationTable, type SimContext, type SimService } from './context';
import { serviceError } from './errors';

export interface ParameterSpec {
  name: string;
  value: string;
  type?: ParameterType;
}

interface StoredParameter {
  name: string;
  type: ParameterType;
  versions: { value: string; at: number }[];
}

type SsmOperations = {
  GetParameter: readonly [GetParameterCommandInput, GetParameterCommandOutput];
};

export class SsmService implements SimService {
  readonly name = 'ssm' as const;
  private readonly parameters = new Map<string, StoredParameter>();

  constructor(
    readonly ctx: SimContext,
    specs: ParameterSpec[] = [],
  ) {
    for (const spec of specs) this.putParameter(spec);
  }

  private readonly table: OperationTable<SsmOperations> = {
    GetParameter: (input) => this.getParameter(input),
  };

  readonly operationHandler = lookupIn(this.table);

  /** The effect of PutParameter with Overwrite: a new version. */
  putParameter(spec: ParameterSpec): void {
    const stored = this.parameters.get(spec.name) ?? {
      name: spec.name,
      type: spec.type ?? 'SecureString',
      versions: [],
    };
    stored.type = spec.type ?? stored.type;
    stored.versions.push({ value: spec.value, at: this.ctx.now() });
    this.parameters.set(spec.name, stored);
  }

  private arnOf(name: string): string {
    return `arn:aws:ssm:${this.ctx.region}:${this.ctx.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }

  private getParameter(input: GetParameterCommandInput) {
    const requested = input.Name ?? '';
    const arnPrefix = `arn:aws:ssm:${this.ctx.region}:${this.ctx.accountId}:parameter`;
    let name = requested.startsWith(arnPrefix) ? requested.slice(arnPrefix.length) : requested;
    let version: number | undefined;
    const selector = /^(.*):(\d+)$/.exec(name);
    if (selector) {
      name = selector[1] ?? name;
      version = Number(selector[2]);
    }
    const stored = this.parameters.get(name) ?? (name.startsWith('/') ? this.parameters.get(name.slice(1)) : undefined);
    if (!stored) throw serviceError(ParameterNotFound, { message: '' });
    const index = version === undefined ? stored.versions.length - 1 : version - 1;
    const found = stored.versions[index];
    if (!found) {
      throw serviceError(ParameterVersionNotFound, {
        message: `Systems Manager could not find version ${version} of ${stored.name}. Verify the version and try again.`,
      });
    }
    const value =
      stored.type === 'SecureString' && input.WithDecryption !== true
        ? Buffer.from(`ciphertext:${stored.name}:${index + 1}`).toString('base64')
        : found.value;
    return {
      Parameter: {
        Name: stored.name,
        Type: stored.type,
        Value: value,
        Version: index + 1,
        LastModifiedDate: new Date(found.at),
        ARN: this.arnOf(stored.name),
        DataType: 'text',
        ...(version !== undefined ? { Selector: `:${version}` } : {}),
      },
    };
  }
}
