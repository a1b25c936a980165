/**
 * Simulated Amazon EC2: the service's operation table over its resources, one file each: instances.ts (instances in
 * subnets, states, tags), images.ts (AMIs, snapshots, "EC2 AMI State Change" events), launch-templates.ts (launch
 * templates and versions). What each models and the pages behind it are written at the top of its file.
 *
 * security-groups.ts holds security groups (DescribeSecurityGroups, the groups of instances, what they let reach them).
 *
 * CreateTags / DeleteTags route each resource id by its prefix: `ami-` and `snap-` to images.ts, anything else to the
 * instances (whose checks answer InvalidInstanceID.Malformed / NotFound, as before).
 */
import type {
  CreateImageCommandInput,
  CreateImageCommandOutput,
  CreateLaunchTemplateCommandInput,
  CreateLaunchTemplateCommandOutput,
  CreateLaunchTemplateVersionCommandInput,
  CreateLaunchTemplateVersionCommandOutput,
  CreateTagsCommandInput,
  CreateTagsCommandOutput,
  DeleteSnapshotCommandInput,
  DeleteSnapshotCommandOutput,
  DeleteTagsCommandInput,
  DeleteTagsCommandOutput,
  DeregisterImageCommandInput,
  DeregisterImageCommandOutput,
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplatesCommandOutput,
  DescribeLaunchTemplateVersionsCommandInput,
  DescribeLaunchTemplateVersionsCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  DescribeSnapshotsCommandInput,
  DescribeSnapshotsCommandOutput,
  ModifyLaunchTemplateCommandInput,
  ModifyLaunchTemplateCommandOutput,
} from '@aws-sdk/client-ec2';
import type { AppControls } from '../apps';
import { lookupIn, type OperationTable, type SimContext, type SimService } from '../context';
import { Ec2Images, type ImageSpec, type ImageTiming } from './images';
import { Ec2Instances, type Ec2Timing, type SubnetSpec } from './instances';
import { Ec2LaunchTemplates, type LaunchTemplateSpec } from './launch-templates';
import { Ec2SecurityGroups, type SecurityGroupSpec } from './security-groups';
import { assertNoReservedTags } from './shared';

export type { ImageSpec, ImageTiming, SimImage, SimSnapshot } from './images';
export type { Ec2Timing, LaunchRequest, SimInstance, SubnetSpec } from './instances';
export type { LaunchTemplateSpec, ResolvedLaunchTemplate, SimLaunchTemplate } from './launch-templates';
export type { SecurityGroupRuleSpec, SecurityGroupSpec, SimSecurityGroup, TrafficSource } from './security-groups';

type Ec2Operations = {
  DescribeInstances: readonly [DescribeInstancesCommandInput, DescribeInstancesCommandOutput];
  CreateTags: readonly [CreateTagsCommandInput, CreateTagsCommandOutput];
  DeleteTags: readonly [DeleteTagsCommandInput, DeleteTagsCommandOutput];
  CreateImage: readonly [CreateImageCommandInput, CreateImageCommandOutput];
  DescribeImages: readonly [DescribeImagesCommandInput, DescribeImagesCommandOutput];
  DeregisterImage: readonly [DeregisterImageCommandInput, DeregisterImageCommandOutput];
  DeleteSnapshot: readonly [DeleteSnapshotCommandInput, DeleteSnapshotCommandOutput];
  DescribeSnapshots: readonly [DescribeSnapshotsCommandInput, DescribeSnapshotsCommandOutput];
  CreateLaunchTemplate: readonly [CreateLaunchTemplateCommandInput, CreateLaunchTemplateCommandOutput];
  CreateLaunchTemplateVersion: readonly [
    CreateLaunchTemplateVersionCommandInput,
    CreateLaunchTemplateVersionCommandOutput,
  ];
  DescribeLaunchTemplates: readonly [DescribeLaunchTemplatesCommandInput, DescribeLaunchTemplatesCommandOutput];
  DescribeLaunchTemplateVersions: readonly [
    DescribeLaunchTemplateVersionsCommandInput,
    DescribeLaunchTemplateVersionsCommandOutput,
  ];
  ModifyLaunchTemplate: readonly [ModifyLaunchTemplateCommandInput, ModifyLaunchTemplateCommandOutput];
  DescribeSecurityGroups: readonly [DescribeSecurityGroupsCommandInput, DescribeSecurityGroupsCommandOutput];
};

export interface Ec2Resources {
  images?: ImageSpec[];
  launchTemplates?: LaunchTemplateSpec[];
  securityGroups?: SecurityGroupSpec[];
}

const isImageResource = (id: string): boolean => id.startsWith('ami-') || id.startsWith('snap-');

export class Ec2Service extends Ec2Instances implements SimService {
  readonly name = 'ec2' as const;
  readonly images: Ec2Images;
  readonly launchTemplates: Ec2LaunchTemplates;
  readonly securityGroups: Ec2SecurityGroups;

  constructor(
    ctx: SimContext,
    apps: AppControls,
    subnets: SubnetSpec[],
    timing: Ec2Timing & { images?: ImageTiming } = {},
    resources: Ec2Resources = {},
  ) {
    super(ctx, apps, subnets, timing);
    this.images = new Ec2Images(ctx, this, resources.images, timing.images);
    this.launchTemplates = new Ec2LaunchTemplates(ctx, resources.launchTemplates);
    this.appForImage = (imageId) => this.images.appFor(imageId);
    // Its own id stream, so that declaring groups leaves the ids of everything else as they were.
    this.securityGroups = new Ec2SecurityGroups(
      { ...ctx, ids: ctx.ids.fork('security-groups') },
      resources.securityGroups,
    );
    this.securityGroupsFor = (namesOrIds, vpcId) => this.securityGroups.resolve(namesOrIds, vpcId);
    this.securityGroupIdentifiers = (ids) => this.securityGroups.identifiers(ids);
  }

  /**
   * The security groups a launch template version gives its instances (LaunchTemplateData SecurityGroupIds, else
   * SecurityGroups by name, else the first network interface's Groups); undefined when it names none.
   */
  securityGroupsOfTemplate(templateId: string, version: string): string[] | undefined {
    const template = this.launchTemplates.byId(templateId);
    const number = template ? this.launchTemplates.versionNumber(template, version) : undefined;
    const data = number === undefined ? undefined : template?.versions.get(number)?.data;
    const groups = data?.SecurityGroupIds ?? data?.SecurityGroups ?? data?.NetworkInterfaces?.[0]?.Groups;
    return groups?.length ? [...groups] : undefined;
  }

  private readonly table: OperationTable<Ec2Operations> = {
    DescribeInstances: (input) => this.describeInstances(input),
    CreateTags: (input) => this.tag(input),
    DeleteTags: (input) => this.untag(input),
    CreateImage: (input) => this.images.createImage(input),
    DescribeImages: (input) => this.images.describeImages(input),
    DeregisterImage: (input) => this.images.deregisterImage(input),
    DeleteSnapshot: (input) => this.images.deleteSnapshot(input),
    DescribeSnapshots: (input) => this.images.describeSnapshots(input),
    CreateLaunchTemplate: (input) => this.launchTemplates.createLaunchTemplate(input),
    CreateLaunchTemplateVersion: (input) => this.launchTemplates.createLaunchTemplateVersion(input),
    DescribeLaunchTemplates: (input) => this.launchTemplates.describeLaunchTemplates(input),
    DescribeLaunchTemplateVersions: (input) => this.launchTemplates.describeLaunchTemplateVersions(input),
    ModifyLaunchTemplate: (input) => this.launchTemplates.modifyLaunchTemplate(input),
    DescribeSecurityGroups: (input) => this.securityGroups.describeSecurityGroups(input),
  };

  readonly operationHandler = lookupIn(this.table);

  private tag(input: CreateTagsCommandInput) {
    const resources = input.Resources ?? [];
    const imageIds = resources.filter(isImageResource);
    if (imageIds.length === 0) return this.createTags(input);
    const instanceIds = resources.filter((id) => !isImageResource(id));
    for (const id of imageIds) this.images.assertTaggable(id);
    assertNoReservedTags(input.Tags ?? []);
    if (instanceIds.length > 0) this.createTags({ ...input, Resources: instanceIds });
    for (const id of imageIds) {
      const tags = this.images.tagsOf(id);
      for (const tag of input.Tags ?? []) if (tag.Key !== undefined) tags?.set(tag.Key, tag.Value ?? '');
    }
    return {};
  }

  private untag(input: DeleteTagsCommandInput) {
    const resources = input.Resources ?? [];
    const imageIds = resources.filter(isImageResource);
    if (imageIds.length === 0) return this.deleteTags(input);
    const instanceIds = resources.filter((id) => !isImageResource(id));
    for (const id of imageIds) this.images.assertTaggable(id);
    if (instanceIds.length > 0) this.deleteTags({ ...input, Resources: instanceIds });
    for (const id of imageIds) {
      const tags = this.images.tagsOf(id);
      if (!tags) continue;
      if (input.Tags === undefined) {
        for (const key of [...tags.keys()]) if (!key.startsWith('aws:')) tags.delete(key);
        continue;
      }
      for (const tag of input.Tags) {
        if (tag.Key === undefined || !tags.has(tag.Key)) continue;
        if (tag.Value === undefined || tags.get(tag.Key) === tag.Value) tags.delete(tag.Key);
      }
    }
    return {};
  }
}
