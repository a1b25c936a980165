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

/** How every notification says it comes from a dry run: "[dry run]" before the title. */
export function dryRunTitle(title: string, dryRun: boolean): string {
  return dryRun ? `[dry run] ${title}` : title;
}

/** The fact a dry-run notification ends with: the mutating calls that were not made. */
export function wouldHaveFact(skipped: readonly string[]): readonly [string, string] {
  return ['Dry run: would have', skipped.join('; ') || 'nothing'];
}

/** A notice's title and facts as a dry run of `mutations` tells them (unchanged when it is not a dry run). */
export function asDryRun(
  notice: { title: string; facts: ReadonlyArray<readonly [string, string]> },
  mutations: Pick<Mutations, 'dryRun' | 'skipped'> | undefined,
): { title: string; facts: ReadonlyArray<readonly [string, string]> } {
  const dryRun = mutations?.dryRun === true;
  return {
    title: dryRunTitle(notice.title, dryRun),
    facts: dryRun ? [...notice.facts, wouldHaveFact(mutations.skipped)] : notice.facts,
  };
}
