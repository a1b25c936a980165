/**
 * A new numbered launch template version from the version the group uses, with only the image changed, then
 * StartInstanceRefresh naming it (or wait through the continuation / skip and report when a refresh already runs).
 */
import {
  DescribeInstanceRefreshesCommand,
  type DesiredConfiguration,
  type RefreshPreferences,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { envelope, sendContinuations } from '../../shared/continuation/envelope';
import { isAwsError } from '../../shared/errors';
import {
  ACTIVE,
  type AmiRefreshDeps,
  desiredVersion,
  type GroupTemplate,
  groupTemplate,
  type ManagedService,
  matchesTemplate,
  mutationsFor,
  resolveVersion,
  START_KIND,
  type StepResult,
  send,
  VERSION_DESCRIPTION_PREFIX,
  WAIT_DELAY_S,
} from './common';
import type { RefreshConfig } from './config';

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
  const refusal = refusalFor(service, current, source);
  if (refusal) {
    await send(deps, {
      ...base,
      severity: 'critical',
      kind: 'ami-refresh.config.mismatch',
      title: refusal.title,
      summary: `${refusal.summary} Nothing was changed.`,
      facts: [
        ['Image', imageId],
        ['Launch template', `${templateId} version ${source.VersionNumber}`],
      ],
    });
    return { status: 'reported', kind: 'ami-refresh.config.mismatch' };
  }

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
  const desired = desiredConfiguration(current, spec, source.LaunchTemplateName, imageId);
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

/**
 * Why the refresh must not start with this group and config, if it must not.
 *
 * - Mixed instances policy: an override naming another launch template launches its instance types from that
 *   template, whose image fleetpilot does not version (LaunchTemplateOverrides.LaunchTemplateSpecification, Auto
 *   Scaling API reference; user guide, "Use multiple launch templates"): those instances would stay on the old image.
 * - An instance profile in the template: Auto Scaling checks iam:PassRole on the caller when a group is created or
 *   updated with a launch template that specifies an instance profile (Auto Scaling user guide, "Amazon EC2 Auto Scaling
 *   API permissions" and "Control Amazon EC2 launch template usage in Auto Scaling groups"). The role may pass only
 *   the role the config names (amiRefresh.instanceRole), so without one the refresh would be refused.
 */
export function refusalFor(
  service: ManagedService,
  current: GroupTemplate,
  source: LaunchTemplateVersion,
): { title: string; summary: string } | undefined {
  const templateName = source.LaunchTemplateName;
  const others = (current.mixed?.LaunchTemplate?.Overrides ?? [])
    .map((o) => o.LaunchTemplateSpecification)
    .filter((spec) => spec !== undefined && !sameTemplate(spec, current.launchTemplateId, templateName));
  if (others.length > 0) {
    const names = others.map((o) => o?.LaunchTemplateId ?? o?.LaunchTemplateName ?? '?').join(', ');
    return {
      title: `${service.autoScalingGroup} launches some instance types from another launch template`,
      summary: `The group's mixed instances policy has overrides with launch templates ${names}; fleetpilot versions only ${current.launchTemplateId}, so their instances would keep their old image.`,
    };
  }
  const profile = source.LaunchTemplateData?.IamInstanceProfile;
  if (profile && service.amiRefresh.instanceRole === undefined) {
    return {
      title: `${service.name}: the launch template names an instance profile, the config no instance role`,
      summary: `Version ${source.VersionNumber} of ${current.launchTemplateId} launches instances with instance profile ${profile.Arn ?? profile.Name ?? '?'}; Auto Scaling checks that fleetpilot may pass its role (iam:PassRole) before it refreshes onto the template. Set services[].amiRefresh.instanceRole to that role's name.`,
    };
  }
  return undefined;
}

/** An override's launch template is the group's own (by id, or by the name the group's template has). */
function sameTemplate(
  spec: { LaunchTemplateId?: string | undefined; LaunchTemplateName?: string | undefined },
  id: string,
  name: string | undefined,
): boolean {
  return spec.LaunchTemplateId !== undefined ? spec.LaunchTemplateId === id : spec.LaunchTemplateName === name;
}

/**
 * The refresh's desired configuration. A group with a mixed instances policy keeps its launch template in
 * MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification, and the refresh names the whole policy
 * (DesiredConfiguration: a LaunchTemplate or a MixedInstancesPolicy; once the refresh succeeds the group takes the
 * desired configuration — Auto Scaling API reference, DesiredConfiguration and StartInstanceRefresh). So the policy is
 * repeated as the group has it, with the new numbered version in its launch template and in every override that
 * names the same template, and the new image in every override that sets its own ImageId (an override's ImageId is
 * the image of the instances launched with it: LaunchTemplateOverrides.ImageId). Naming only a LaunchTemplate would
 * drop the group's instance types and purchase options.
 */
export function desiredConfiguration(
  current: GroupTemplate,
  spec: { LaunchTemplateId: string; Version: string },
  templateName: string | undefined,
  imageId: string,
): DesiredConfiguration {
  const mixed = current.mixed;
  if (!mixed) return { LaunchTemplate: spec };
  const overrides = mixed.LaunchTemplate?.Overrides?.map((override) => ({
    ...override,
    ...(override.LaunchTemplateSpecification &&
    sameTemplate(override.LaunchTemplateSpecification, spec.LaunchTemplateId, templateName)
      ? { LaunchTemplateSpecification: spec }
      : {}),
    ...(override.ImageId !== undefined ? { ImageId: imageId } : {}),
  }));
  return {
    MixedInstancesPolicy: {
      ...mixed,
      LaunchTemplate: {
        ...mixed.LaunchTemplate,
        LaunchTemplateSpecification: spec,
        ...(overrides ? { Overrides: overrides } : {}),
      },
    },
  };
}

export async function inProgress(
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
