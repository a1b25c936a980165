/**
 * UpdateAutoScalingGroup (sizes only) and CreateOrUpdateTags on groups, in the simulated account.
 *
 * Auto Scaling API reference, UpdateAutoScalingGroup: MinSize, MaxSize and DesiredCapacity are checked together
 * against the group's resulting sizes; a new MinSize above the current desired capacity, given without
 * DesiredCapacity, raises desired to it, and a new MaxSize below it lowers desired to it. The ValidationError
 * messages are the ones the API returns (as AWS CLI users quote them): "Max bound, 3, must be greater than or equal to
 * min bound, 5" and "Desired capacity:9 must be between the specified min size:1 and max size:4". The other settings
 * of UpdateAutoScalingGroup are refused loudly here (not modelled).
 *
 * CreateOrUpdateTags (API reference): tags of ResourceType "auto-scaling-group", ResourceId the group name; an
 * existing key is overwritten. Keys up to 128 and values up to 256 characters.
 */
import type {
  CreateOrUpdateTagsCommandInput,
  CreateOrUpdateTagsCommandOutput,
  UpdateAutoScalingGroupCommandInput,
  UpdateAutoScalingGroupCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import type { SimOutput } from '../context';
import { SimConfigError } from '../errors';
import type { AutoScalingGroups } from './groups';
import { validationError } from './model';

const SIZE_KEYS = new Set(['AutoScalingGroupName', 'MinSize', 'MaxSize', 'DesiredCapacity']);

export class GroupSettings {
  constructor(private readonly groups: AutoScalingGroups) {}

  update(input: UpdateAutoScalingGroupCommandInput): SimOutput<UpdateAutoScalingGroupCommandOutput> {
    const other = Object.keys(input).filter((k) => !SIZE_KEYS.has(k) && input[k as keyof typeof input] !== undefined);
    if (other.length > 0) throw new SimConfigError(`UpdateAutoScalingGroup: ${other.join(', ')} not modelled`);
    const group = this.groups.groups.get(input.AutoScalingGroupName ?? '');
    if (!group) {
      throw validationError(
        `AutoScalingGroup name not found - AutoScalingGroup ${input.AutoScalingGroupName} not found`,
      );
    }
    const min = input.MinSize ?? group.minSize;
    const max = input.MaxSize ?? group.maxSize;
    if (min > max) throw validationError(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
    let desired = input.DesiredCapacity ?? group.desired;
    if (input.DesiredCapacity === undefined) desired = Math.min(max, Math.max(min, desired));
    if (desired < min || desired > max) {
      throw validationError(
        `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      );
    }
    group.minSize = min;
    group.maxSize = max;
    this.groups.setDesiredCapacity(group.name, desired);
    return {};
  }

  createOrUpdateTags(input: CreateOrUpdateTagsCommandInput): SimOutput<CreateOrUpdateTagsCommandOutput> {
    for (const tag of input.Tags ?? []) {
      if (tag.ResourceType !== 'auto-scaling-group') {
        throw validationError(`Invalid resource type ${tag.ResourceType}: expected auto-scaling-group`);
      }
      const group = this.groups.groups.get(tag.ResourceId ?? '');
      if (!group)
        throw validationError(`AutoScalingGroup name not found - AutoScalingGroup ${tag.ResourceId} not found`);
      const key = tag.Key ?? '';
      if (key.length < 1 || key.length > 128) throw validationError('Tag key must be 1-128 characters');
      if ((tag.Value ?? '').length > 256) throw validationError('Tag value must be at most 256 characters');
      group.tags ??= new Map();
      group.tags.set(key, { value: tag.Value ?? '', propagateAtLaunch: tag.PropagateAtLaunch ?? false });
    }
    return {};
  }
}
