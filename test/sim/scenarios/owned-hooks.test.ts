/**
 * A group with a second launch hook that another team owns (`bootstrap`): fleetpilot answers only its own hook
 * (services[].lifecycle.hooks), and the instance waits for both, each completed separately (Amazon EC2 Auto Scaling
 * user guide, "Amazon EC2 Auto Scaling lifecycle hooks": an instance stays in the wait state until every hook of the
 * transition is completed or times out).
 */
import { join } from 'node:path';
import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { loadConfig } from '../../../shared/config/load';
import { attachSim } from '../../../sim';
import { checkInvariants } from '../../../sim/invariants';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

describe('hooks fleetpilot does not own, on the simulated account', () => {
  it('continues its own launch hook and leaves the bootstrap hook of the same group to its owner', async () => {
    // Arrange: the other team's hook waits long enough that only its owner can end it within the test.
    const config = loadConfig(EXAMPLE);
    const s = startSimulation({
      config,
      seed: 5,
      initialCapacity: 1,
      otherHooks: [
        {
          name: 'bootstrap',
          transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          heartbeatTimeout: 7200,
          defaultResult: 'ABANDON',
        },
      ],
    });
    sim = s;

    // Act: fleetpilot does its part (the bootstrap deadline, two hours out, keeps the account from settling).
    await s.settle(HOUR);

    // Assert: its own hook is continued; bootstrap is still pending, so the instance still waits.
    const [bootstrap] = s.account.autoscaling.pendingActions();
    expect(bootstrap?.hook).toBe('bootstrap');
    expect(s.account.autoscaling.pendingActions()).toHaveLength(1);
    expect(s.account.autoscaling.hookResults.map((r) => `${r.hook} ${r.result} ${r.by}`)).toEqual([
      'fleetpilot-launch CONTINUE CompleteLifecycleAction',
    ]);
    const member = s.account.autoscaling.view().flatMap((g) => g.instances)[0];
    expect(member?.lifecycleState).toBe('Pending:Wait');
    expect(s.lambda.invocations.filter((i) => i.fn === 'lifecycleLaunch')).toHaveLength(1);

    // Act: the owner completes bootstrap.
    const autoscaling = new AutoScalingClient({ region: s.config.region });
    attachSim(autoscaling, s.account);
    await autoscaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: GROUP,
        LifecycleHookName: 'bootstrap',
        LifecycleActionToken: bootstrap?.token ?? '',
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    expect(await s.settle(HOUR)).toBe(true);

    // Assert: both hooks done, the instance is in service, nothing else completed bootstrap.
    expect(s.account.autoscaling.view().flatMap((g) => g.instances)[0]?.lifecycleState).toBe('InService');
    expect(s.account.autoscaling.hookResults.filter((r) => r.hook === 'bootstrap')).toHaveLength(1);
    expect(checkInvariants(s)).toEqual([]);
  });
});
