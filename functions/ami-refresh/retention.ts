/**
 * Retention: fleetpilot-made images beyond the policy (keep the newest N, and any younger than D days) are deregistered
 * with their snapshots; never one a launch template version in use, a running instance or a refresh references.
 */
import { DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import type { Mutations } from '../../shared/runtime/mutations';
import {
  ACTIVE,
  type AmiRefreshDeps,
  desiredVersion,
  groupTemplate,
  type ManagedService,
  mutationsFor,
  type StepResult,
  send,
  TAG,
  tagValue,
} from './common';

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
