import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  SetDesiredCapacityCommand,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
import type { SimEvent } from '../../../sim/events';
import { type Harness, rejectionOf, startAccount } from './harness';

const GROUP = 'web-asg';

describe('simulated Auto Scaling: SetInstanceHealth and DescribeScalingActivities', () => {
  let h: Harness;
  let events: SimEvent[];

  beforeEach(() => {
    h = startAccount({
      autoScalingGroups: [
        {
          name: GROUP,
          minSize: 1,
          maxSize: 3,
          desiredCapacity: 2,
          subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
          healthCheckGracePeriod: 300,
          lifecycleHooks: [
            { name: 'launch', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeout: 600 },
            { name: 'terminate', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 600 },
          ],
        },
      ],
    });
    events = [];
    h.account.onEvent((event) => {
      events.push(event);
    });
  });
  afterEach(() => h.done());

  const members = () => h.account.autoscaling.view()[0]?.instances ?? [];
  const complete = async (hook: string) => {
    const action = h.account.autoscaling.pendingActions().find((pending) => pending.hook === hook);
    if (!action) throw new Error(`no pending ${hook} action`);
    await h.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: GROUP,
        LifecycleHookName: hook,
        LifecycleActionToken: action.token,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    return action.instanceId;
  };

  it('leaves an instance alone within the grace period unless told not to respect it', async () => {
    const id = members()[0]?.id ?? '';
    await h.autoScaling.send(new SetInstanceHealthCommand({ InstanceId: id, HealthStatus: 'Unhealthy' }));
    expect(members().find((m) => m.id === id)).toMatchObject({ lifecycleState: 'InService', healthStatus: 'Healthy' });

    await h.autoScaling.send(
      new SetInstanceHealthCommand({ InstanceId: id, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }),
    );
    expect(members().find((m) => m.id === id)).toMatchObject({
      lifecycleState: 'Terminating',
      healthStatus: 'Unhealthy',
    });
  });

  it('replaces an Unhealthy instance through the terminate and launch hooks, and logs both activities', async () => {
    await h.clock.advance(301_000); // past the grace period
    const sick = members()[0]?.id ?? '';
    await h.autoScaling.send(new SetInstanceHealthCommand({ InstanceId: sick, HealthStatus: 'Unhealthy' }));
    const { AutoScalingInstances } = await h.autoScaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [sick] }),
    );
    expect(AutoScalingInstances?.[0]?.HealthStatus).toBe('UNHEALTHY');

    await h.clock.advance(5_000);
    const during = await h.autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP }));
    expect(during.Activities?.map((a) => [a.Description, a.StatusCode])).toEqual([
      [expect.stringMatching(/^Launching a new EC2 instance: i-/), 'MidLifecycleAction'],
      [`Terminating EC2 instance: ${sick}`, 'MidLifecycleAction'],
    ]);

    expect(await complete('terminate')).toBe(sick);
    const fresh = await complete('launch');
    await h.clock.advance(60_000);
    expect(members().map((m) => m.id)).not.toContain(sick);
    expect(members().find((m) => m.id === fresh)).toMatchObject({ lifecycleState: 'InService' });

    const { Activities } = await h.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP }),
    );
    expect(Activities).toHaveLength(2);
    expect(Activities?.[1]).toMatchObject({
      Description: `Terminating EC2 instance: ${sick}`,
      Cause: 'At 2026-01-05T09:05:01Z an instance was taken out of service in response to a user health-check.',
      StatusCode: 'Successful',
      Progress: 100,
      AutoScalingGroupName: GROUP,
    });
    expect(Activities?.[0]).toMatchObject({
      Description: `Launching a new EC2 instance: ${fresh}`,
      Cause:
        'At 2026-01-05T09:05:02Z an instance was started in response to a difference between desired and actual ' +
        'capacity, increasing the capacity from 1 to 2.',
      StatusCode: 'Successful',
    });
    expect(JSON.parse(Activities?.[0]?.Details ?? '{}')).toEqual({
      'Subnet ID': expect.stringMatching(/^subnet-/),
      'Availability Zone': expect.stringMatching(/^eu-west-1[ab]$/),
    });
    // The "Successful" events carry the activity's id.
    const terminated = events.find((event) => event['detail-type'] === 'EC2 Instance Terminate Successful');
    expect((terminated?.detail as { ActivityId?: string } | undefined)?.ActivityId).toBe(Activities?.[1]?.ActivityId);
  });

  it('pages activities newest first, and marks a launch whose hook was abandoned Cancelled', async () => {
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: GROUP, DesiredCapacity: 3 }));
    await h.clock.advance(5_000);
    const action = h.account.autoscaling.pendingActions()[0];
    await h.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: GROUP,
        LifecycleHookName: 'launch',
        LifecycleActionToken: action?.token,
        LifecycleActionResult: 'ABANDON',
      }),
    );
    await h.clock.advance(60_000);

    const first = await h.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP, MaxRecords: 1 }),
    );
    const second = await h.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP, MaxRecords: 1, NextToken: first.NextToken }),
    );
    const all = await h.autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: GROUP }));
    expect([first.Activities?.[0]?.ActivityId, second.Activities?.[0]?.ActivityId]).toEqual(
      all.Activities?.slice(0, 2).map((a) => a.ActivityId),
    );
    const abandoned = all.Activities?.find(
      (a) => a.Description === `Launching a new EC2 instance: ${action?.instanceId}`,
    );
    expect(abandoned).toMatchObject({
      StatusCode: 'Cancelled',
      StatusMessage: `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${action?.token} was abandoned: Lifecycle Action Completed with ABANDON Result`,
    });
    const starts = (all.Activities ?? []).map((a) => a.StartTime?.getTime() ?? 0);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const other = await h.autoScaling.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'nope' }));
    expect(other.Activities).toEqual([]);
  });

  it('refuses an unknown health status and an instance in no group', async () => {
    const id = members()[0]?.id ?? '';
    const status = await rejectionOf(
      h.autoScaling.send(new SetInstanceHealthCommand({ InstanceId: id, HealthStatus: 'Sick' })),
    );
    expect(status.name).toBe('ValidationError');
    const stranger = await rejectionOf(
      h.autoScaling.send(
        new SetInstanceHealthCommand({ InstanceId: 'i-0123456789abcdef0', HealthStatus: 'Unhealthy' }),
      ),
    );
    expect(stranger.name).toBe('ValidationError');
    expect(members().every((m) => m.healthStatus === 'Healthy' && m.lifecycleState === 'InService')).toBe(true);
  });
});
