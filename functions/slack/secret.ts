/**
 * The Slack secret (an incoming webhook URL or a bot token), read from an SSM Parameter Store SecureString at run
 * time and kept in memory for a while per execution environment: never in an environment variable, the config, the
 * bundle or a log.
 *
 * GetParameter with WithDecryption=true returns the decrypted value of a SecureString (Systems Manager API reference,
 * GetParameter); a name that does not exist fails with ParameterNotFound. Decryption with the AWS managed key
 * `aws/ssm` needs no IAM grant: its key policy allows every principal of the account to use it through Parameter
 * Store (Systems Manager user guide, "Restricting decryption of SecureString parameter values"). A parameter encrypted
 * with a customer managed key needs that key's policy to allow the function's role kms:Decrypt.
 */
import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../../shared/runtime/clock';

/** Read again after this long, so a rotated secret is picked up without a deployment. */
export const SECRET_TTL_MS = 5 * 60_000;

/** The secret cannot be had: the parameter does not exist (or holds nothing). Retrying will not help. */
export class SlackSecretError extends Error {
  override readonly name = 'SlackSecretError';
  constructor(
    readonly parameter: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface SecretSource {
  get(parameter: string): Promise<string>;
  /** Drops a cached value (Slack refused it: it may have been rotated). */
  forget(parameter: string): void;
}

export function createParameterSecrets(
  ssm: Pick<SSMClient, 'send'>,
  clock: Pick<Clock, 'now'>,
  ttlMs = SECRET_TTL_MS,
): SecretSource {
  const cache = new Map<string, { value: string; until: number }>();
  return {
    async get(parameter) {
      const cached = cache.get(parameter);
      if (cached && cached.until > clock.now()) return cached.value;
      let value: string | undefined;
      try {
        const out = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
        value = out.Parameter?.Value;
      } catch (error) {
        if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') {
          throw new SlackSecretError(parameter, `SSM parameter ${parameter} does not exist`, { cause: error });
        }
        throw error;
      }
      if (!value) throw new SlackSecretError(parameter, `SSM parameter ${parameter} is empty`);
      cache.set(parameter, { value, until: clock.now() + ttlMs });
      return value;
    },
    forget(parameter) {
      cache.delete(parameter);
    },
  };
}
