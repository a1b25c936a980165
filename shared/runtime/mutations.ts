/**
 * Every call that changes AWS goes through `Mutations.run`. In dry-run mode the call is not made: it is logged and
 * kept in `skipped`, so the outcome notification can say exactly what would have happened.
 */
import type { Logger } from '@aws-lambda-powertools/logger';

export interface Mutations {
  readonly dryRun: boolean;
  /** Descriptions of the calls made (or, in dry run, the calls that would have been made). */
  readonly done: string[];
  readonly skipped: string[];
  run<T>(description: string, call: () => Promise<T>): Promise<T | undefined>;
}

export function createMutations(dryRun: boolean, log: Pick<Logger, 'info'>): Mutations {
  const done: string[] = [];
  const skipped: string[] = [];
  return {
    dryRun,
    done,
    skipped,
    async run(description, call) {
      if (dryRun) {
        log.info('dry run: skipped a mutating call', { call: description });
        skipped.push(description);
        return undefined;
      }
      const result = await call();
      done.push(description);
      return result;
    },
  };
}
