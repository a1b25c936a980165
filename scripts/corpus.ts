/**
 * The seeded malformed-event corpus (sim/corpus.ts) through the real handlers, in full.
 *
 *   npm run corpus -- --per-kind 1000 [--seed 1]
 *
 * Prints, per event kind, how many cases were rejected, accepted (the mutations left a valid event), ignored (a group
 * the config does not cover, a test notification) or threw, and every case that broke an expectation (0 expected:
 * no exception, no AWS mutation or queue message from a rejected event, every rejection names a field, accepted
 * events act on configured groups only). Exits 1 when any case broke one.
 */
import { parseArgs } from 'node:util';
import { runCorpus } from '../sim/corpus';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { 'per-kind': { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } },
  });
  const perKind = Number(values['per-kind']);
  if (!Number.isInteger(perKind) || perKind < 1) throw new RangeError('--per-kind must be a positive integer');
  const seed = values.seed ?? '1';
  const write = (line: string) => process.stdout.write(`${line}\n`);
  const started = performance.now();
  const summaries = await runCorpus({ perKind, seed });
  write(
    `malformed-event corpus: ${perKind} per kind, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  write('kind        total  rejected  accepted  ignored  exception  violations');
  let broken = 0;
  for (const s of summaries) {
    const o = s.outcomes;
    write(
      `${s.kind.padEnd(10)} ${String(s.total).padStart(6)} ${String(o.rejected).padStart(9)} ${String(o.accepted).padStart(9)} ${String(o.ignored).padStart(8)} ${String(o.exception).padStart(10)} ${String(s.violations.length).padStart(11)}`,
    );
    broken += s.violations.length;
  }
  for (const s of summaries) {
    for (const v of s.violations.slice(0, 20)) {
      write(
        `  ${v.kind} #${v.index} [${v.mutations.join('; ')}] ${v.outcome}: ${v.violations.map((x) => x.slice(0, 200)).join(' | ')}`,
      );
    }
  }
  return broken === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
