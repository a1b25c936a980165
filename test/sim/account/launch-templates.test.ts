import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { type Harness, rejectionOf, startAccount } from './harness';

const BASE = `ami-0${'1'.repeat(16)}`;
const NEXT = `ami-0${'3'.repeat(16)}`;

describe('simulated EC2 launch templates', () => {
  let h: Harness;

  beforeEach(() => {
    h = startAccount({
      launchTemplates: [{ name: 'web-lt', imageId: BASE, instanceType: 't3.small' }],
      autoScalingGroups: [
        {
          name: 'web-asg',
          minSize: 1,
          maxSize: 4,
          desiredCapacity: 1,
          subnetIds: ['subnet-0aaa'],
          launchTemplate: { name: 'web-lt', version: '1' },
        },
      ],
    });
  });

  afterEach(() => h.done());

  const templateId = () => h.account.ec2.launchTemplates.byName('web-lt')?.id ?? '';

  it('numbers new versions, copies the source version and overrides only the data given', async () => {
    const created = await h.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId(),
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: NEXT },
      }),
    );
    expect(created.LaunchTemplateVersion).toMatchObject({
      VersionNumber: 2,
      DefaultVersion: false,
      LaunchTemplateData: { ImageId: NEXT, InstanceType: 't3.small' },
    });
    const bare = await h.ec2.send(
      new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: BASE } }),
    );
    expect(bare.LaunchTemplateVersion?.VersionNumber).toBe(3);
    expect(bare.LaunchTemplateVersion?.LaunchTemplateData).toEqual({ ImageId: BASE });

    const versions = await h.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId(), Versions: ['$Latest', '$Default'] }),
    );
    expect(versions.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
      [3, false],
      [1, true],
    ]);
    const all = await h.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web-lt' }));
    expect(all.LaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([3, 2, 1]);
  });

  it('returns the same version for a repeated ClientToken', async () => {
    const send = () =>
      h.ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId(),
          SourceVersion: '1',
          ClientToken: 'image-ami-3',
          LaunchTemplateData: { ImageId: NEXT },
        }),
      );
    const first = await send();
    const second = await send();
    expect(second.LaunchTemplateVersion?.VersionNumber).toBe(first.LaunchTemplateVersion?.VersionNumber);
    const all = await h.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId() }));
    expect(all.LaunchTemplateVersions).toHaveLength(2);
  });

  it('moves the default version with ModifyLaunchTemplate', async () => {
    await h.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId(),
        SourceVersion: '$Default',
        LaunchTemplateData: { ImageId: NEXT },
      }),
    );
    const modified = await h.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId(), DefaultVersion: '2' }),
    );
    expect(modified.LaunchTemplate).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 });
    const [defaultVersion] =
      (
        await h.ec2.send(
          new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId(), Versions: ['$Default'] }),
        )
      ).LaunchTemplateVersions ?? [];
    expect(defaultVersion?.LaunchTemplateData?.ImageId).toBe(NEXT);
  });

  it('answers the documented error codes', async () => {
    const unknownId = `lt-0${'a'.repeat(16)}`;
    const codes = await Promise.all([
      rejectionOf(h.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: unknownId }))),
      rejectionOf(h.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nope-lt' }))),
      rejectionOf(
        h.ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: templateId(),
            SourceVersion: '7',
            LaunchTemplateData: { ImageId: NEXT },
          }),
        ),
      ),
      rejectionOf(
        h.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId(), Versions: ['9'] })),
      ),
      rejectionOf(h.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId(), DefaultVersion: '5' }))),
      rejectionOf(h.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-bad'] }))),
      rejectionOf(
        h.ec2.send(
          new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: BASE } }),
        ),
      ),
    ]);
    expect(codes.map((error) => error.name)).toEqual([
      'InvalidLaunchTemplateId.NotFound',
      'InvalidLaunchTemplateName.NotFoundException',
      'InvalidLaunchTemplateId.VersionNotFound',
      'InvalidLaunchTemplateId.VersionNotFound',
      'InvalidLaunchTemplateId.VersionNotFound',
      'InvalidLaunchTemplateId.Malformed',
      'InvalidLaunchTemplateName.AlreadyExistsException',
    ]);
  });

  it('launches the group from the version it uses, and reports the EC2 template id', async () => {
    const [group] = (await h.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    expect(group?.LaunchTemplate).toEqual({
      LaunchTemplateId: templateId(),
      LaunchTemplateName: 'web-lt',
      Version: '1',
    });
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 }));
    await h.clock.advance(60_000);
    const reservations = (await h.ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [];
    const instances = reservations.flatMap((reservation) => reservation.Instances ?? []);
    expect(instances).toHaveLength(2);
    expect(instances.map((instance) => [instance.ImageId, instance.InstanceType])).toEqual([
      [BASE, 't3.small'],
      [BASE, 't3.small'],
    ]);
  });
});
