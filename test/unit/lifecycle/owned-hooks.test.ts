/**
 * Defect 3 of issue 7: only hooks fleetpilot owns (services[].lifecycle.hooks) are acted on. Another team's hook on a
 * configured group (a `bootstrap` launch hook, a `ship-logs` terminate hook) is ignored before anything is parked.
 */
import { callLog, harness, launchEvent, parkedMessages, terminateEvent } from './harness';

describe('lifecycle actions of hooks fleetpilot does not own', () => {
  it('ignores a bootstrap launch hook of a configured group, with no AWS call and nothing parked', async () => {
    // Arrange
    const h = harness();
    const event = launchEvent();
    event.detail.LifecycleHookName = 'bootstrap';

    // Act
    const result = await h.launch(event);

    // Assert
    expect(result).toEqual({ status: 'ignored', reason: 'hook bootstrap is not owned by fleetpilot' });
    expect(callLog).toEqual([]);
    expect(parkedMessages()).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it('ignores a ship-logs terminate hook of a configured group, with no AWS call', async () => {
    // Arrange
    const h = harness();
    const event = terminateEvent();
    event.detail.LifecycleHookName = 'ship-logs';

    // Act
    const result = await h.terminate(event);

    // Assert
    expect(result).toMatchObject({ status: 'ignored' });
    expect(callLog).toEqual([]);
  });

  it('still hands its own hook to the batch', async () => {
    // Arrange
    const h = harness();

    // Act
    const result = await h.launch(launchEvent());

    // Assert
    expect(result.status).not.toBe('ignored');
    expect(callLog.length).toBeGreaterThan(0);
  });
});
