/**
 * Simulated UpdateAutoScalingGroup (sizes) and CreateOrUpdateTags on groups (sim/autoscaling/update-group.ts): AWS's
 * rules and ValidationError messages, through the real SDK client.
 */
import {
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { type Harness, startAccount } from './harness';

describe('simulated UpdateAutoScalingGroup and group tags', () => {
  let h: Harness;

  beforeEach(() => {
    h = startAccount({
      autoScalingGroups: [
        { name: 'web-asg', minSize: 1, maxSize: 4, desiredCapacity: 2, subnetIds: ['subnet-0aaa', 'subnet-0bbb'] },
      ],
    });
  });
  afterEach(() => h.done());

  const sizes = async () => {
    const g = (await h.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] })))
      .AutoScalingGroups?.[0];
    return {
      min: g?.MinSize,
      max: g?.MaxSize,
      desired: g?.DesiredCapacity,
      tags: g?.Tags?.map((t) => [t.Key, t.Value]),
    };
  };
  const update = (input: { MinSize?: number; MaxSize?: number; DesiredCapacity?: number }) =>
    h.autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web-asg', ...input }));

  it('sets min, max and desired together and launches towards the new desired capacity', async () => {
    await update({ MinSize: 2, MaxSize: 8, DesiredCapacity: 5 });
    await h.clock.advance(60_000);

    expect(await sizes()).toMatchObject({ min: 2, max: 8, desired: 5 });
    expect(h.account.autoscaling.view()[0]?.instances).toHaveLength(5);
  });

  it('raises desired to a new min, and lowers it to a new max, when desired is not given', async () => {
    await update({ MinSize: 3 });
    const raised = await sizes();
    await update({ MinSize: 1, MaxSize: 1 });

    expect(raised).toMatchObject({ min: 3, max: 4, desired: 3 });
    expect(await sizes()).toMatchObject({ min: 1, max: 1, desired: 1 });
  });

  it('refuses min above max and desired outside min..max with the ValidationError messages AWS returns', async () => {
    await expect(update({ MinSize: 5, MaxSize: 3 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Max bound, 3, must be greater than or equal to min bound, 5',
    });
    await expect(update({ MinSize: 1, MaxSize: 4, DesiredCapacity: 9 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Desired capacity:9 must be between the specified min size:1 and max size:4',
    });
    expect(await sizes()).toMatchObject({ min: 1, max: 4, desired: 2 });
  });

  it('writes and overwrites group tags, and refuses an unknown group', async () => {
    const tag = (Value: string, ResourceId = 'web-asg') =>
      h.autoScaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: [
            {
              ResourceId,
              ResourceType: 'auto-scaling-group',
              Key: 'fleetpilot:schedule',
              Value,
              PropagateAtLaunch: false,
            },
          ],
        }),
      );

    await tag('a');
    await tag('b');

    expect((await sizes()).tags).toEqual([['fleetpilot:schedule', 'b']]);
    await expect(tag('c', 'nope')).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
