/**
 * Section 2, cold start per function: require(handler) + one event on the simulated account, wall clock, each sample
 * in a fresh `node` process (scripts/bench/cold-start-child.ts). Samples are interleaved across functions and builds
 * so that a slow patch of the machine does not land on one of them.
 */

import { join } from 'node:path';
import { readWiring } from '../../sim/wiring';
import { CONFIG_FILE, ROOT } from './builds';
import { runChild } from './children';
import { type ColdStartResult, FUNCTIONS, type FunctionName, type HandlerBuild } from './protocol';
import { type Summary, summarize } from './stats';

export interface Variant {
  name: string;
  builds: Record<FunctionName, HandlerBuild>;
  /** NODE_OPTIONS for the child (serverless.yml sets --enable-source-maps on the deployed functions). */
  nodeOptions?: string;
}

export interface ColdStartRow {
  fn: FunctionName;
  variant: string;
  requireMs: Summary;
  handleMs: Summary;
  totalMs: Summary;
  virtualS: number;
  awsCalls: number;
  samples: ColdStartResult[];
}

export function measureColdStarts(variants: readonly Variant[], runs: number, childEntry: string): ColdStartRow[] {
  const wiring = readWiring(CONFIG_FILE, { stage: 'test', serverlessFile: join(ROOT, 'serverless.yml') });
  const timeoutSeconds = Object.fromEntries(
    FUNCTIONS.map((fn) => [fn, wiring.functions.find((f) => f.name === fn)?.timeoutSeconds ?? 900]),
  );
  const samples = new Map<string, ColdStartResult[]>();
  for (let i = 0; i < runs; i++) {
    for (const fn of FUNCTIONS) {
      for (const variant of variants) {
        const request = { ...variant.builds[fn], configFile: join(ROOT, CONFIG_FILE), timeoutSeconds };
        const sample = runChild<ColdStartResult>(childEntry, request, {
          // The child collects the garbage of its own preparation before timing (see cold-start-child.ts).
          execArgv: ['--expose-gc'],
          ...(variant.nodeOptions ? { nodeOptions: variant.nodeOptions } : {}),
        });
        assertDidTheWork(fn, variant.name, sample);
        const key = `${fn}|${variant.name}`;
        samples.set(key, [...(samples.get(key) ?? []), sample]);
      }
    }
  }
  return FUNCTIONS.flatMap((fn) =>
    variants.map((variant) => {
      const list = samples.get(`${fn}|${variant.name}`) ?? [];
      return {
        fn,
        variant: variant.name,
        requireMs: summarize(list.map((s) => s.requireMs)),
        handleMs: summarize(list.map((s) => s.handleMs)),
        totalMs: summarize(list.map((s) => s.requireMs + s.handleMs)),
        virtualS: summarize(list.map((s) => s.virtualMs / 1000)).median,
        awsCalls: summarize(list.map((s) => s.awsCalls)).median,
        samples: list,
      };
    }),
  );
}

/** A sample counts only if its event led to the hook's answer (the rest of the flow runs untimed in the child). */
function assertDidTheWork(fn: FunctionName, variant: string, sample: ColdStartResult): void {
  if (sample.hookResults.join() !== 'CONTINUE by CompleteLifecycleAction') {
    throw new Error(
      `${fn} (${variant}) did not continue its hook: hook results ${JSON.stringify(sample.hookResults)}, result ${JSON.stringify(sample.result)}`,
    );
  }
}
