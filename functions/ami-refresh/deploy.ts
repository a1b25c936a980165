/**
 * What the AMI refresh functions need from the stack: the rules for "EC2 AMI State Change" and for the instance
 * refresh events of the configured groups, their own continuation queue, and least privilege for the calls they make.
 * Never imported by a handler.
 *
 * Resource types and condition keys: Service Authorization Reference, list_amazonec2.html and
 * list_amazonec2autoscaling.html. Image and snapshot ARNs have no account field (arn:${Partition}:ec2:${Region}::image/…).
 * Describe* actions accept only "*".
 */
import { type CapabilityDeploy, cfn, type IamStatement, unique } from '../../deploy/capability';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { AMI_STATE_CHANGE, REFRESH_DETAIL_TYPES } from './events';
import { managedServices, TAG } from './flow';

/**
 * Logical id of the capability's continuation queue. Declared in serverless.yml's resources (the simulated account
 * and test/sim/account/wiring-queues.test.ts read queues from there), with its dead-letter queue and alarm.
 */
export const AMI_QUEUE = 'AmiRefreshQueue';

export const amiRefreshDeploy: CapabilityDeploy = {
  name: 'ami-refresh',
  eventPatterns(config) {
    const managed = managedServices(config);
    // The rules always exist (serverless.yml names them); without an amiRefresh section they match only the
    // configured groups, and the handlers ignore a group or image no service refreshes.
    const groups = (managed.length > 0 ? managed : config.services).map((s) => s.autoScalingGroup);
    return {
      amiRefreshImage: {
        source: ['aws.ec2'],
        'detail-type': [AMI_STATE_CHANGE],
        detail: { State: ['available', 'failed'] },
      },
      amiRefreshOutcome: {
        source: ['aws.autoscaling'],
        'detail-type': Object.keys(REFRESH_DETAIL_TYPES),
        detail: { AutoScalingGroupName: unique(groups) },
      },
    };
  },
  iamStatements,
};

function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const { join, partition, region, account } = cfn;
  const managed = managedServices(config);
  if (managed.length === 0) return [];
  const serviceNames = managed.map((s) => s.name);
  const images = join('arn:', partition, ':ec2:', region, '::image/*');
  const snapshots = join('arn:', partition, ':ec2:', region, '::snapshot/*');
  const instanceIds = unique(
    managed.flatMap((s) => ('instance' in s.amiRefresh.source ? [s.amiRefresh.source.instance.instanceId] : [])),
  );
  const templates = unique(
    managed.map((s) => ('id' in s.amiRefresh.launchTemplate ? s.amiRefresh.launchTemplate.id : '*')),
  ).map((id) => join('arn:', partition, ':ec2:', region, ':', account, `:launch-template/${id}`));
  const groups = unique(managed.map((s) => s.autoScalingGroup)).map((name) =>
    join('arn:', partition, ':autoscaling:', region, ':', account, `:autoScalingGroup:*:autoScalingGroupName/${name}`),
  );
  const statements: IamStatement[] = [];
  if (instanceIds.length > 0) {
    statements.push(
      {
        Sid: 'AmiBakeFromReferenceInstances',
        Effect: 'Allow',
        Action: ['ec2:CreateImage'],
        Resource: instanceIds.map((id) => join('arn:', partition, ':ec2:', region, ':', account, `:instance/${id}`)),
      },
      {
        // CreateImage authorises the new image and its snapshots too; aws:RequestTag is a condition key of both
        // resource types, so only images tagged with a configured service can be made.
        Sid: 'AmiBakeTaggedImages',
        Effect: 'Allow',
        Action: ['ec2:CreateImage'],
        Resource: [images, snapshots],
        Condition: { StringEquals: { [`aws:RequestTag/${TAG.service}`]: serviceNames } },
      },
      {
        // Tags on create: ec2:CreateTags with ec2:CreateAction (EC2 user guide, "Grant permission to tag resources
        // during creation").
        Sid: 'AmiTagImagesOnCreate',
        Effect: 'Allow',
        Action: ['ec2:CreateTags'],
        Resource: [images, snapshots],
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } },
      },
    );
  }
  statements.push(
    {
      // Rejecting an image: only the fleetpilot:rejected key may be written.
      Sid: 'AmiRejectImages',
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: images,
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.rejected] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
    {
      Sid: 'AmiDescribe',
      Effect: 'Allow',
      Action: ['ec2:DescribeImages', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeInstances'],
      Resource: '*',
    },
    {
      // A launch template named (not by id) cannot be scoped: its ARN carries only the id.
      Sid: 'AmiVersionConfiguredTemplates',
      Effect: 'Allow',
      Action: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
      Resource: templates,
    },
    {
      // Only images and snapshots tagged by fleetpilot's bake (aws:ResourceTag on image and snapshot).
      Sid: 'AmiRetireFleetpilotImages',
      Effect: 'Allow',
      Action: ['ec2:DeregisterImage', 'ec2:DeleteSnapshot'],
      Resource: [images, snapshots],
      Condition: { StringEquals: { [`aws:ResourceTag/${TAG.service}`]: serviceNames } },
    },
    {
      Sid: 'AmiStartRefreshOfConfiguredGroups',
      Effect: 'Allow',
      Action: ['autoscaling:StartInstanceRefresh'],
      Resource: groups,
    },
    {
      Sid: 'AmiDescribeAutoScaling',
      Effect: 'Allow',
      Action: ['autoscaling:DescribeInstanceRefreshes', 'autoscaling:DescribeAutoScalingGroups'],
      Resource: '*',
    },
    {
      Sid: 'AmiSendContinuations',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': [AMI_QUEUE, 'Arn'] },
    },
  );
  return statements;
}
