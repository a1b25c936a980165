/**
 * The AMI refresh core through its handlers, on AWS's published sample events (events/) and aws-sdk-client-mock:
 * bake, version + refresh (idempotent, a refresh already running), a failed bake, outcomes (success, rollback),
 * retention with images in use, adopt, dry run.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  InstanceRefreshInProgressFault,
  type LaunchTemplateOverrides,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateImageCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { makeBakeHandler, makeImageHandler, makeRefreshEventHandler } from '../../../functions/ami-refresh/handlers';
import { loadEvent } from '../../helpers/events';
import {
  autoScaling,
  bakeSection,
  configWith,
  ec2,
  GROUP,
  groupOnVersion4,
  makeDeps,
  NEW_IMAGE,
  NOW,
  ourImage,
  reset,
  TEMPLATE,
} from './harness';

type Sample = { detail: Record<string, unknown> };
const refreshEvent = (name: string) => {
  const e = loadEvent<Sample>(name);
  e.detail.AutoScalingGroupName = GROUP;
  return e;
};
/** How fleetpilot describes the launch template versions it creates. */
const OURS = `fleetpilot: web on ${NEW_IMAGE}`;
const kinds = (sent: { kind: string }[]) => sent.map((n) => n.kind);

beforeEach(() => {
  reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
});

describe('bake', () => {
  it('creates the image with no reboot as configured, tagging the image and its snapshots', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ ImageId: 'ami-0base000000000000' }] }] });
    ec2.on(CreateImageCommand).resolves({ ImageId: NEW_IMAGE });

    await makeBakeHandler(deps)({ fleetpilot: 'ami-refresh', action: 'bake', service: 'web' });

    expect(ec2).toHaveReceivedCommandWith(CreateImageCommand, { InstanceId: 'i-0123456789abcdef0', NoReboot: true });
    const input = ec2.commandCalls(CreateImageCommand)[0]?.args[0].input;
    const expected = [
      { Key: 'fleetpilot:service', Value: 'web' },
      { Key: 'fleetpilot:source', Value: 'i-0123456789abcdef0' },
      { Key: 'fleetpilot:base-image', Value: 'ami-0base000000000000' },
      { Key: 'fleetpilot:created', Value: new Date(NOW).toISOString() },
    ];
    expect(input?.TagSpecifications).toEqual([
      { ResourceType: 'image', Tags: expected },
      { ResourceType: 'snapshot', Tags: expected },
    ]);
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.bake.started']);
  });

  it('rejects a request that names no action, naming the field, and calls nothing', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));

    const result = await makeBakeHandler(deps)({ fleetpilot: 'ami-refresh', service: 'web' });

    expect(result).toMatchObject({ status: 'rejected' });
    expect(notifier.sent[0]?.facts[0]?.[1]).toMatch(/^action:/);
    expect(ec2).not.toHaveReceivedCommand(CreateImageCommand);
  });
});

describe('an available image', () => {
  it('creates a version from the one the group uses with only the image changed, and refreshes onto that number', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    groupOnVersion4();
    ourImage();
    ec2.on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] }).resolves({
      LaunchTemplateVersions: [],
    });
    ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).toHaveReceivedCommandWith(CreateLaunchTemplateVersionCommand, {
      LaunchTemplateId: TEMPLATE,
      SourceVersion: '4',
      LaunchTemplateData: { ImageId: NEW_IMAGE },
    });
    expect(autoScaling).toHaveReceivedCommandWith(StartInstanceRefreshCommand, {
      AutoScalingGroupName: GROUP,
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '5' } },
      Preferences: expect.objectContaining({ MinHealthyPercentage: 90, SkipMatching: true, AutoRollback: true }),
    });
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.started']);
  });

  it('creates no second version when the event is delivered again', async () => {
    const { deps } = makeDeps(configWith(bakeSection));
    groupOnVersion4();
    ourImage();
    ec2.on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] }).resolves({
      LaunchTemplateVersions: [
        { VersionNumber: 5, VersionDescription: OURS, LaunchTemplateData: { ImageId: NEW_IMAGE } },
      ],
    });
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        {
          InstanceRefreshId: 'r-1',
          Status: 'InProgress',
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '5' } },
        },
      ],
    });

    const result = await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
    expect(autoScaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    expect(result).toMatchObject({ status: 'ignored' });
  });

  it('parks the start on its queue when another refresh runs and the policy is wait', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    const { sqs } = await import('./harness');
    groupOnVersion4();
    ourImage();
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] })
      .resolves({});
    ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
    autoScaling
      .on(StartInstanceRefreshCommand)
      .rejects(
        new InstanceRefreshInProgressFault({ message: 'An Instance Refresh is already in progress', $metadata: {} }),
      );
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const result = await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(result).toEqual({ status: 'waiting' });
    const body = JSON.parse(
      sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.MessageBody ?? '{}',
    );
    expect(body).toMatchObject({
      kind: 'ami-refresh.start',
      payload: { service: 'web', imageId: NEW_IMAGE, waits: 1 },
    });
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.waiting']);
  });

  it('reports and parks nothing when another refresh runs and the policy is skip', async () => {
    const { deps, notifier } = makeDeps(configWith({ ...bakeSection, refresh: { whenInProgress: 'skip' } }));
    const { sqs } = await import('./harness');
    groupOnVersion4();
    ourImage();
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] })
      .resolves({});
    ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [{ InstanceRefreshId: 'r-0', Status: 'InProgress' }],
    });

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(autoScaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.skipped']);
  });

  it('ignores an adopted-style image that does not match the name prefix, calling nothing that changes AWS', async () => {
    const { deps, notifier } = makeDeps(
      configWith({ source: { adopt: { owners: ['self'], namePrefix: 'web-' } }, launchTemplate: { id: TEMPLATE } }),
    );
    ec2
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: NEW_IMAGE, Name: 'batch-2026', State: 'available' }] });

    const result = await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(result).toMatchObject({ status: 'ignored' });
    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
    expect(autoScaling.calls()).toHaveLength(0);
    expect(notifier.sent).toEqual([]);
  });

  it('in dry run, lists the version and the refresh it would make and makes neither', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection, { dryRun: true }));
    groupOnVersion4();
    ourImage();
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] })
      .resolves({});

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
    expect(autoScaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    const wouldHave = notifier.sent[0]?.facts.find(([label]) => label === 'Dry run: would have')?.[1] ?? '';
    expect(wouldHave).toMatch(/CreateLaunchTemplateVersion/);
    expect(wouldHave).toMatch(/StartInstanceRefresh/);
  });
});

/** The group of groupOnVersion4, but with its launch template inside a mixed instances policy (with overrides). */
function mixedGroupOnVersion4(overrides: LaunchTemplateOverrides[]): void {
  groupOnVersion4();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: GROUP,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, LaunchTemplateName: 'web', Version: '4' },
            Overrides: overrides,
          },
          InstancesDistribution: { OnDemandBaseCapacity: 1, SpotAllocationStrategy: 'price-capacity-optimized' },
        },
        MinSize: 2,
        MaxSize: 4,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ['eu-west-1a'],
        HealthCheckType: 'ELB',
        CreatedTime: new Date(NOW),
      },
    ],
  });
  ourImage();
  ec2.on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] }).resolves({
    LaunchTemplateVersions: [],
  });
  ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
  autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
}

describe('a group with a mixed instances policy', () => {
  it('refreshes onto the whole policy as the group has it, with the new version in the template and its overrides', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    mixedGroupOnVersion4([
      { InstanceType: 't3.large' },
      { InstanceType: 'm6g.large', LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, Version: '4' } },
    ]);

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).toHaveReceivedCommandWith(CreateLaunchTemplateVersionCommand, { SourceVersion: '4' });
    const desired = autoScaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input.DesiredConfiguration;
    expect(desired?.LaunchTemplate).toBeUndefined();
    expect(desired?.MixedInstancesPolicy).toEqual({
      LaunchTemplate: {
        LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, Version: '5' },
        Overrides: [
          { InstanceType: 't3.large' },
          { InstanceType: 'm6g.large', LaunchTemplateSpecification: { LaunchTemplateId: TEMPLATE, Version: '5' } },
        ],
      },
      InstancesDistribution: { OnDemandBaseCapacity: 1, SpotAllocationStrategy: 'price-capacity-optimized' },
    });
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.started']);
  });

  it('puts the new image into overrides that set their own ImageId', async () => {
    const { deps } = makeDeps(configWith(bakeSection));
    mixedGroupOnVersion4([{ InstanceType: 't3.large', ImageId: 'ami-0old0000000000000' }]);

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    const desired = autoScaling.commandCalls(StartInstanceRefreshCommand)[0]?.args[0].input.DesiredConfiguration;
    expect(desired?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual([
      { InstanceType: 't3.large', ImageId: NEW_IMAGE },
    ]);
  });

  it('refuses, changing nothing, when an override launches from another launch template', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    mixedGroupOnVersion4([
      {
        InstanceType: 'm6g.large',
        LaunchTemplateSpecification: { LaunchTemplateId: 'lt-0arm0000000000000', Version: '2' },
      },
    ]);

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
    expect(autoScaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    expect(notifier.sent.map((n) => [n.kind, n.severity])).toEqual([['ami-refresh.config.mismatch', 'critical']]);
    expect(notifier.sent[0]?.summary).toContain('lt-0arm0000000000000');
  });
});

describe('a launch template with an instance profile', () => {
  function profileVersion4(): void {
    groupOnVersion4();
    ourImage();
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['4'] }).resolves({
      LaunchTemplateVersions: [
        {
          LaunchTemplateId: TEMPLATE,
          LaunchTemplateName: 'web',
          VersionNumber: 4,
          LaunchTemplateData: { ImageId: 'ami-0old0000000000000', IamInstanceProfile: { Name: 'web-profile' } },
        },
      ],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand, { Filters: [{ Name: 'image-id', Values: [NEW_IMAGE] }] }).resolves({
      LaunchTemplateVersions: [],
    });
    ec2.on(CreateLaunchTemplateVersionCommand).resolves({ LaunchTemplateVersion: { VersionNumber: 5 } });
    autoScaling.on(StartInstanceRefreshCommand).resolves({ InstanceRefreshId: 'r-1' });
  }

  it('refuses, changing nothing, when the config names no instance role (PassRole would be refused)', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    profileVersion4();

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
    expect(autoScaling).not.toHaveReceivedCommand(StartInstanceRefreshCommand);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['ami-refresh.config.mismatch']);
    expect(notifier.sent[0]?.summary).toContain('instanceRole');
    expect(notifier.sent[0]?.summary).toContain('web-profile');
  });

  it('refreshes when the config names the instance role', async () => {
    const { deps, notifier } = makeDeps(configWith({ ...bakeSection, instanceRole: 'web-instance' }));
    profileVersion4();

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change'));

    expect(autoScaling).toHaveReceivedCommandTimes(StartInstanceRefreshCommand, 1);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['ami-refresh.refresh.started']);
  });
});

describe('a failed image', () => {
  it('sends a critical report with the reason and starts nothing', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    ourImage('failed');

    await makeImageHandler(deps)(loadEvent('ec2-ami-state-change-failed'));

    expect(notifier.sent.map((n) => [n.kind, n.severity])).toEqual([['ami-refresh.bake.failed', 'critical']]);
    expect(notifier.sent[0]?.summary).toContain('Description of failure');
    expect(ec2).not.toHaveReceivedCommand(CreateLaunchTemplateVersionCommand);
  });
});

describe('refresh outcomes', () => {
  /** fleetpilot created version 5 (its description says so); the default is still version 4. */
  const templateVersions = (description = OURS, defaultVersion = 4) => {
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['5'] }).resolves({
      LaunchTemplateVersions: [
        { VersionNumber: 5, VersionDescription: description, LaunchTemplateData: { ImageId: NEW_IMAGE } },
      ],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['$Default'] }).resolves({
      LaunchTemplateVersions: [{ VersionNumber: defaultVersion }],
    });
  };
  const refreshWith = (status: string) =>
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        {
          InstanceRefreshId: 'c613620e-07e2-4ed2-a9e2-ef8258911ade',
          Status: status as 'Successful',
          StatusReason: status === 'RollbackSuccessful' ? 'Instances failed to pass health checks' : undefined,
          PercentageComplete: 50,
          InstancesToUpdate: 1,
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '5' } },
        },
      ],
    });

  it('on rollback, rejects the image, leaves the default version and reports the reason as critical', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    refreshWith('RollbackSuccessful');
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['5'] }).resolves({
      LaunchTemplateVersions: [
        { VersionNumber: 5, VersionDescription: OURS, LaunchTemplateData: { ImageId: NEW_IMAGE } },
      ],
    });

    await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-rollback-succeeded'));

    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [NEW_IMAGE],
      Tags: [{ Key: 'fleetpilot:rejected', Value: 'true' }],
    });
    expect(ec2).not.toHaveReceivedCommand(ModifyLaunchTemplateCommand);
    expect(notifier.sent[0]).toMatchObject({ kind: 'ami-refresh.refresh.failed', severity: 'critical' });
    expect(notifier.sent[0]?.summary).toContain('Instances failed to pass health checks');
  });

  it('on an automatic rollback, reports why it rolled back (RollbackDetails), not only that the rollback succeeded', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    autoScaling.on(DescribeInstanceRefreshesCommand).resolves({
      InstanceRefreshes: [
        {
          InstanceRefreshId: 'c613620e-07e2-4ed2-a9e2-ef8258911ade',
          Status: 'RollbackSuccessful',
          StatusReason: 'The rollback completed successfully.',
          RollbackDetails: {
            RollbackReason: 'Automatic rollback: the CloudWatch alarm web-5xx went into the ALARM state.',
          },
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: TEMPLATE, Version: '5' } },
        },
      ],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['5'] }).resolves({
      LaunchTemplateVersions: [
        { VersionNumber: 5, VersionDescription: OURS, LaunchTemplateData: { ImageId: NEW_IMAGE } },
      ],
    });

    await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-rollback-succeeded'));

    expect(notifier.sent[0]?.summary).toContain('the CloudWatch alarm web-5xx went into the ALARM state');
    expect(notifier.sent[0]?.facts).toContainEqual([
      'Rollback reason',
      'Automatic rollback: the CloudWatch alarm web-5xx went into the ALARM state.',
    ]);
  });

  it('on success, makes the new version the default', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    refreshWith('Successful');
    templateVersions();
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-succeeded'));

    expect(ec2).toHaveReceivedCommandWith(ModifyLaunchTemplateCommand, {
      LaunchTemplateId: TEMPLATE,
      DefaultVersion: '5',
    });
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.succeeded']);
  });

  it('stays silent on a repeated Succeeded event: the default already names the new version', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    refreshWith('Successful');
    templateVersions(OURS, 5);

    const result = await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-succeeded'));

    expect(result).toMatchObject({ status: 'ignored' });
    expect(ec2).not.toHaveReceivedCommand(ModifyLaunchTemplateCommand);
    expect(notifier.sent).toEqual([]);
  });

  it('reports the outcome of a refresh started by hand, but neither moves the default nor rejects its image', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    refreshWith('RollbackSuccessful');
    templateVersions('a version someone made in the console');

    await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-rollback-succeeded'));

    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    expect(ec2).not.toHaveReceivedCommand(ModifyLaunchTemplateCommand);
    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.failed']);
  });

  it('reports a checkpoint with the refresh state Auto Scaling gives, changing nothing', async () => {
    const { deps, notifier } = makeDeps(configWith(bakeSection));
    refreshWith('InProgress');
    templateVersions();

    await makeRefreshEventHandler(deps)(refreshEvent('autoscaling-instance-refresh-checkpoint-reached'));

    expect(kinds(notifier.sent)).toEqual(['ami-refresh.refresh.progress']);
    expect(notifier.sent[0]?.facts).toContainEqual(['Checkpoint', '50% (delay 300 s)']);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    expect(ec2).not.toHaveReceivedCommand(ModifyLaunchTemplateCommand);
  });
});

describe('retention', () => {
  const day = 86_400_000;
  const image = (id: string, ageDays: number, snapshot: string) => ({
    ImageId: id,
    CreationDate: new Date(NOW - ageDays * day).toISOString(),
    Tags: [
      { Key: 'fleetpilot:service', Value: 'web' },
      { Key: 'fleetpilot:source', Value: 'i-0123456789abcdef0' },
    ],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot } }],
  });

  it('retires old images beyond keepNewest but never one a template version or an instance uses', async () => {
    const { deps, notifier } = makeDeps(
      configWith({ ...bakeSection, retention: { keepNewest: 1, keepYoungerThanDays: 14 } }),
    );
    groupOnVersion4();
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        image('ami-0new0000000000000', 1, 'snap-new'),
        image('ami-0old0000000000000', 30, 'snap-used-by-template'),
        image('ami-0run0000000000000', 40, 'snap-used-by-instance'),
        image('ami-0gone000000000000', 50, 'snap-gone'),
        image('ami-0young00000000000', 3, 'snap-young'),
      ],
    });
    ec2
      .on(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: TEMPLATE, Versions: ['$Default', '$Latest', '4'] })
      .resolves({
        LaunchTemplateVersions: [{ VersionNumber: 4, LaunchTemplateData: { ImageId: 'ami-0old0000000000000' } }],
      });
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ ImageId: 'ami-0run0000000000000' }] }] });

    await makeBakeHandler(deps)({ fleetpilot: 'ami-refresh', action: 'retention', service: 'web' });

    const deregistered = ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId);
    expect(deregistered).toEqual(['ami-0gone000000000000']);
    expect(ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual(['snap-gone']);
    expect(notifier.sent[0]?.facts).toContainEqual(['Retired', 'ami-0gone000000000000']);
  });

  it('in dry run lists what would go and deregisters nothing', async () => {
    const { deps, notifier } = makeDeps(
      configWith({ ...bakeSection, retention: { keepNewest: 1, keepYoungerThanDays: 14 } }, { dryRun: true }),
    );
    groupOnVersion4();
    ec2.on(DescribeImagesCommand).resolves({
      Images: [image('ami-0new0000000000000', 1, 'snap-new'), image('ami-0gone000000000000', 50, 'snap-gone')],
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: [] });

    await makeBakeHandler(deps)({ fleetpilot: 'ami-refresh', action: 'retention', service: 'web' });

    expect(ec2).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    expect(notifier.sent[0]?.title).toMatch(/^\[dry run\]/);
    expect(notifier.sent[0]?.facts.find(([l]) => l === 'Dry run: would have')?.[1]).toContain(
      'DeregisterImage ami-0gone000000000000',
    );
  });
});
