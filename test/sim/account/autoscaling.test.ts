import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimEvent } from '../../../sim';
import { type Harness, rejectionOf, startAccount } from './harness';

const HOOKS = [
  {
    name: 'launch-hook',
    transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const,
    heartbeatTimeout: 300,
    defaultResult: 'ABANDON' as const,
    notificationMetadata: '{"env":"test"}',
  },
  {
    name: 'terminate-hook',
    transition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
    heartbeatTimeout: 120,
    defaultResult: 'CONTINUE' as const,
  },
];

const keysDeep = (value: unknown, prefix = ''): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value)
        .flatMap(([key, inner]) => [`${prefix}${key}`, ...keysDeep(inner, `${prefix}${key}.`)])
        .sort()
    : [];

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../events', name), 'utf8'));

describe('simulated Auto Scaling', () => {
  let h: Harness;
  let events: SimEvent[];

  beforeEach(() => {
    h = startAccount({
      targetGroups: [
        { name: 'web', healthCheck: { intervalSeconds: 10, healthyThreshold: 2 }, deregistrationDelaySeconds: 30 },
      ],
      autoScalingGroups: [
        {
          name: 'web-asg',
          minSize: 1,
          maxSize: 4,
          desiredCapacity: 2,
          subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
          targetGroupNames: ['web'],
          lifecycleHooks: HOOKS,
        },
      ],
    });
    events = [];
    h.account.onEvent((event) => {
      events.push(event);
    });
  });
  afterEach(() => h.done());

  const scaleOutOne = async () => {
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 3 }));
    await h.clock.advance(3_000);
    const event = events.find((e) => e['detail-type'] === 'EC2 Instance-launch Lifecycle Action');
    if (!event) throw new Error('no launch lifecycle event');
    return event;
  };

  const lifecycleState = async (instanceId: string) => {
    const out = await h.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
    return out.AutoScalingInstances?.[0]?.LifecycleState;
  };

  it('emits a launch lifecycle event in the shape of AWS sample events on scale-out', async () => {
    const event = await scaleOutOne();
    expect(keysDeep(event)).toEqual(keysDeep(fixture('autoscaling-launch-lifecycle-action.json')));
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.autoscaling',
      account: '123456789012',
      region: 'eu-west-1',
      resources: [h.account.autoscaling.arnOf('web-asg')],
      detail: {
        AutoScalingGroupName: 'web-asg',
        LifecycleHookName: 'launch-hook',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
        NotificationMetadata: '{"env":"test"}',
        Origin: 'EC2',
        Destination: 'AutoScalingGroup',
      },
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await lifecycleState(event.detail.EC2InstanceId)).toBe('Pending:Wait');
  });

  it('continues a launch on CompleteLifecycleAction: registers the instance, InService, Launch Successful event', async () => {
    const event = await scaleOutOne();
    const instanceId = event.detail.EC2InstanceId;
    await h.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-asg',
        LifecycleHookName: 'launch-hook',
        LifecycleActionToken: event.detail.LifecycleActionToken,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
    await h.clock.advance(60_000);
    expect(await lifecycleState(instanceId)).toBe('InService');
    const targets = await h.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: h.account.elbv2.arnOf('web'), Targets: [{ Id: instanceId }] }),
    );
    expect(targets.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('healthy');
    const successful = events.find((e) => e['detail-type'] === 'EC2 Instance Launch Successful');
    expect(successful?.detail.EC2InstanceId).toBe(instanceId);
    expect(keysDeep(successful)).toEqual(keysDeep(fixture('autoscaling-instance-launch-successful.json')));
  });

  it('applies the DefaultResult at the heartbeat deadline, and a heartbeat pushes the deadline back', async () => {
    const event = await scaleOutOne();
    const instanceId = event.detail.EC2InstanceId;
    await h.clock.advance(200_000);
    await h.autoScaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: 'web-asg',
        LifecycleHookName: 'launch-hook',
        InstanceId: instanceId,
      }),
    );
    // Without the heartbeat the action would have timed out 300 s after it started (~100 s from now).
    await h.clock.advance(290_000);
    expect(await lifecycleState(instanceId)).toBe('Pending:Wait');
    await h.clock.advance(15_000);
    expect(h.account.autoscaling.hookResults).toContainEqual(
      expect.objectContaining({ instanceId, hook: 'launch-hook', result: 'ABANDON', by: 'DefaultResult' }),
    );
    // Abandoned launch: the instance goes away and the group launches a replacement.
    await h.clock.advance(60_000);
    expect(h.account.ec2.get(instanceId)?.state).toBe('terminated');
    const launchEvents = events.filter((e) => e['detail-type'] === 'EC2 Instance-launch Lifecycle Action');
    expect(launchEvents.length).toBe(2);
  });

  it('caps heartbeats at the global timeout of min(48 h, 100 × HeartbeatTimeout)', async () => {
    const event = await scaleOutOne();
    const instanceId = event.detail.EC2InstanceId;
    const heartbeat = () =>
      h.autoScaling.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: 'web-asg',
          LifecycleHookName: 'launch-hook',
          InstanceId: instanceId,
        }),
      );
    // 100 × 300 s = 30,000 s. Heartbeat every 250 s.
    for (let elapsed = 0; elapsed < 29_750; elapsed += 250) {
      await h.clock.advance(250_000);
      await heartbeat();
    }
    await h.clock.advance(260_000);
    const error = await rejectionOf(heartbeat());
    expect(error.message).toBe(`No active Lifecycle Action found with instance ID ${instanceId}`);
  });

  it('answers ValidationError with AWS message when an action is completed twice', async () => {
    const event = await scaleOutOne();
    const complete = () =>
      h.autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'web-asg',
          LifecycleHookName: 'launch-hook',
          LifecycleActionToken: event.detail.LifecycleActionToken,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
    await complete();
    const error = await rejectionOf(complete());
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(`No active Lifecycle Action found with token ${event.detail.LifecycleActionToken}`);
    expect(error.$fault).toBe('client');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.$metadata?.attempts).toBe(1);
  });

  it('on scale-in drains the instance from its target group before Terminating:Wait, then terminates it', async () => {
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 1 }));
    await h.clock.advance(1_000);
    const group = await h.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
    );
    const victim = group.AutoScalingGroups?.[0]?.Instances?.find((i) => i.LifecycleState === 'Terminating');
    if (!victim?.InstanceId) throw new Error('no terminating instance');
    const victimId = victim.InstanceId;
    const tg = h.account.elbv2.arnOf('web');
    const state = async () =>
      (await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg, Targets: [{ Id: victimId }] })))
        .TargetHealthDescriptions?.[0]?.TargetHealth?.State;
    expect(await state()).toBe('draining');
    expect(events.filter((e) => e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action')).toHaveLength(0);
    await h.clock.advance(30_010);
    expect(await state()).toBe('unused');
    expect(await lifecycleState(victimId)).toBe('Terminating:Wait');
    const terminateEvent = events.find((e) => e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action');
    expect(keysDeep(terminateEvent)).toEqual(
      keysDeep(fixture('autoscaling-terminate-lifecycle-action.json')).filter(
        (k) => k !== 'detail.NotificationMetadata',
      ),
    );
    expect(terminateEvent?.detail).toMatchObject({
      EC2InstanceId: victimId,
      Origin: 'AutoScalingGroup',
      Destination: 'EC2',
    });
    // Terminate hook times out with CONTINUE after 120 s; EC2 then takes 30 s to terminate.
    await h.clock.advance(150_000);
    expect(h.account.autoscaling.hookResults).toContainEqual(
      expect.objectContaining({
        instanceId: victimId,
        hook: 'terminate-hook',
        result: 'CONTINUE',
        by: 'DefaultResult',
      }),
    );
    expect(h.account.ec2.get(victimId)?.state).toBe('terminated');
    expect(await lifecycleState(victimId)).toBeUndefined();
    expect(
      events.some(
        (e) => e['detail-type'] === 'EC2 Instance Terminate Successful' && e.detail.EC2InstanceId === victimId,
      ),
    ).toBe(true);
  });

  it('rejects desired capacity outside min/max with AWS messages', async () => {
    const above = await rejectionOf(
      h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 5 })),
    );
    expect(above.name).toBe('ValidationError');
    expect(above.message).toBe('New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.');
    const below = await rejectionOf(
      h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 0 })),
    );
    expect(below.message).toBe('New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.');
  });

  it('delivers every event twice, with the same id, when told to duplicate deliveries', async () => {
    h.account.faults.eventDelivery({ duplicateRate: 1, duplicateDelayMs: 5_000 });
    await scaleOutOne();
    await h.clock.advance(5_000);
    const launches = events.filter((e) => e['detail-type'] === 'EC2 Instance-launch Lifecycle Action');
    expect(launches).toHaveLength(2);
    expect(launches[0]?.id).toBe(launches[1]?.id);
  });

  it('brings a scale-out to InService within virtual minutes when a runtime completes the hooks', async () => {
    h.account.onEvent(async (event) => {
      if (event['detail-type'] !== 'EC2 Instance-launch Lifecycle Action') return;
      await h.autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: event.detail.AutoScalingGroupName,
          LifecycleHookName: event.detail.LifecycleHookName,
          InstanceId: event.detail.EC2InstanceId,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
    });
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 4 }));
    const allInService = async () => {
      const out = await h.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
      );
      const instances = out.AutoScalingGroups?.[0]?.Instances ?? [];
      return instances.length === 4 && instances.every((i) => i.LifecycleState === 'InService');
    };
    expect(await h.clock.runUntil(allInService, 5 * 60_000)).toBe(true);
    expect(h.clock.now() - Date.parse('2026-01-05T09:00:00.000Z')).toBeLessThan(60_000);
  });

  it('spreads launches across the group subnets', async () => {
    const group = await h.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
    );
    const azs = group.AutoScalingGroups?.[0]?.Instances?.map((i) => i.AvailabilityZone).sort();
    expect(azs).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(group.AutoScalingGroups?.[0]?.TargetGroupARNs).toEqual([h.account.elbv2.arnOf('web')]);
  });
});
