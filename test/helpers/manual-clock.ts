import type { Clock } from '../../shared/runtime/clock';

export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Every sleep asked for, in ms. */
  sleeps: number[];
}

/** A clock that moves only when told to or when the code under test sleeps (the sleep returns at once). */
export function manualClock(start: number): ManualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
    },
    advance(ms) {
      now += ms;
    },
    sleeps,
  };
}
