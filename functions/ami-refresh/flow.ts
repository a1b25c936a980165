/**
 * The AMI refresh core: each step is driven by the event AWS emits for the previous one, never by sleeping.
 *
 *   bake (schedule or manual request) ─ CreateImage ─▶ "EC2 AMI State Change" available ─▶ version + refresh
 *   ─▶ instance refresh events ─▶ Succeeded: default version, retention / Failed, Cancelled, Rollback*: rejected
 *
 * It takes its clients, clock, notifier and config as arguments; every mutating call goes through Mutations.run.
 * Nothing in an event is believed: the image is read with DescribeImages, the group with DescribeAutoScalingGroups,
 * the refresh with DescribeInstanceRefreshes.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type DesiredConfiguration,
  type InstanceRefresh,
  type RefreshPreferences,
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
  type EC2Client,
  type Image,
  ModifyLaunchTemplateCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isDryRun } from '../../shared/config/load';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { envelope, sendContinuations } from '../../shared/continuation/envelope';
import { isAwsError } from '../../shared/errors';
import type { Notifier } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';
import { createMutations, type Mutations } from '../../shared/runtime/mutations';
import type { AmiRefreshConfig, RefreshConfig } from './config';
import type { ImageEvent, RefreshEvent } from './events';
import { type AmiNotice, report } from './report';

/** How fleetpilot marks the launch template versions it creates (and recognises its own refreshes by). */
const VERSION_DESCRIPTION_PREFIX = 'fleetpilot:';

export const TAG = {
  service: 'fleetpilot:service',
  source: 'fleetpilot:source',
  baseImage: 'fleetpilot:base-image',
  created: 'fleetpilot:created',
  rejected: 'fleetpilot:rejected',
} as const;

/** The continuation kind of a refresh start that waits for another refresh to end. */
export const START_KIND = 'ami-refresh.start';
/** How long a waiting start sleeps between looks (SQS DelaySeconds, at most 900). */
export const WAIT_DELAY_S = 300;

/** Statuses of a refresh that is still running (Auto Scaling API reference, InstanceRefresh.Status). */
const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

export interface AmiRefreshDeps {
  config: FleetpilotConfig;
  clients: { ec2: EC2Client; autoScaling: AutoScalingClient; sqs: SQSClient };
  notifier: Notifier;
  clock: Clock;
  /** The capability's own continuation queue (its resume function reads it). */
  continuationQueueUrl: string;
  log: Pick<Logger, 'info' | 'error'>;
}

export type ManagedService = ServiceConfig & { amiRefresh: AmiRefreshConfig };

export type StepResult =
  | { status: 'ignored'; reason: string }
  | { status: 'reported'; kind: AmiNotice['kind'] }
  | { status: 'waiting' };

export function managedServices(config: FleetpilotConfig): ManagedService[] {
  return config.services.filter((s): s is ManagedService => s.amiRefresh !== undefined);
}

const tagValue = (tags: readonly Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

function mutationsFor(deps: AmiRefreshDeps, service: ServiceConfig): Mutations {
  return createMutations(isDryRun(deps.config, service), deps.log);
}

function send(deps: AmiRefreshDeps, notice: AmiNotice, mutations?: Mutations) {
  return report({ notifier: deps.notifier, log: deps.log, region: deps.config.region }, notice, mutations);
}

// ------------------------------------------------------------------------------------------------------------ bake

/** CreateImage from the reference instance, tagged (image and snapshots) as fleetpilot's. */
export async function bake(service: ManagedService, deps: AmiRefreshDeps, correlationId: string): Promise<StepResult> {
  const source = service.amiRefresh.source;
  if (!('instance' in source)) return { status: 'ignored', reason: `${service.name} adopts images; it never bakes` };
  const { instanceId, reboot } = source.instance;
  const { ec2 } = deps.clients;
  const mutations = mutationsFor(deps, service);
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = described.Reservations?.[0]?.Instances?.[0];
  const created = new Date(deps.clock.now()).toISOString();
  const tags: Tag[] = [
    { Key: TAG.service, Value: service.name },
    { Key: TAG.source, Value: instanceId },
    { Key: TAG.baseImage, Value: instance?.ImageId ?? 'unknown' },
    { Key: TAG.created, Value: created },
  ];
  // Image names: 3–128 characters of letters, digits, ( ) [ ] space . / - ' @ _ (EC2 API reference, CreateImage).
  const name = `fleetpilot-${service.name}-${created.replace(/[:.]/g, '-')}`;
  let imageId: string | undefined;
  try {
    const out = await mutations.run(`CreateImage from ${instanceId} (${reboot ? 'reboot' : 'no reboot'})`, () =>
      ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: name,
          Description: `fleetpilot bake of ${service.name} from ${instanceId}`,
          NoReboot: !reboot,
          TagSpecifications: [
            { ResourceType: 'image', Tags: tags },
            { ResourceType: 'snapshot', Tags: tags },
          ],
        }),
      ),
    );
    imageId = out?.ImageId;
  } catch (error) {
    if (!isAwsError(error) || isTransientName(error.name)) throw error;
    await send(deps, {
      severity: 'critical',
      kind: 'ami-refresh.bake.failed',
      title: `Bake of ${service.name} refused`,
      summary: `CreateImage on ${instanceId} failed: ${error.name}: ${error.message}`,
      facts: [['Reference instance', instanceId]],
      service: service.name,
      group: service.autoScalingGroup,
      correlationId,
    });
    return { status: 'reported', kind: 'ami-refresh.bake.failed' };
  }
  await send(
    deps,
    {
      severity: 'info',
      kind: 'ami-refresh.bake.started',
      title: `Baking a new image of ${service.name}`,
      summary: `CreateImage ${imageId ?? '(dry run)'} from ${instanceId}; the refresh starts when EC2 reports it available.`,
      facts: [
        ['Image', imageId ?? '(not created: dry run)'],
        ['Name', name],
        ['Reference instance', instanceId],
        ['Base image', instance?.ImageId ?? 'unknown'],
        ['Reboot', reboot ? 'yes' : 'no (NoReboot)'],
      ],
      service: service.name,
      group: service.autoScalingGroup,
      correlationId,
    },
    mutations,
  );
  return { status: 'reported', kind: 'ami-refresh.bake.started' };
}

const isTransientName = (name: string) =>
  /Throttl|RequestLimitExceeded|InternalError|ServiceUnavailable|Unavailable/.test(name);

// ------------------------------------------------------------------------------------------------- image events

/** Which service an image belongs to: our bake (tags), or an adopted image that matches owner, prefix and tags. */
async function ownerOf(
  imageId: string,
  deps: AmiRefreshDeps,
): Promise<{ service: ManagedService; image: Image } | undefined> {
  const services = managedServices(deps.config);
  if (services.length === 0) return undefined;
  const { ec2 } = deps.clients;
  const ours = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  const image = ours.Images?.[0];
  if (image) {
    const service = services.find(
      (s) =>
        'instance' in s.amiRefresh.source &&
        tagValue(image.Tags, TAG.service) === s.name &&
        tagValue(image.Tags, TAG.source) === s.amiRefresh.source.instance.instanceId,
    );
    if (service) return { service, image };
  }
  for (const s of services) {
    const source = s.amiRefresh.source;
    if (!('adopt' in source)) continue;
    const { owners, namePrefix, tags } = source.adopt;
    // The owner check is EC2's: DescribeImages with Owners returns the image only if one of them owns it ("self"
    // included, which the function could not resolve itself without another call).
    const owned = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId], Owners: owners }));
    const candidate = owned.Images?.[0];
    if (!candidate) continue;
    if (namePrefix !== undefined && !(candidate.Name ?? '').startsWith(namePrefix)) continue;
    if (tags && !Object.entries(tags).every(([k, v]) => tagValue(candidate.Tags, k) === v)) continue;
    return { service: s, image: candidate };
  }
  return undefined;
}

export async function onImageEvent(event: ImageEvent, deps: AmiRefreshDeps): Promise<StepResult> {
  if (event.state !== 'available' && event.state !== 'failed') {
    return { status: 'ignored', reason: `image state ${event.state} needs no action` };
  }
  const owner = await ownerOf(event.imageId, deps);
  if (!owner) return { status: 'ignored', reason: `image ${event.imageId} is not one a service bakes or adopts` };
  const { service, image } = owner;
  if (event.state === 'failed' || image.State === 'failed') {
    const reason = image.StateReason?.Message || event.errorMessage || 'no reason given';
    await send(deps, {
      severity: 'critical',
      kind: 'ami-refresh.bake.failed',
      title: `Image ${event.imageId} of ${service.name} failed`,
      summary: `EC2 could not make the image: ${reason}. The group keeps its current image.`,
      facts: [
        ['Image', event.imageId],
        ['Name', image.Name ?? '?'],
        ['Reason', reason],
      ],
      service: service.name,
      group: service.autoScalingGroup,
      correlationId: event.eventId,
    });
    return { status: 'reported', kind: 'ami-refresh.bake.failed' };
  }
  if (image.State !== 'available') {
    return { status: 'ignored', reason: `image ${event.imageId} is ${image.State ?? 'unknown'}, not available` };
  }
  if (tagValue(image.Tags, TAG.rejected) === 'true') {
    return { status: 'ignored', reason: `image ${event.imageId} was rejected by an earlier refresh` };
  }
  return startRefresh({ service, imageId: event.imageId, correlationId: event.eventId, waits: 0 }, deps);
}

// -------------------------------------------------------------------------------------------- version + refresh

export interface StartRequest {
  service: ManagedService;
  imageId: string;
  correlationId: string;
  /** How many times the start already waited for another refresh. */
  waits: number;
}

export interface StartPayload {
  service: string;
  imageId: string;
  correlationId: string;
  waits: number;
}

interface GroupTemplate {
  launchTemplateId: string;
  /** The version the group uses, as the group names it (a number, $Default or $Latest). */
  version: string;
  mixed?: NonNullable<NonNullable<Awaited<ReturnType<typeof describeGroup>>>['MixedInstancesPolicy']>;
}

async function describeGroup(autoScaling: AutoScalingClient, name: string) {
  const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

/** The group's launch template and version (plain or mixed instances), or undefined when it uses neither. */
async function groupTemplate(deps: AmiRefreshDeps, groupName: string): Promise<GroupTemplate | undefined> {
  const group = await describeGroup(deps.clients.autoScaling, groupName);
  const plain = group?.LaunchTemplate;
  const mixed = group?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  const spec = plain ?? mixed;
  if (!spec?.LaunchTemplateId) return undefined;
  return {
    launchTemplateId: spec.LaunchTemplateId,
    version: spec.Version ?? '$Default',
    ...(plain ? {} : group?.MixedInstancesPolicy ? { mixed: group.MixedInstancesPolicy } : {}),
  };
}

function matchesTemplate(configured: AmiRefreshConfig['launchTemplate'], id: string, name: string | undefined) {
  return 'id' in configured ? configured.id === id : configured.name === name;
}

/** The numbered version a $Default / $Latest / number names, with its name and image. */
async function resolveVersion(deps: AmiRefreshDeps, launchTemplateId: string, version: string) {
  const out = await deps.clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: [version] }),
  );
  return out.LaunchTemplateVersions?.[0];
}

export function preferences(refresh: RefreshConfig): RefreshPreferences {
  return {
    MinHealthyPercentage: refresh.minHealthyPercentage,
    ...(refresh.maxHealthyPercentage !== undefined ? { MaxHealthyPercentage: refresh.maxHealthyPercentage } : {}),
    ...(refresh.instanceWarmupSeconds !== undefined ? { InstanceWarmup: refresh.instanceWarmupSeconds } : {}),
    SkipMatching: refresh.skipMatching,
    ...(refresh.checkpointPercentages ? { CheckpointPercentages: refresh.checkpointPercentages } : {}),
    ...(refresh.checkpointDelaySeconds !== undefined ? { CheckpointDelay: refresh.checkpointDelaySeconds } : {}),
    AutoRollback: refresh.autoRollback,
    ...(refresh.alarms ? { AlarmSpecification: { Alarms: refresh.alarms } } : {}),
    ...(refresh.scaleInProtectedInstances ? { ScaleInProtectedInstances: refresh.scaleInProtectedInstances } : {}),
    ...(refresh.standbyInstances ? { StandbyInstances: refresh.standbyInstances } : {}),
  };
}

/** The numbered launch template version a refresh's desired configuration names, if any. */
export function desiredVersion(refresh: InstanceRefresh | undefined): { id?: string; version?: string } {
  const desired = refresh?.DesiredConfiguration;
  const spec = desired?.LaunchTemplate ?? desired?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    ...(spec?.LaunchTemplateId ? { id: spec.LaunchTemplateId } : {}),
    ...(spec?.Version ? { version: spec.Version } : {}),
  };
}

/**
 * Version and refresh: a new launch template version from the one the group uses (only ImageId changed; reused when
 * a version with this image exists), then StartInstanceRefresh on that numbered version. A refresh already running
 * follows whenInProgress.
 */
export async function startRefresh(request: StartRequest, deps: AmiRefreshDeps): Promise<StepResult> {
  const { service, imageId, correlationId } = request;
  const { ec2, autoScaling } = deps.clients;
  const ami = service.amiRefresh;
  const group = service.autoScalingGroup;
  const mutations = mutationsFor(deps, service);
  const base = { service: service.name, group, correlationId };

  const current = await groupTemplate(deps, group);
  const source = current ? await resolveVersion(deps, current.launchTemplateId, current.version) : undefined;
  if (
    !current ||
    !source?.VersionNumber ||
    !matchesTemplate(ami.launchTemplate, current.launchTemplateId, source.LaunchTemplateName)
  ) {
    await send(deps, {
      ...base,
      severity: 'critical',
      kind: 'ami-refresh.config.mismatch',
      title: `${group} does not use the configured launch template`,
      summary: `The group uses ${current ? `${current.launchTemplateId} version ${current.version}` : 'no launch template'}, but services[].amiRefresh.launchTemplate names ${JSON.stringify(ami.launchTemplate)}. Nothing was changed.`,
      facts: [['Image', imageId]],
    });
    return { status: 'reported', kind: 'ami-refresh.config.mismatch' };
  }
  const templateId = current.launchTemplateId;

  // Idempotent: a redelivered event finds the version made the first time (image-id filter: EC2 API reference,
  // DescribeLaunchTemplateVersions).
  const existing = await ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: templateId,
      Filters: [{ Name: 'image-id', Values: [imageId] }],
    }),
  );
  const reused = (existing.LaunchTemplateVersions ?? []).map((v) => v.VersionNumber ?? 0).sort((a, b) => b - a)[0];
  let version = reused;
  if (version === undefined) {
    const created = await mutations.run(
      `CreateLaunchTemplateVersion of ${templateId} from version ${source.VersionNumber} with ImageId ${imageId}`,
      () =>
        ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: templateId,
            SourceVersion: String(source.VersionNumber),
            VersionDescription: `${VERSION_DESCRIPTION_PREFIX} ${service.name} on ${imageId}`,
            LaunchTemplateData: { ImageId: imageId },
          }),
        ),
    );
    version = created?.LaunchTemplateVersion?.VersionNumber;
  }

  // One look at the group's refreshes: an active one is either ours (a redelivery) or someone else's (policy).
  const refreshes = await autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, MaxRecords: 10 }),
  );
  const versionText = version === undefined ? undefined : String(version);
  const alreadyOurs = (refreshes.InstanceRefreshes ?? []).find((r) => {
    const d = desiredVersion(r);
    return (
      d.id === templateId && d.version === versionText && (ACTIVE.has(r.Status ?? '') || r.Status === 'Successful')
    );
  });
  if (alreadyOurs) {
    deps.log.info('the refresh for this image was already started', { refreshId: alreadyOurs.InstanceRefreshId });
    return {
      status: 'ignored',
      reason: `refresh ${alreadyOurs.InstanceRefreshId} already runs version ${versionText}`,
    };
  }
  const running = (refreshes.InstanceRefreshes ?? []).find((r) => ACTIVE.has(r.Status ?? ''));
  if (running) return inProgress(request, deps, running.InstanceRefreshId, versionText, templateId);

  const spec = { LaunchTemplateId: templateId, Version: versionText ?? '(new version)' };
  const desired: DesiredConfiguration = current.mixed
    ? {
        MixedInstancesPolicy: {
          ...current.mixed,
          LaunchTemplate: { ...current.mixed.LaunchTemplate, LaunchTemplateSpecification: spec },
        },
      }
    : { LaunchTemplate: spec };
  let refreshId: string | undefined;
  try {
    const started = await mutations.run(
      `StartInstanceRefresh of ${group} on ${templateId} version ${spec.Version}`,
      () =>
        autoScaling.send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: group,
            Strategy: 'Rolling',
            DesiredConfiguration: desired,
            Preferences: preferences(ami.refresh),
          }),
        ),
    );
    refreshId = started?.InstanceRefreshId;
  } catch (error) {
    // Auto Scaling API reference, StartInstanceRefresh: InstanceRefreshInProgress when one is already running (a
    // refresh started between our look and our call).
    if (isAwsError(error, 'InstanceRefreshInProgress', 'InstanceRefreshInProgressFault')) {
      return inProgress(request, deps, undefined, versionText, templateId);
    }
    throw error;
  }
  await send(
    deps,
    {
      ...base,
      severity: 'info',
      kind: 'ami-refresh.refresh.started',
      title: `Rolling ${service.name} onto ${imageId}`,
      summary: `Launch template ${templateId} version ${spec.Version} (from version ${source.VersionNumber}, only the image changed); instance refresh ${refreshId ?? '(dry run)'} started.`,
      facts: [
        ['Image', imageId],
        ['Launch template', `${templateId} version ${spec.Version}${reused !== undefined ? ' (existing)' : ''}`],
        ['Instance refresh', refreshId ?? '(not started: dry run)'],
        ['Min healthy', `${ami.refresh.minHealthyPercentage}%`],
        ['Auto rollback', ami.refresh.autoRollback ? 'on' : 'off'],
      ],
    },
    mutations,
  );
  return { status: 'reported', kind: 'ami-refresh.refresh.started' };
}

async function inProgress(
  request: StartRequest,
  deps: AmiRefreshDeps,
  runningId: string | undefined,
  version: string | undefined,
  templateId: string,
): Promise<StepResult> {
  const { service, imageId, correlationId } = request;
  const policy = service.amiRefresh.refresh.whenInProgress;
  const base = { service: service.name, group: service.autoScalingGroup, correlationId };
  const facts: [string, string][] = [
    ['Image', imageId],
    ['Launch template', `${templateId} version ${version ?? '(dry run)'}`],
    ['Running refresh', runningId ?? 'unknown'],
  ];
  if (policy === 'skip') {
    await send(deps, {
      ...base,
      severity: 'warning',
      kind: 'ami-refresh.refresh.skipped',
      title: `Refresh of ${service.name} onto ${imageId} skipped`,
      summary: 'Another instance refresh is running and whenInProgress is "skip". Start one by hand when it ends.',
      facts,
    });
    return { status: 'reported', kind: 'ami-refresh.refresh.skipped' };
  }
  const payload: StartPayload = { service: service.name, imageId, correlationId, waits: request.waits + 1 };
  await sendContinuations(deps.clients.sqs, [
    {
      queueUrl: deps.continuationQueueUrl,
      envelope: envelope(START_KIND, payload, request.waits + 1),
      delaySeconds: WAIT_DELAY_S,
      subject: imageId,
    },
  ]);
  if (request.waits === 0) {
    await send(deps, {
      ...base,
      severity: 'info',
      kind: 'ami-refresh.refresh.waiting',
      title: `Refresh of ${service.name} onto ${imageId} waits for a running refresh`,
      summary: `Another instance refresh is running; fleetpilot looks again every ${WAIT_DELAY_S} s and starts when it ends.`,
      facts,
    });
  }
  return { status: 'waiting' };
}

// ---------------------------------------------------------------------------------------------- refresh events

const OUTCOME_FAILED = new Set(['failed', 'cancelled', 'rollback-succeeded', 'rollback-failed']);

export async function onRefreshEvent(event: RefreshEvent, deps: AmiRefreshDeps): Promise<StepResult> {
  const service = managedServices(deps.config).find((s) => s.autoScalingGroup === event.groupName);
  if (!service) return { status: 'ignored', reason: `group ${event.groupName} has no amiRefresh section` };
  const { autoScaling, ec2 } = deps.clients;
  const out = await autoScaling.send(
    new DescribeInstanceRefreshesCommand({
      AutoScalingGroupName: event.groupName,
      InstanceRefreshIds: [event.refreshId],
    }),
  );
  const refresh = out.InstanceRefreshes?.[0];
  if (!refresh) return { status: 'ignored', reason: `refresh ${event.refreshId} not found in ${event.groupName}` };
  const mutations = mutationsFor(deps, service);
  const desired = desiredVersion(refresh);
  const numbered =
    desired.id !== undefined && desired.version !== undefined && /^\d+$/.test(desired.version) ? desired : undefined;
  // fleetpilot's own refresh: its numbered version is one fleetpilot created (VersionDescription "fleetpilot: …").
  // A refresh someone started by hand is reported, but its outcome neither moves the default nor rejects an image.
  const desiredData =
    numbered?.id && numbered.version ? await resolveVersion(deps, numbered.id, numbered.version) : undefined;
  const ours =
    numbered && desiredData?.VersionDescription?.startsWith(VERSION_DESCRIPTION_PREFIX) ? numbered : undefined;
  const base = { service: service.name, group: service.autoScalingGroup, correlationId: event.eventId };
  const rollbackReason = refresh.RollbackDetails?.RollbackReason;
  const facts: [string, string][] = [
    ['Instance refresh', event.refreshId],
    ['Status', refresh.Status ?? '?'],
    ['Reason', refresh.StatusReason ?? '-'],
    // After a rollback, StatusReason describes the rollback; why it rolled back is in RollbackDetails (Auto Scaling
    // API reference, RollbackDetails.RollbackReason).
    ...(rollbackReason ? [['Rollback reason', rollbackReason] as [string, string]] : []),
    ['Complete', `${refresh.PercentageComplete ?? 0}%`],
    ['Instances to update', String(refresh.InstancesToUpdate ?? '?')],
    ...(ours ? [['Launch template', `${ours.id} version ${ours.version}`] as [string, string]] : []),
    ...(event.checkpoint
      ? [
          ['Checkpoint', `${event.checkpoint.percentage}% (delay ${event.checkpoint.delay ?? '?'} s)`] as [
            string,
            string,
          ],
        ]
      : []),
  ];

  if (event.type === 'succeeded' && refresh.Status === 'Successful') {
    if (ours?.id && ours.version) {
      const { id, version } = ours;
      // A repeated Succeeded event (EventBridge delivers at least once) finds the default already moved: silent.
      const current = await resolveVersion(deps, id, '$Default');
      if (current?.VersionNumber === Number(version)) {
        return { status: 'ignored', reason: `version ${version} of ${id} is already the default (a repeated event)` };
      }
      await mutations.run(`ModifyLaunchTemplate ${id} DefaultVersion ${version}`, () =>
        ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: version })),
      );
    }
    const retired = await retention(service, deps, mutations);
    await send(
      deps,
      {
        ...base,
        severity: 'info',
        kind: 'ami-refresh.refresh.succeeded',
        title: `${service.name} is on its new image`,
        summary: ours
          ? `Instance refresh succeeded; version ${ours.version} of ${ours.id} is now the default.`
          : 'Instance refresh succeeded (it named no numbered launch template version; the default is unchanged).',
        facts: [...facts, ['Images retired', retired.join(', ') || 'none']],
      },
      mutations,
    );
    return { status: 'reported', kind: 'ami-refresh.refresh.succeeded' };
  }

  if (OUTCOME_FAILED.has(event.type)) {
    const imageId = ours ? desiredData?.LaunchTemplateData?.ImageId : undefined;
    if (imageId) {
      const id = imageId;
      await mutations.run(`CreateTags ${TAG.rejected}=true on ${id}`, () =>
        ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: TAG.rejected, Value: 'true' }] })),
      );
    }
    await send(
      deps,
      {
        ...base,
        severity: 'critical',
        kind: 'ami-refresh.refresh.failed',
        title: `Refresh of ${service.name} ${event.type.replace('-', ' ')}`,
        summary: `${rollbackReason ? `Rolled back: ${rollbackReason} ` : ''}${refresh.StatusReason ?? 'No reason given.'} The launch template's default version is unchanged${imageId ? `; image ${imageId} is rejected and will not be adopted again` : ''}.`,
        facts: [...facts, ['Image', imageId ?? 'unknown']],
      },
      mutations,
    );
    return { status: 'reported', kind: 'ami-refresh.refresh.failed' };
  }

  await send(deps, {
    ...base,
    severity: event.type === 'rollback-started' ? 'warning' : 'info',
    kind: 'ami-refresh.refresh.progress',
    title: `Refresh of ${service.name}: ${event.type.replace('-', ' ')}`,
    summary: refresh.StatusReason ?? `Instance refresh ${refresh.Status ?? ''}`.trim(),
    facts,
  });
  return { status: 'reported', kind: 'ami-refresh.refresh.progress' };
}

// --------------------------------------------------------------------------------------------------- retention

/**
 * Deregisters fleetpilot-made images of the service beyond keepNewest and older than keepYoungerThanDays, and deletes
 * their snapshots; never one that a group's launch template version, the template's default or latest version, an
 * active refresh or an instance (any state but terminated) uses. Returns the image ids retired (or, in dry run, that
 * would be).
 */
export async function retention(
  service: ManagedService,
  deps: AmiRefreshDeps,
  mutations: Mutations,
): Promise<string[]> {
  const { ec2, autoScaling } = deps.clients;
  const { keepNewest, keepYoungerThanDays } = service.amiRefresh.retention;
  const made = await ec2.send(
    new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: `tag:${TAG.service}`, Values: [service.name] }] }),
  );
  const ours = (made.Images ?? [])
    .filter((i) => i.ImageId && tagValue(i.Tags, TAG.source) !== undefined)
    .sort((a, b) => Date.parse(b.CreationDate ?? '') - Date.parse(a.CreationDate ?? ''));
  const cutoff = deps.clock.now() - keepYoungerThanDays * 86_400_000;
  const candidates = ours
    .slice(keepNewest)
    .filter((i) => Number.isFinite(Date.parse(i.CreationDate ?? '')) && Date.parse(i.CreationDate ?? '') < cutoff);
  if (candidates.length === 0) return [];

  const inUse = new Set<string>();
  const current = await groupTemplate(deps, service.autoScalingGroup);
  if (current) {
    const versions = new Set(['$Default', '$Latest', current.version]);
    const refreshes = await autoScaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: service.autoScalingGroup, MaxRecords: 10 }),
    );
    for (const r of refreshes.InstanceRefreshes ?? []) {
      const d = desiredVersion(r);
      if (ACTIVE.has(r.Status ?? '') && d.id === current.launchTemplateId && d.version) versions.add(d.version);
    }
    const described = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: current.launchTemplateId,
        Versions: [...versions],
      }),
    );
    for (const v of described.LaunchTemplateVersions ?? []) {
      if (v.LaunchTemplateData?.ImageId) inUse.add(v.LaunchTemplateData.ImageId);
    }
  } else {
    // Without the group's template nothing can be shown unused: keep everything.
    return [];
  }
  const running = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'image-id', Values: candidates.map((i) => i.ImageId as string) },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
      ],
    }),
  );
  for (const r of running.Reservations ?? []) for (const i of r.Instances ?? []) if (i.ImageId) inUse.add(i.ImageId);

  const retired: string[] = [];
  for (const image of candidates) {
    const id = image.ImageId as string;
    if (inUse.has(id)) continue;
    await mutations.run(`DeregisterImage ${id}`, () => ec2.send(new DeregisterImageCommand({ ImageId: id })));
    for (const snapshot of (image.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    )) {
      await mutations.run(`DeleteSnapshot ${snapshot} of ${id}`, () =>
        ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot })),
      );
    }
    retired.push(id);
  }
  return retired;
}

/** The manual or daily retention request: runs retention and reports what went. */
export async function runRetention(
  service: ManagedService,
  deps: AmiRefreshDeps,
  correlationId: string,
): Promise<StepResult> {
  const mutations = mutationsFor(deps, service);
  const retired = await retention(service, deps, mutations);
  await send(
    deps,
    {
      severity: 'info',
      kind: 'ami-refresh.retention.done',
      title: `${retired.length} old images of ${service.name} ${mutations.dryRun ? 'would be ' : ''}retired`,
      summary: `Kept the newest ${service.amiRefresh.retention.keepNewest}, those younger than ${service.amiRefresh.retention.keepYoungerThanDays} days and every image in use.`,
      facts: [['Retired', retired.join(', ') || 'none']],
      service: service.name,
      group: service.autoScalingGroup,
      correlationId,
    },
    mutations,
  );
  return { status: 'reported', kind: 'ami-refresh.retention.done' };
}
