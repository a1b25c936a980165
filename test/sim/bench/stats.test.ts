import { median, percentile, ratio, summarize } from '../../../scripts/bench/stats';

describe('benchmark statistics', () => {
  it('takes percentiles by nearest rank, whatever the input order', () => {
    const values = [4, 1, 3, 2];

    expect(percentile(values, 50)).toBe(2);
    expect(percentile(values, 75)).toBe(3);
    expect(percentile(values, 90)).toBe(4);
    expect(percentile(values, 100)).toBe(4);
    expect(percentile([7], 1)).toBe(7);
  });

  it('gives p99 of 200 lags as the 198th smallest', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i);

    expect(percentile(values, 99)).toBe(198);
    expect(percentile(values, 50)).toBe(100);
  });

  it('has no percentile or median of nothing, and refuses a percentile outside (0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(median([])).toBeUndefined();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('takes the median as the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('summarizes min, median, max and count, and leaves a ratio by zero undefined', () => {
    expect(summarize([3, 9, 1, 4, 5])).toEqual({ n: 5, min: 1, median: 4, max: 9 });
    expect(() => summarize([])).toThrow(RangeError);
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeUndefined();
  });
});
