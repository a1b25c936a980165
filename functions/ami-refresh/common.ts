/** What the AMI refresh steps share: its deps and results, the tags it writes, the group's template and version. */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client, type Tag } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { isDryRun } from '../../shared/config/lookup';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { Notifier } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';
import { createMutations, type Mutations } from '../../shared/runtime/mutations';
import type { AmiRefreshConfig } from './config';
import { type AmiNotice, report } from './report';

/** How fleetpilot marks the launch template versions it creates (and recognises its own refreshes by). */
export const VERSION_DESCRIPTION_PREFIX = 'fleetpilot:';

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
export const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

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

export const tagValue = (tags: readonly Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

export function mutationsFor(deps: AmiRefreshDeps, service: ServiceConfig): Mutations {
  return createMutations(isDryRun(deps.config, service), deps.log);
}

export function send(deps: AmiRefreshDeps, notice: AmiNotice, mutations?: Mutations) {
  return report({ notifier: deps.notifier, log: deps.log, region: deps.config.region }, notice, mutations);
}

// ------------------------------------------------------------------------------------------------------------ bake

export interface GroupTemplate {
  launchTemplateId: string;
  /** The version the group uses, as the group names it (a number, $Default or $Latest). */
  version: string;
  mixed?: NonNullable<NonNullable<Awaited<ReturnType<typeof describeGroup>>>['MixedInstancesPolicy']>;
}

export async function describeGroup(autoScaling: AutoScalingClient, name: string) {
  const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

/** The group's launch template and version (plain or mixed instances), or undefined when it uses neither. */
export async function groupTemplate(deps: AmiRefreshDeps, groupName: string): Promise<GroupTemplate | undefined> {
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

export function matchesTemplate(configured: AmiRefreshConfig['launchTemplate'], id: string, name: string | undefined) {
  return 'id' in configured ? configured.id === id : configured.name === name;
}

/** The numbered version a $Default / $Latest / number names, with its name and image. */
export async function resolveVersion(deps: AmiRefreshDeps, launchTemplateId: string, version: string) {
  const out = await deps.clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: launchTemplateId, Versions: [version] }),
  );
  return out.LaunchTemplateVersions?.[0];
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
