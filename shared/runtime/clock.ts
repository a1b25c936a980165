/** The clock port every core takes: wall time and a sleep. The simulated account swaps in virtual time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * How long this invocation may keep working: `handOverAt` is the epoch ms after which a core must hand the rest of
 * its work to a later invocation. Derived from Lambda's `context.getRemainingTimeInMillis()` minus a safety margin.
 */
export interface Budget {
  handOverAt: number;
}

/** Time kept back from Lambda's remaining time, for the hand-over itself and the notification. */
export const SAFETY_MARGIN_MS = 20_000;

export function budgetFrom(clock: Clock, remainingMs: number): Budget {
  return { handOverAt: clock.now() + remainingMs - SAFETY_MARGIN_MS };
}
