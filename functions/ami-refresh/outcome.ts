/**
 * The instance refresh's events, each checked with DescribeInstanceRefreshes and reported; fleetpilot's own success
 * moves the default version and runs retention, its failure or rollback rejects the image.
 */
import { DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import {
  type AmiRefreshDeps,
  desiredVersion,
  managedServices,
  mutationsFor,
  resolveVersion,
  type StepResult,
  send,
  TAG,
  VERSION_DESCRIPTION_PREFIX,
} from './common';
import type { RefreshEvent } from './events';
import { retention } from './retention';

export const OUTCOME_FAILED = new Set(['failed', 'cancelled', 'rollback-succeeded', 'rollback-failed']);

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
