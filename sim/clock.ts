/**
 * Virtual time for the simulated account.
 *
 * `createVirtualClock` installs @sinonjs/fake-timers on `globalThis`, faking `Date`, `setTimeout`,
 * `clearTimeout`, `setInterval` and `clearInterval`. Everything the account does later (boots, health
 * checks, draining, lifecycle-hook deadlines, Route 53 propagation) is a timer on that clock, and so are
 * the SDK's retry back-offs and waiters, because they use the same global `setTimeout`.
 *
 * Deliberately left real:
 * - `process.nextTick` and `queueMicrotask`: promise plumbing must keep working between timers.
 * - `setImmediate` / `clearImmediate`: fake-timers' `tickAsync` yields to the event loop through the native
 *   `setImmediate` between two timers, which lets promise chains started by a timer (an SDK call made by a
 *   handler woken up by an event, say) settle before the next timer fires. Faking it would freeze that
 *   hand-over and any library that defers work with it. Code that uses `setImmediate` therefore runs "now"
 *   in virtual time, which is what it means anyway.
 * - `performance.now()` / `process.hrtime()`: only used for durations in logs.
 *
 * Optionally `Math.random` is replaced by a seeded generator while the clock is installed
 * (`seedMathRandom`): the SDK's standard retry strategy draws its jittered back-off from `Math.random`,
 * so without it the virtual timestamps of retried calls differ from run to run.
 */
import { type Clock, withGlobal } from '@sinonjs/fake-timers';
import { SeededRandom } from './random';

export interface VirtualClockOptions {
  /** ISO-8601 start instant; default 2026-01-05T09:00:00.000Z. */
  start?: string;
  /** When set, Math.random is replaced by a generator with this seed until `uninstall()`. */
  seedMathRandom?: number | string;
  /** fake-timers loop limit for one advance; default 100,000 timers. */
  loopLimit?: number;
}

export interface VirtualClock {
  /** Virtual epoch milliseconds. */
  now(): number;
  /** The virtual time as a Date. */
  date(): Date;
  /** Advance virtual time by `ms`, firing due timers in order and letting promises settle between them. */
  advance(ms: number): Promise<void>;
  /**
   * Advance in steps of `stepMs` (default 1,000 ms) until `predicate` is true or `maxMs` has passed.
   * Resolves to whether the predicate became true. The predicate is checked before the first step.
   */
  runUntil(predicate: () => boolean | Promise<boolean>, maxMs: number, stepMs?: number): Promise<boolean>;
  /** Let pending promise chains settle without moving time. */
  settle(): Promise<void>;
  /** Number of pending virtual timers (diagnostics). */
  pendingTimers(): number;
  /** Restore the real timers (and Math.random). Safe to call twice. */
  uninstall(): void;
}

export const DEFAULT_START = '2026-01-05T09:00:00.000Z';

/** Virtual time moves in steps of at most this much, checking for real I/O in between. */
const MAX_STEP_MS = 1_000;

/** libuv requests a process may be waiting for: file system, DNS, connects. */
const REAL_IO = /^(FSReq|FileHandle|GetAddrInfo|GetNameInfo|QueryWrap|TCPConnectWrap|PipeConnectWrap)/;

/** True while real I/O is in flight (the SDK reads its config files on a client's first call, for example). */
export const realIoInFlight = (): boolean =>
  process.getActiveResourcesInfo().some((resource) => REAL_IO.test(resource));

/**
 * Waits (in real time) until no real I/O is in flight, so virtual time never runs ahead of code that is waiting on
 * the disk: otherwise a lifecycle hook could time out in virtual time while the SDK reads ~/.aws/config.
 */
export async function realIoSettled(maxTurns = 100_000): Promise<void> {
  for (let turn = 0; turn < maxTurns && realIoInFlight(); turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export const createVirtualClock = (options: VirtualClockOptions = {}): VirtualClock => {
  const startMs = Date.parse(options.start ?? DEFAULT_START);
  if (Number.isNaN(startMs)) {
    throw new TypeError(`createVirtualClock: start is not an ISO-8601 instant: ${options.start}`);
  }
  const fake: Clock = withGlobal(globalThis).install({
    now: startMs,
    toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
    loopLimit: options.loopLimit ?? 100_000,
  });
  const realRandom = Math.random;
  if (options.seedMathRandom !== undefined) {
    const seeded = new SeededRandom(options.seedMathRandom);
    Math.random = () => seeded.next();
  }
  let installed = true;

  const assertInstalled = (): void => {
    if (!installed) throw new Error('VirtualClock: used after uninstall()');
  };

  return {
    now: () => fake.now,
    date: () => new Date(fake.now),
    async advance(ms: number) {
      assertInstalled();
      if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance: ms must be >= 0, got ${ms}`);
      const target = fake.now + ms;
      do {
        await realIoSettled();
        await fake.tickAsync(Math.min(MAX_STEP_MS, target - fake.now));
      } while (fake.now < target);
    },
    async runUntil(predicate, maxMs, stepMs = 1_000) {
      assertInstalled();
      const deadline = fake.now + maxMs;
      for (;;) {
        await realIoSettled();
        if (await predicate()) return true;
        if (fake.now >= deadline) return false;
        await fake.tickAsync(Math.min(stepMs, MAX_STEP_MS, deadline - fake.now));
      }
    },
    async settle() {
      assertInstalled();
      await fake.tickAsync(0);
    },
    pendingTimers: () => fake.countTimers(),
    uninstall() {
      if (!installed) return;
      installed = false;
      fake.uninstall();
      Math.random = realRandom;
    },
  };
};
