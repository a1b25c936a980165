import {
  CancelInstanceRefreshCommand,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import { apps } from '../../../sim';
import { FAILED_LAUNCHES_TO_FAIL } from '../../../sim/autoscaling/instance-refresh';
import type { SimEvent } from '../../../sim/events';
import { type Harness, rejectionOf, startAccount } from './harness';

const BASE = `ami-0${'1'.repeat(16)}`;
const NEXT = `ami-0${'3'.repeat(16)}`;
const GROUP = 'web-asg';

const HOOKS = [
  {
    name: 'launch-hook',
    transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const,
    heartbeatTimeout: 30,
    defaultResult: 'CONTINUE' as const,
  },
  {
    name: 'terminate-hook',
    transition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
    heartbeatTimeout: 30,
    defaultResult: 'CONTINUE' as const,
  },
];

const REFRESH_TYPES = new Set([
  'EC2 Auto Scaling Instance Refresh Started',
  'EC2 Auto Scaling Instance Refresh Succeeded',
  'EC2 Auto Scaling Instance Refresh Failed',
  'EC2 Auto Scaling Instance Refresh Cancelled',
  'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
  'EC2 Auto Scaling Instance Refresh Rollback Started',
  'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
  'EC2 Auto Scaling Instance Refresh Rollback Failed',
]);

describe('simulated Auto Scaling instance refresh', () => {
  let h: Harness;
  let templateId: string;

  beforeEach(async () => {
    h = startAccount({
      images: [
        { id: BASE, name: 'web-base' },
        { id: NEXT, name: 'web-next' },
      ],
      launchTemplates: [{ name: 'web-lt', imageId: BASE }],
      targetGroups: [
        {
          name: 'web',
          healthCheck: { intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
          deregistrationDelaySeconds: 30,
          healthCheckPhaseSeconds: 0,
        },
      ],
      autoScalingGroups: [
        {
          name: GROUP,
          minSize: 1,
          maxSize: 8,
          desiredCapacity: 4,
          subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
          targetGroupNames: ['web'],
          lifecycleHooks: HOOKS,
          launchTemplate: { name: 'web-lt', version: '1' },
          healthCheckType: 'ELB',
          healthCheckGracePeriod: 120,
        },
      ],
    });
    templateId = h.account.ec2.launchTemplates.byName('web-lt')?.id ?? '';
    await h.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: NEXT },
      }),
    );
  });

  afterEach(() => h.done());

  const start = (preferences: StartInstanceRefreshCommandInput['Preferences'] = {}, version = '2') =>
    h.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: GROUP,
        Strategy: 'Rolling',
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: version } },
        Preferences: preferences,
      }),
    );

  const describe1 = async (id: string): Promise<InstanceRefresh | undefined> =>
    (
      await h.autoScaling.send(
        new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: GROUP, InstanceRefreshIds: [id] }),
      )
    ).InstanceRefreshes?.[0];

  const statusOf = (id: string) => h.account.autoscaling.refreshes.list().find((refresh) => refresh.id === id)?.status;
  const refreshEvents = (): SimEvent[] =>
    h.account.emittedEvents().filter((event) => REFRESH_TYPES.has(event['detail-type']));
  const imagesInGroup = () =>
    h.account.autoscaling
      .view()[0]
      ?.instances.map((instance) => h.account.ec2.get(instance.id)?.imageId)
      .sort();
  const healthyTargets = () =>
    h.account.elbv2.view()[0]?.targets.filter((target) => target.state === 'healthy').length ?? 0;

  it('rolls the group onto the new version in batches, pausing at a checkpoint, with hooks for every replacement', async () => {
    const { InstanceRefreshId = '' } = await start({
      MinHealthyPercentage: 50,
      InstanceWarmup: 60,
      CheckpointPercentages: [50, 100],
      CheckpointDelay: 600,
      AutoRollback: true,
    });
    expect((await describe1(InstanceRefreshId))?.Status).toBe('Pending');

    let fewestHealthy = Number.POSITIVE_INFINITY;
    let sawCheckpointPause = false;
    const done = await h.clock.runUntil(
      () => {
        fewestHealthy = Math.min(fewestHealthy, healthyTargets());
        const reason = h.account.autoscaling.refreshes.list()[0];
        if (reason?.status === 'InProgress' && reason.percentage === 50) sawCheckpointPause = true;
        return statusOf(InstanceRefreshId) === 'Successful';
      },
      3 * 60 * 60 * 1000,
      1_000,
    );

    expect(done).toBe(true);
    expect(sawCheckpointPause).toBe(true);
    // MinHealthyPercentage 50 of 4: batches of two, so never fewer than 2 healthy targets, and down to 2.
    expect(fewestHealthy).toBe(2);
    expect(imagesInGroup()).toEqual([NEXT, NEXT, NEXT, NEXT]);
    const refresh = await describe1(InstanceRefreshId);
    expect(refresh).toMatchObject({
      Status: 'Successful',
      PercentageComplete: 100,
      InstancesToUpdate: 0,
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } },
      Preferences: {
        MinHealthyPercentage: 50,
        InstanceWarmup: 60,
        CheckpointPercentages: [50, 100],
        AutoRollback: true,
      },
    });
    const [group] = (await h.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(group?.LaunchTemplate?.Version).toBe('2');

    const events = refreshEvents();
    expect(events.map((event) => event['detail-type'])).toEqual([
      'EC2 Auto Scaling Instance Refresh Started',
      'EC2 Auto Scaling Instance Refresh Checkpoint Reached',
      'EC2 Auto Scaling Instance Refresh Succeeded',
    ]);
    expect(events[1]?.detail).toEqual({
      InstanceRefreshId,
      AutoScalingGroupName: GROUP,
      CheckpointPercentage: '50',
      CheckpointDelay: '600',
    });
    expect(events[0]?.detail).toEqual({ InstanceRefreshId, AutoScalingGroupName: GROUP });
    // The refresh waits CheckpointDelay after the checkpoint before the next batch.
    expect(Date.parse(events[2]?.time ?? '') - Date.parse(events[1]?.time ?? '')).toBeGreaterThanOrEqual(600_000);
    expect(events[0]?.resources).toEqual([h.account.autoscaling.arnOf(GROUP)]);
    const hookEvents = h.account.emittedEvents().map((event) => event['detail-type']);
    expect(hookEvents.filter((type) => type === 'EC2 Instance-terminate Lifecycle Action')).toHaveLength(4);
    expect(hookEvents.filter((type) => type === 'EC2 Instance-launch Lifecycle Action')).toHaveLength(4);
  });

  it('refuses a second refresh while one is in progress, and cancels the running one', async () => {
    const { InstanceRefreshId = '' } = await start({ MinHealthyPercentage: 75 });
    const second = await rejectionOf(start());
    expect(second.name).toBe('InstanceRefreshInProgressFault');

    await h.clock.advance(20_000);
    expect(statusOf(InstanceRefreshId)).toBe('InProgress');
    await h.autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: GROUP }));
    expect((await describe1(InstanceRefreshId))?.Status).toBe('Cancelling');
    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'Cancelled', 30 * 60 * 1000);

    expect(statusOf(InstanceRefreshId)).toBe('Cancelled');
    expect(refreshEvents().map((event) => event['detail-type'])).toEqual([
      'EC2 Auto Scaling Instance Refresh Started',
      'EC2 Auto Scaling Instance Refresh Cancelled',
    ]);
    // One batch of one (75 % of 4 healthy) was replaced; the rest stay on the old image; the group keeps version 1.
    expect(imagesInGroup()).toEqual([BASE, BASE, BASE, NEXT].sort());
    const cancelAgain = await rejectionOf(
      h.autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: GROUP })),
    );
    expect(cancelAgain.name).toBe('ActiveInstanceRefreshNotFoundFault');
  });

  it('fails when a replacement never passes its health check, and rolls back to the previous version', async () => {
    h.account.ec2.images.setApp(NEXT, apps.broken(502));
    const { InstanceRefreshId = '' } = await start({
      MinHealthyPercentage: 75,
      InstanceWarmup: 30,
      AutoRollback: true,
    });

    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'RollbackInProgress', 60 * 60 * 1000);
    const rolling = await describe1(InstanceRefreshId);
    expect(rolling).toMatchObject({
      Status: 'RollbackInProgress',
      RollbackDetails: { PercentageCompleteOnRollback: 0, InstancesToUpdateOnRollback: 4 },
    });
    expect(rolling?.RollbackDetails?.RollbackReason).toContain('health check');

    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'RollbackSuccessful', 60 * 60 * 1000);
    expect(statusOf(InstanceRefreshId)).toBe('RollbackSuccessful');
    expect(imagesInGroup()).toEqual([BASE, BASE, BASE, BASE]);
    const [group] = (await h.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(group?.LaunchTemplate?.Version).toBe('1');
    expect(refreshEvents().map((event) => event['detail-type'])).toEqual([
      'EC2 Auto Scaling Instance Refresh Started',
      'EC2 Auto Scaling Instance Refresh Rollback Started',
      'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
    ]);
  });

  it('fails after three launches in a row are abandoned by a launch hook, naming them (a count the sim chose)', async () => {
    const { InstanceRefreshId = '' } = await start({ MinHealthyPercentage: 75 });
    const before = new Set(h.account.autoscaling.view()[0]?.instances.map((instance) => instance.id));
    const abandoned: string[] = [];
    const waiting = () =>
      h.account.autoscaling
        .view()[0]
        ?.instances.find((i) => !before.has(i.id) && !abandoned.includes(i.id) && i.lifecycleState === 'Pending:Wait');
    for (let launch = 0; launch < FAILED_LAUNCHES_TO_FAIL; launch++) {
      await h.clock.runUntil(() => waiting() !== undefined, 60 * 60 * 1000);
      const instance = waiting()?.id ?? '';
      expect(statusOf(InstanceRefreshId)).toBe('InProgress');
      await h.autoScaling.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: GROUP,
          LifecycleHookName: 'launch-hook',
          InstanceId: instance,
          LifecycleActionResult: 'ABANDON',
        }),
      );
      abandoned.push(instance);
    }

    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'Failed', 60 * 60 * 1000);
    const refresh = await describe1(InstanceRefreshId);
    expect(refresh?.Status).toBe('Failed');
    expect(refresh?.StatusReason).toContain('failed to launch');
    for (const id of abandoned) expect(refresh?.StatusReason).toContain(id);
  });

  it('refuses a mixed instances policy as the desired configuration, which it does not model', async () => {
    const error = await rejectionOf(
      h.autoScaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: GROUP,
          DesiredConfiguration: {
            MixedInstancesPolicy: {
              LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '2' } },
            },
          },
        }),
      ),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('mixed instances');
  });

  it('ends Failed without AutoRollback, leaving the group on its previous version', async () => {
    h.account.ec2.images.setApp(NEXT, apps.broken(502));
    const { InstanceRefreshId = '' } = await start({ MinHealthyPercentage: 75 });
    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'Failed', 60 * 60 * 1000);
    const refresh = await describe1(InstanceRefreshId);
    expect(refresh?.Status).toBe('Failed');
    expect(refresh?.StatusReason).toContain('failed the group');
    expect(refresh?.EndTime).toBeInstanceOf(Date);
    expect(refreshEvents().map((event) => event['detail-type'])).toEqual([
      'EC2 Auto Scaling Instance Refresh Started',
      'EC2 Auto Scaling Instance Refresh Failed',
    ]);
  });

  it('fails on an alarm of the AlarmSpecification going into ALARM', async () => {
    const { InstanceRefreshId = '' } = await start({
      MinHealthyPercentage: 75,
      AlarmSpecification: { Alarms: ['web-5xx'] },
    });
    await h.cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'ignore',
      }),
    );
    await h.clock.advance(20_000);
    expect(statusOf(InstanceRefreshId)).toBe('InProgress');
    await h.cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'web-5xx', StateValue: 'ALARM', StateReason: 'the application fails' }),
    );
    await h.clock.advance(10_000);
    const refresh = await describe1(InstanceRefreshId);
    expect(refresh?.Status).toBe('Failed');
    expect(refresh?.StatusReason).toContain('web-5xx');
  });

  it('skips the instances that already match with SkipMatching', async () => {
    const { InstanceRefreshId = '' } = await start({ SkipMatching: true }, '1');
    await h.clock.advance(10_000);
    expect(await describe1(InstanceRefreshId)).toMatchObject({
      Status: 'Successful',
      PercentageComplete: 100,
      InstancesToUpdate: 0,
    });
    expect(
      h.account.emittedEvents().some((event) => event['detail-type'] === 'EC2 Instance-terminate Lifecycle Action'),
    ).toBe(false);
  });

  it('refuses documented bad combinations with ValidationError', async () => {
    const errors = await Promise.all([
      rejectionOf(start({ AutoRollback: true }, '$Latest')),
      rejectionOf(start({ MinHealthyPercentage: 101 })),
      rejectionOf(start({ MinHealthyPercentage: 10, MaxHealthyPercentage: 150 })),
      rejectionOf(start({ CheckpointDelay: 60 })),
      rejectionOf(start({ CheckpointPercentages: [50, 20] })),
      rejectionOf(start({}, '9')),
    ]);
    expect(errors.map((error) => error.name)).toEqual(Array(6).fill('ValidationError'));
  });

  it('rolls back on request, and refuses a rollback when nothing is active', async () => {
    const none = await rejectionOf(
      h.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: GROUP })),
    );
    expect(none.name).toBe('ActiveInstanceRefreshNotFoundFault');
    const { InstanceRefreshId = '' } = await start({ MinHealthyPercentage: 75 });
    await h.clock.advance(20_000);
    await h.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: GROUP }));
    expect((await describe1(InstanceRefreshId))?.RollbackDetails?.RollbackReason).toContain('user');
    await h.clock.runUntil(() => statusOf(InstanceRefreshId) === 'RollbackSuccessful', 60 * 60 * 1000);
    expect(imagesInGroup()).toEqual([BASE, BASE, BASE, BASE]);
  });
});
