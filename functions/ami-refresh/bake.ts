/** Bake (CreateImage from the reference instance) and an image's arrival (its state-change event, checked with DescribeImages). */
import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type Image,
  type Tag,
} from '@aws-sdk/client-ec2';
import { isAwsError } from '../../shared/errors';
import {
  type AmiRefreshDeps,
  type ManagedService,
  managedServices,
  mutationsFor,
  type StepResult,
  send,
  TAG,
  tagValue,
} from './common';
import type { ImageEvent } from './events';
import { startRefresh } from './refresh';

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

export const isTransientName = (name: string) =>
  /Throttl|RequestLimitExceeded|InternalError|ServiceUnavailable|Unavailable/.test(name);

// ------------------------------------------------------------------------------------------------- image events

/** Which service an image belongs to: our bake (tags), or an adopted image that matches owner, prefix and tags. */
export async function ownerOf(
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
