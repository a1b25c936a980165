/**
 * shared/runtime/mutations.ts: how every capability's notification says it comes from a dry run, and what it did
 * not do.
 */
import { asDryRun, createMutations, dryRunTitle, wouldHaveFact } from '../../../shared/runtime/mutations';

const log = { info: () => undefined };

describe('a notification of a dry run', () => {
  it('marks the title and ends with the calls that were not made', async () => {
    const mutations = createMutations(true, log);
    await mutations.run('UpdateAutoScalingGroup web-asg', async () => 'made');
    await mutations.run('CreateOrUpdateTags web-asg', async () => 'made');

    const told = asDryRun({ title: 'web: 2 -> 4', facts: [['Rule', 'business-hours']] }, mutations);

    expect(told).toEqual({
      title: '[dry run] web: 2 -> 4',
      facts: [
        ['Rule', 'business-hours'],
        ['Dry run: would have', 'UpdateAutoScalingGroup web-asg; CreateOrUpdateTags web-asg'],
      ],
    });
  });

  it('says "nothing" when a dry run skipped no call', () => {
    expect(wouldHaveFact([])).toEqual(['Dry run: would have', 'nothing']);
  });

  it('leaves a real run, or one without mutations, as it is', async () => {
    const real = createMutations(false, log);
    await real.run('UpdateAutoScalingGroup web-asg', async () => 'made');
    const notice = { title: 'web: 2 -> 4', facts: [['Rule', 'night'] as const] };

    expect(asDryRun(notice, real)).toEqual(notice);
    expect(asDryRun(notice, undefined)).toEqual(notice);
    expect(dryRunTitle('t', false)).toBe('t');
  });
});
