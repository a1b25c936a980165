/**
 * What the AMI refresh functions need from the stack: the rules for "EC2 AMI State Change" and for the instance
 * refresh events of the configured groups, their own continuation queue, and least privilege for the calls they make.
 * Never imported by a handler.
 *
 * Resource types and condition keys: Service Authorization Reference, list_amazonec2.html and
 * list_amazonec2autoscaling.html. Image and snapshot ARNs have no account field (arn:${Partition}:ec2:${Region}::image/…).
 * Describe* actions accept only "*".
 */
import {
  type CapabilityDeploy,
  type CfnResource,
  type CfnValue,
  cfn,
  type IamStatement,
  unique,
} from '../../deploy/capability';
import {
  addUnique,
  arnOf,
  FAILED_EVENTS_QUEUE_ARN,
  logicalIdPart,
  type ScheduleTarget,
  schedulerRole,
  schedulerSchedule,
} from '../../deploy/scheduler';
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
  resources: scheduleResources,
};

/** Logical id serverless gives the amiRefreshBake function (its key, capitalised, + "LambdaFunction"). */
export const BAKE_FUNCTION = 'AmiRefreshBakeLambdaFunction';
/** The role EventBridge Scheduler assumes to invoke the bake function. */
export const SCHEDULER_ROLE = 'AmiRefreshSchedulerRole';

/**
 * The daily retention run: 04:00 in the service's schedule time zone (UTC without a schedule). 04:00 is outside the
 * hour that a daylight-saving change skips or repeats in the zones that have one at 00:00–03:00 local time, so it
 * runs exactly once a day there.
 */
export const RETENTION_CRON = 'cron(0 4 * * ? *)';
export const RETENTION_DEFAULT_TIMEZONE = 'UTC';

/** The manual or scheduled request the bake function takes (functions/ami-refresh/events.ts, requestSchema). */
export function bakeRequest(action: 'bake' | 'retention', service: string): string {
  return JSON.stringify({ fleetpilot: 'ami-refresh', action, service });
}

/**
 * One EventBridge Scheduler schedule per service with `amiRefresh.schedule` (bake) and one daily retention schedule
 * per service with an `amiRefresh` section, all invoking amiRefreshBake through one execution role (deploy/scheduler.ts:
 * the shape, the role's trust and grants, retries and dead-letter queue). A bake delivered more than an hour late is
 * dropped to the failed-events queue rather than rebooting the reference instance in the middle of the day.
 */
function scheduleResources(config: FleetpilotConfig): Record<string, CfnResource> {
  const managed = managedServices(config);
  if (managed.length === 0) return {};
  const bakeArn = arnOf(BAKE_FUNCTION);
  const target = (action: 'bake' | 'retention', service: string): ScheduleTarget => ({
    arn: bakeArn,
    role: SCHEDULER_ROLE,
    input: bakeRequest(action, service),
    retry: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
    deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
  });
  const resources: Record<string, CfnResource> = {
    [SCHEDULER_ROLE]: schedulerRole({
      description: 'EventBridge Scheduler invokes the fleetpilot AMI bake function (bake and retention schedules)',
      policyName: 'invoke-ami-refresh-bake',
      invokeSid: 'InvokeAmiRefreshBake',
      functionArns: [bakeArn],
      deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
    }),
  };
  const add = (id: string, resource: CfnResource) => addUnique(resources, id, resource, 'services');
  for (const service of managed) {
    const id = logicalIdPart(service.name);
    const schedule = service.amiRefresh.schedule;
    if (schedule) {
      add(
        `AmiBakeSchedule${id}`,
        schedulerSchedule({
          description: `fleetpilot: bake a new image of service ${service.name}`,
          expression: schedule.cron,
          timezone: schedule.timezone,
          target: target('bake', service.name),
        }),
      );
    }
    add(
      `AmiRetentionSchedule${id}`,
      schedulerSchedule({
        description: `fleetpilot: retire old images of service ${service.name} beyond its retention policy`,
        expression: RETENTION_CRON,
        timezone: schedule?.timezone ?? RETENTION_DEFAULT_TIMEZONE,
        target: target('retention', service.name),
      }),
    );
  }
  return resources;
}

/**
 * What Auto Scaling checks on fleetpilot's behalf when it starts a refresh onto a launch template version: never
 * called by fleetpilot itself (test/template/sdk-calls.ts lists them as dependent actions of StartInstanceRefresh).
 *
 * Auto Scaling checks ec2:RunInstances, ec2:CreateTags (launch templates with tag specifications) and iam:PassRole
 * (launch templates with an instance profile) on the caller when a group is created or updated with a launch template
 * (Auto Scaling user guide, "Amazon EC2 Auto Scaling API permissions" and "Control Amazon EC2 launch template usage in
 * Auto Scaling groups"). A refresh with a desired configuration updates the group to it when it succeeds (Auto Scaling
 * API reference, StartInstanceRefresh, DesiredConfiguration), and its start is refused with "You are not authorized to
 * use launch template" without them; so they are granted, scoped as narrowly as IAM allows:
 * - ec2:RunInstances only from the configured launch templates: the ec2:LaunchTemplate condition key, which every
 *   resource type of RunInstances supports (EC2 user guide, "Example policies to control access the Amazon EC2 API",
 *   launch templates; Service Authorization Reference, list_amazonec2.html). Images and snapshots have no account in
 *   their ARN; the other resources are this account's.
 * - ec2:CreateTags only inside RunInstances (ec2:CreateAction), on what a launch tags: instances, volumes, network
 *   interfaces (EC2 user guide, "Grant permission to tag resources during creation").
 * - iam:PassRole only on the roles the config names (amiRefresh.instanceRole) and only to EC2 (iam:PassedToService:
 *   IAM user guide, "Grant a user permissions to pass a role to an AWS service").
 */
function launchChecks(config: FleetpilotConfig, templates: CfnValue[]): IamStatement[] {
  const { join, partition, region, account } = cfn;
  const managed = managedServices(config);
  const own = (type: string) => join('arn:', partition, ':ec2:', region, ':', account, `:${type}/*`);
  const roles = unique(managed.flatMap((s) => (s.amiRefresh.instanceRole ? [s.amiRefresh.instanceRole] : [])));
  // One statement per template: a condition value here is one CloudFormation value or a list of plain strings.
  const statements: IamStatement[] = templates.map((template, index) => ({
    Sid: `AmiRefreshLaunchFromTemplate${index + 1}`,
    Effect: 'Allow' as const,
    Action: ['ec2:RunInstances'],
    Resource: [
      own('*'),
      join('arn:', partition, ':ec2:', region, '::image/*'),
      join('arn:', partition, ':ec2:', region, '::snapshot/*'),
    ],
    Condition: { ArnLike: { 'ec2:LaunchTemplate': template } },
  }));
  statements.push({
    Sid: 'AmiRefreshLaunchTags',
    Effect: 'Allow',
    Action: ['ec2:CreateTags'],
    Resource: [own('instance'), own('volume'), own('network-interface')],
    Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
  });
  if (roles.length > 0) {
    statements.push({
      Sid: 'AmiRefreshPassInstanceRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: roles.map((name) => join('arn:', partition, ':iam::', account, `:role/${name}`)),
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
  }
  return statements;
}

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
    ...launchChecks(config, templates),
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
