import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompleteLifecycleActionCommand, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimEvent } from '../../../sim';
import type { LaunchLifecycleActionEvent } from '../../../sim/events';
import { type Harness, startAccount } from './harness';

const HOOKS = [
  {
    name: 'launch-hook',
    transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const,
    heartbeatTimeout: 300,
    defaultResult: 'ABANDON' as const,
    notificationMetadata: 'launch',
  },
  {
    name: 'terminate-hook',
    transition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
    heartbeatTimeout: 120,
    defaultResult: 'CONTINUE' as const,
    notificationMetadata: 'terminate',
  },
];

const keysDeep = (value: unknown, prefix = ''): string[] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value)
        .flatMap(([key, inner]) => [`${prefix}${key}`, ...keysDeep(inner, `${prefix}${key}.`)])
        .sort()
    : [];

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../events', name), 'utf8'));

describe('simulated Auto Scaling: root-volume replacement', () => {
  let h: Harness;
  let events: SimEvent[];
  let id: string;

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
          desiredCapacity: 1,
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
    id = h.account.autoscaling.view()[0]?.instances[0]?.id ?? '';
  });
  afterEach(() => h.done());

  const lifecycleState = async () => {
    const out = await h.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
    return out.AutoScalingInstances?.[0]?.LifecycleState;
  };
  const targetState = async () => {
    const out = await h.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: h.account.elbv2.arnOf('web'), Targets: [{ Id: id }] }),
    );
    return out.TargetHealthDescriptions?.[0]?.TargetHealth?.State;
  };
  const lifecycleEvent = (detailType: string) =>
    events.find((e) => e['detail-type'] === detailType) as LaunchLifecycleActionEvent | undefined;
  const complete = (hook: string, token: string) =>
    h.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: 'web-asg',
        LifecycleHookName: hook,
        LifecycleActionToken: token,
        LifecycleActionResult: 'CONTINUE',
      }),
    );

  it('walks the documented states, raising both lifecycle actions for the same instance id with its addresses kept', async () => {
    const before = h.account.ec2.get(id);
    const addresses = [before?.privateIp, before?.publicIp];
    const seen: string[] = [];
    const look = async () => {
      const state = (await lifecycleState()) ?? 'gone';
      if (seen.at(-1) !== state) seen.push(state);
    };

    h.account.autoscaling.replaceRootVolume('web-asg', id, { imageId: 'ami-0new', rebootMs: 40_000 });
    await look();
    // Deregistered from the attached target group first (draining for its 30 s), then the terminate half waits.
    expect(await targetState()).toBe('draining');
    for (let t = 0; t < 40 && !lifecycleEvent('EC2 Instance-terminate Lifecycle Action'); t++) {
      await h.clock.advance(1_000);
      await look();
    }
    const terminate = lifecycleEvent('EC2 Instance-terminate Lifecycle Action');
    expect(await lifecycleState()).toBe('ReplacingRootVolume:Wait');
    await complete('terminate-hook', terminate?.detail.LifecycleActionToken ?? '');
    for (let t = 0; t < 120 && !lifecycleEvent('EC2 Instance-launch Lifecycle Action'); t++) {
      await h.clock.advance(1_000);
      await look();
    }
    const launch = lifecycleEvent('EC2 Instance-launch Lifecycle Action');
    expect(await lifecycleState()).toBe('Pending:Wait');
    await complete('launch-hook', launch?.detail.LifecycleActionToken ?? '');
    for (let t = 0; t < 30; t++) {
      await h.clock.advance(1_000);
      await look();
    }

    expect(seen).toEqual([
      'ReplacingRootVolume',
      'ReplacingRootVolume:Wait',
      'ReplacingRootVolume:Proceed',
      'RootVolumeReplaced',
      'Pending',
      'Pending:Wait',
      'Pending:Proceed',
      'InService',
    ]);
    for (const event of [terminate, launch]) {
      expect(event?.detail).toMatchObject({
        EC2InstanceId: id,
        Origin: 'AutoScalingGroup',
        Destination: 'AutoScalingGroup',
        Action: 'ReplaceRootVolume',
      });
    }
    expect(keysDeep(terminate)).toEqual(
      keysDeep(fixture('autoscaling-terminate-lifecycle-action-replace-root-volume.json')),
    );
    expect(keysDeep(launch)).toEqual(keysDeep(fixture('autoscaling-launch-lifecycle-action-replace-root-volume.json')));
    const after = h.account.ec2.get(id);
    expect([after?.privateIp, after?.publicIp]).toEqual(addresses);
    expect([after?.state, after?.imageId]).toEqual(['running', 'ami-0new']);
    expect(await targetState()).toBe('healthy');
    expect(h.account.autoscaling.hookResults.map((r) => [r.hook, r.by])).toEqual([
      ['terminate-hook', 'CompleteLifecycleAction'],
      ['launch-hook', 'CompleteLifecycleAction'],
    ]);
  });

  it('keeps the application unreachable while the instance reboots onto the new root volume', async () => {
    h.account.autoscaling.replaceRootVolume('web-asg', id, { rebootMs: 40_000 });
    await h.clock.advance(35_000);
    const terminate = lifecycleEvent('EC2 Instance-terminate Lifecycle Action');
    await complete('terminate-hook', terminate?.detail.LifecycleActionToken ?? '');
    await h.clock.advance(10_000);

    expect(await lifecycleState()).toBe('ReplacingRootVolume:Proceed');
    expect(h.account.ec2.get(id)?.state).toBe('running');
    expect(h.account.ec2.runningFor(id)).toBeUndefined();
    await h.clock.advance(40_000);
    expect(h.account.ec2.runningFor(id)).toBeGreaterThanOrEqual(0);
  });

  it('applies a launch hook timing out to ABANDON as a failed replacement: the instance is terminated and replaced', async () => {
    h.account.autoscaling.replaceRootVolume('web-asg', id, { rebootMs: 10_000 });
    await h.clock.advance(35_000);
    await complete(
      'terminate-hook',
      lifecycleEvent('EC2 Instance-terminate Lifecycle Action')?.detail.LifecycleActionToken ?? '',
    );

    await h.clock.advance(400_000);

    expect(h.account.autoscaling.hookResults.map((r) => [r.hook, r.result, r.by])).toEqual([
      ['terminate-hook', 'CONTINUE', 'CompleteLifecycleAction'],
      ['launch-hook', 'ABANDON', 'DefaultResult'],
    ]);
    expect(h.account.ec2.get(id)?.state).toBe('terminated');
    const members = h.account.autoscaling.view()[0]?.instances ?? [];
    expect(members.map((m) => m.id)).not.toContain(id);
    expect(members).toHaveLength(1);
  });

  it('refuses to replace the root volume of an instance that is not InService in the group', () => {
    expect(() => h.account.autoscaling.replaceRootVolume('web-asg', 'i-0123456789abcdef0')).toThrow(
      /is not InService in AutoScalingGroup web-asg/,
    );
    expect(() => h.account.autoscaling.replaceRootVolume('other-asg', id)).toThrow(/not found/);
  });
});
