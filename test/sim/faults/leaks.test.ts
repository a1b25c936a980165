/**
 * Many simulations in one process must not slow each other down. Timing is not asserted (it is `npm run faults`'s
 * job to print it); what is asserted is the cause of a slowdown being absent: after `stop()` no AsyncLocalStorage
 * the simulation enabled is still enabled, the global timers are the real ones again, and no process or account
 * listener is left behind.
 */
import { AsyncResource } from 'node:async_hooks';
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { startSimulation } from '../../../sim/simulation';

const config = loadConfig(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'));

/**
 * How many AsyncLocalStorage instances are enabled now. Each enabled one stores its context on every new async
 * resource under its own symbol (Node's async_hooks module), so a fresh AsyncResource carries one such key per store.
 */
function enabledAsyncLocalStorages(): number {
  return Object.getOwnPropertySymbols(new AsyncResource('fleetpilot-leak-probe')).filter((symbol) =>
    String(symbol.description).includes('ResourceStore'),
  ).length;
}

const processListeners = (): Record<string, number> =>
  Object.fromEntries(process.eventNames().map((name) => [String(name), process.listenerCount(name)]));

describe('simulations in one process', () => {
  it('enables an AsyncLocalStorage while a simulation runs and disables it on stop() (the probe sees it)', async () => {
    const before = enabledAsyncLocalStorages();
    const sim = startSimulation({ config, seed: 1, initialCapacity: 1 });
    try {
      await sim.settle(3_600_000);
      expect(enabledAsyncLocalStorages()).toBeGreaterThan(before);
    } finally {
      sim.stop();
    }

    expect(enabledAsyncLocalStorages()).toBe(before);
  });

  it('restores the global timers and leaves no listener behind', async () => {
    const realSetTimeout = globalThis.setTimeout;
    const listenersBefore = processListeners();
    const sim = startSimulation({ config, seed: 2, initialCapacity: 1 });
    let patchedWhileRunning: boolean;
    let accountListenersAfterStop: number;
    try {
      await sim.settle(3_600_000);
      patchedWhileRunning = globalThis.setTimeout !== realSetTimeout;
    } finally {
      sim.stop();
      accountListenersAfterStop = sim.account.events.listenerCount();
    }

    expect(patchedWhileRunning).toBe(true);
    expect(globalThis.setTimeout).toBe(realSetTimeout);
    expect(accountListenersAfterStop).toBe(0);
    expect(processListeners()).toEqual(listenersBefore);
  });

  it('after 200 simulations, as many AsyncLocalStorages and listeners are live as before the first', async () => {
    const before = enabledAsyncLocalStorages();
    const listenersBefore = processListeners();
    const live: Record<number, number> = {};
    for (let seed = 1; seed <= 200; seed++) {
      const sim = startSimulation({ config, seed, initialCapacity: 1 });
      try {
        await sim.settle(3_600_000);
      } finally {
        sim.stop();
      }
      if (seed === 10 || seed === 200) live[seed] = enabledAsyncLocalStorages();
    }

    expect(live).toEqual({ 10: before, 200: before });
    expect(processListeners()).toEqual(listenersBefore);
  }, 120_000);
});
