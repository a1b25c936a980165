/** Completing and extending lifecycle actions (Auto Scaling API reference: CompleteLifecycleAction, RecordLifecycleActionHeartbeat). */
import {
  type AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { isAwsError } from '../../shared/errors';
import type { Mutations } from '../../shared/runtime/mutations';
import type { LifecycleAction } from './action';

/** A wait can be extended by heartbeats to at most 48 h or 100 × HeartbeatTimeout, whichever is smaller. */
export const maxHookLifetimeMs = (heartbeatTimeoutS: number) => Math.min(48 * 3600, 100 * heartbeatTimeoutS) * 1000;

/** "No active Lifecycle Action found with instance ID …" / "… with token …": the action was already completed or timed out. */
export function isNoActiveAction(error: unknown): boolean {
  return (
    isAwsError(error, 'ValidationError', 'ValidationException') &&
    (error as Error).message.startsWith('No active Lifecycle Action found')
  );
}

export type CompletionResult = 'completed' | 'already-done';

export async function completeAction(
  autoScaling: AutoScalingClient,
  action: LifecycleAction,
  result: 'CONTINUE' | 'ABANDON',
  mutations: Mutations,
): Promise<CompletionResult> {
  try {
    await mutations.run(`CompleteLifecycleAction ${action.instanceId} ${result}`, () =>
      autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: action.groupName,
          LifecycleHookName: action.hookName,
          LifecycleActionToken: action.token,
          InstanceId: action.instanceId,
          LifecycleActionResult: result,
        }),
      ),
    );
    return 'completed';
  } catch (error) {
    if (isNoActiveAction(error)) return 'already-done';
    throw error;
  }
}

/** Restarts the hook's timeout. False when the action is no longer active. */
export async function recordHeartbeat(
  autoScaling: AutoScalingClient,
  action: LifecycleAction,
  mutations: Mutations,
): Promise<boolean> {
  try {
    await mutations.run(`RecordLifecycleActionHeartbeat ${action.instanceId}`, () =>
      autoScaling.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: action.groupName,
          LifecycleHookName: action.hookName,
          LifecycleActionToken: action.token,
          InstanceId: action.instanceId,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isNoActiveAction(error)) return false;
    throw error;
  }
}
