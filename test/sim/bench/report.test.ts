import { renderPairs, renderTable } from '../../../scripts/bench/table';
import { groupViolations } from '../../../scripts/bench/violations';

describe('benchmark report formatting', () => {
  it('aligns text columns left and numeric columns right under a rule', () => {
    const text = renderTable(
      ['function', 'zip', 'ratio'],
      [
        ['lifecycleLaunch', '1,640,042', '1.91×'],
        ['resume', '12', '0.5×'],
      ],
    );

    expect(text.split('\n')).toEqual([
      'function               zip  ratio',
      '---------------  ---------  -----',
      'lifecycleLaunch  1,640,042  1.91×',
      'resume                  12   0.5×',
    ]);
  });

  it('pads labels of key/value lines to one width', () => {
    expect(
      renderPairs([
        ['settled', 'yes'],
        ['wall time', '7 s'],
      ]),
    ).toBe('settled    yes\nwall time  7 s');
  });

  it('groups violations that differ only in the instance id, keeping a count and example ids', () => {
    const grouped = groupViolations([
      'everyActionCompletedOnce: lifecycle action of i-0123456789abcdef0 (web-launch) timed out',
      'everyActionCompletedOnce: lifecycle action of i-0123456789abcdef1 (web-launch) timed out',
      'noRecordForGoneInstances: a.example.com. A 10.0.1.5 points at no in-service instance',
      'everyFailureNotified: the ABANDON of i-0123456789abcdef2 sent no critical notification',
    ]);

    expect(grouped).toEqual([
      '2 × everyActionCompletedOnce: lifecycle action of i-… (web-launch) timed out (e.g. i-0123456789abcdef0, i-0123456789abcdef1)',
      'noRecordForGoneInstances: a.example.com. A 10.0.1.5 points at no in-service instance',
      'everyFailureNotified: the ABANDON of i-0123456789abcdef2 sent no critical notification',
    ]);
  });
});
