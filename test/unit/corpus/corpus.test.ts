import { CORPUS_KINDS, CORPUS_NOW, createCorpusRunner, generateCorpus, runCorpus } from '../../../sim/corpus';
import { type LifecycleSample, loadEvent } from '../../helpers/events';

// A slice of the seeded malformed-event corpus (the full run: npm run corpus -- --per-kind 1000).
const PER_KIND = 100;

describe('seeded malformed-event corpus through the real handlers', () => {
  it('is the same corpus for the same seed and a different one for another seed', () => {
    const a = generateCorpus('launch', 20, 7).map((c) => c.mutations.join(';'));
    const b = generateCorpus('launch', 20, 7).map((c) => c.mutations.join(';'));
    const c = generateCorpus('launch', 20, 8).map((x) => x.mutations.join(';'));

    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it(`runs ${PER_KIND} cases per kind: no exception, no change by a rejected event, every rejection names a field`, async () => {
    const summaries = await runCorpus({ perKind: PER_KIND, seed: 1 });

    expect(summaries.map((s) => s.kind)).toEqual([...CORPUS_KINDS]);
    for (const s of summaries) {
      expect({ kind: s.kind, total: s.total, exceptions: s.outcomes.exception }).toEqual({
        kind: s.kind,
        total: PER_KIND,
        exceptions: 0,
      });
      // Most mutations break the event; the corpus must exercise rejections and still-valid events alike.
      expect(s.outcomes.rejected).toBeGreaterThan(PER_KIND / 2);
      expect(s.outcomes.accepted).toBeGreaterThan(0);
      expect(
        s.violations.map(
          (v) => `${v.kind} #${v.index} ${v.mutations.join('; ')}: ${v.violations.join(' | ').slice(0, 300)}`,
        ),
      ).toEqual([]);
    }
  }, 60_000);

  it.each([
    ['us-west-2', 'accepted'],
    ['eu-west-1', 'rejected'],
  ])('judges AWS sample launch event in region %s as %s, with nothing out of place', async (region, outcome) => {
    const runner = createCorpusRunner();
    const event = loadEvent<LifecycleSample>('autoscaling-launch-lifecycle-action');
    Object.assign(event, { time: new Date(CORPUS_NOW - 2000).toISOString(), region });
    try {
      const result = await runner.run({ kind: 'launch', index: 0, mutations: [`region ${region}`], event });

      expect(result).toMatchObject({ outcome, violations: [] });
    } finally {
      runner.close();
    }
  });
});
