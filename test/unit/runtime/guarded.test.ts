/**
 * The spine's handler guard: a step's result passes through, an event without the documented shape is rejected with
 * one warning under the capability's kind, any other error is rethrown for Lambda's retry after one warning, and a
 * notifier that fails does not hide that error.
 */
import { EventValidationError } from '../../../shared/errors';
import type { Notification, Notifier } from '../../../shared/notify/notifier';
import { type GuardLog, guardedHandler, notifyRetrying, type StepGuard } from '../../../shared/runtime/guarded';

type ToyKind = 'toy.event.invalid' | 'toy.step.retrying' | 'toy.thing.done';

const guard: StepGuard<ToyKind> = {
  invalid: 'toy.event.invalid',
  retrying: 'toy.step.retrying',
  handledLog: 'toy step handled',
  failedLog: 'toy step failed; left for retry',
  retryingTitle: 'A toy step hit an error; retrying',
  retryingNext: 'Lambda retries; after the last retry the event goes to the failed-events queue.',
};

class ToyThrottledError extends Error {
  override readonly name = 'ToyThrottledError';
}

function harness(options: { notifierFails?: boolean } = {}) {
  const sent: Notification[] = [];
  const logged: [level: string, message: string, fields: Record<string, unknown>][] = [];
  const notifier: Notifier = {
    notify: async (n) => {
      sent.push(n);
      if (options.notifierFails) throw new Error('SNS is unreachable');
    },
  };
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown>): void => {
      logged.push([level, message, fields]);
    };
  const log: GuardLog = { debug: at('debug'), info: at('info'), error: at('error') };
  return { deps: { notifier, log }, sent, logged };
}

const EVENT = { id: 'a1b2c3d4-0000-4000-8000-000000000001', source: 'aws.toy', detail: { n: 1 } };

describe('guardedHandler', () => {
  it('returns the step result and sends nothing when the step succeeds', async () => {
    // Arrange
    const h = harness();
    const handler = guardedHandler(h.deps, guard, async (event) => ({ status: 'done' as const, got: event }));

    // Act
    const result = await handler(EVENT);

    // Assert
    expect(result).toEqual({ status: 'done', got: EVENT });
    expect(h.sent).toEqual([]);
    expect(h.logged.map(([level, message]) => [level, message])).toEqual([
      ['debug', 'event'],
      ['info', 'toy step handled'],
    ]);
  });

  it('rejects an event without the documented shape with one warning of the invalid kind, without throwing', async () => {
    // Arrange
    const h = harness();
    const handler = guardedHandler(h.deps, guard, async () => {
      throw new EventValidationError('toy event', ['detail.n: expected number', 'source: expected "aws.toy"']);
    });

    // Act
    const result = await handler(EVENT);

    // Assert
    expect(result).toEqual({
      status: 'rejected',
      reason: 'malformed toy event event: detail.n: expected number; source: expected "aws.toy"',
    });
    expect(h.sent).toEqual([
      expect.objectContaining({
        severity: 'warning',
        kind: 'toy.event.invalid',
        title: 'Malformed toy event ignored',
        facts: [
          ['Problem 1', 'detail.n: expected number'],
          ['Problem 2', 'source: expected "aws.toy"'],
        ],
        correlationId: EVENT.id,
      }),
    ]);
  });

  it('rethrows any other error after exactly one retrying warning with the capability texts', async () => {
    // Arrange
    const h = harness();
    const failure = new ToyThrottledError('Rate exceeded');
    const handler = guardedHandler(h.deps, guard, async () => {
      throw failure;
    });

    // Act
    const outcome = handler(EVENT);

    // Assert
    await expect(outcome).rejects.toBe(failure);
    expect(h.sent).toEqual([
      {
        severity: 'warning',
        kind: 'toy.step.retrying',
        title: 'A toy step hit an error; retrying',
        summary:
          'ToyThrottledError: Rate exceeded. Lambda retries; after the last retry the event goes to the failed-events queue.',
        facts: [],
        links: [],
        correlationId: EVENT.id,
      },
    ]);
    expect(h.logged).toContainEqual(['error', 'toy step failed; left for retry', { error: failure }]);
  });

  it('still rethrows the step error when the notifier itself fails', async () => {
    // Arrange
    const h = harness({ notifierFails: true });
    const failure = new ToyThrottledError('Rate exceeded');
    const handler = guardedHandler(h.deps, guard, async () => {
      throw failure;
    });

    // Act
    const outcome = handler({ no: 'id' });

    // Assert
    await expect(outcome).rejects.toBe(failure);
    expect(h.sent.map((n) => [n.kind, n.correlationId])).toEqual([['toy.step.retrying', 'unknown']]);
    expect(h.logged.map(([level, message]) => [level, message])).toContainEqual([
      'error',
      'could not publish a notification',
    ]);
  });

  it('refuses a kind outside the capability union at compile time', () => {
    const misspelt: StepGuard<ToyKind> = {
      ...guard,
      // @ts-expect-error 'toy.step.retry' is not a ToyKind: tsc fails if this line ever compiles.
      retrying: 'toy.step.retry',
    };

    expect(misspelt.retrying).not.toBe(guard.retrying);
  });
});

describe('notifyRetrying', () => {
  it('names the service when one is given', async () => {
    // Arrange
    const h = harness();

    // Act
    await notifyRetrying(h.deps, guard, new ToyThrottledError('Rate exceeded'), 'corr-1', 'web');

    // Assert
    expect(h.sent).toEqual([
      expect.objectContaining({ kind: 'toy.step.retrying', service: 'web', correlationId: 'corr-1' }),
    ]);
  });
});
