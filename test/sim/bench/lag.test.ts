import { continueCallAt, healthyEverywhereAt } from '../../../scripts/bench/burst';
import type { CallRecord } from '../../../sim/account';
import type { TargetTransition } from '../../../sim/elbv2';

const A = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/a/1';
const B = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/b/2';
const t = (arn: string, id: string, from: TargetTransition['from'], to: TargetTransition['to'], at: number) => ({
  arn,
  id,
  from,
  to,
  at,
});

describe('burst lag: healthy everywhere → CONTINUE', () => {
  it('takes the first moment an instance is healthy in every target group at once', () => {
    const transitions = [
      t(A, 'i-1', 'unregistered', 'initial', 0),
      t(B, 'i-1', 'unregistered', 'initial', 0),
      t(A, 'i-1', 'initial', 'healthy', 30),
      t(A, 'i-1', 'healthy', 'unhealthy', 40),
      t(B, 'i-1', 'initial', 'healthy', 45),
      t(A, 'i-1', 'unhealthy', 'healthy', 70),
      t(A, 'i-2', 'initial', 'healthy', 10),
    ];

    expect(healthyEverywhereAt(transitions, [A, B])).toEqual(new Map([['i-1', 70]]));
    expect(healthyEverywhereAt(transitions, [A])).toEqual(
      new Map([
        ['i-1', 30],
        ['i-2', 10],
      ]),
    );
  });

  it('takes the first successful CONTINUE of a launch hook, ignoring refused calls, ABANDON and other hooks', () => {
    const call = (at: number, outcome: string, input: object): CallRecord => ({
      service: 'autoScaling',
      operation: 'CompleteLifecycleAction',
      input,
      outcome,
      at,
    });
    const calls = [
      call(5, 'Throttling', { InstanceId: 'i-1', LifecycleHookName: 'web-launch', LifecycleActionResult: 'CONTINUE' }),
      call(6, 'ok', { InstanceId: 'i-2', LifecycleHookName: 'web-launch', LifecycleActionResult: 'ABANDON' }),
      call(7, 'ok', { InstanceId: 'i-3', LifecycleHookName: 'web-terminate', LifecycleActionResult: 'CONTINUE' }),
      call(8, 'ok', { InstanceId: 'i-1', LifecycleHookName: 'web-launch', LifecycleActionResult: 'CONTINUE' }),
      call(9, 'ok', { InstanceId: 'i-1', LifecycleHookName: 'web-launch', LifecycleActionResult: 'CONTINUE' }),
    ];

    expect(continueCallAt(calls, new Set(['web-launch']))).toEqual(new Map([['i-1', 8]]));
  });
});
