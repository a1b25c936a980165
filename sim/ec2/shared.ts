/**
 * What the parts of the simulated EC2 share: filter-value globs, tags in the SDK's shape, EC2-style errors, and the
 * EC2 API's NextToken paging.
 */
import { EC2ServiceException, type Tag, type TagSpecification } from '@aws-sdk/client-ec2';
import { byCodeUnit } from '../context';
import { serviceError } from '../errors';

/** Glob (`*`, `?`, backslash escapes) → RegExp, as EC2 filter values allow. */
export const globToRegExp = (pattern: string): RegExp => {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern.charAt(index);
    if (char === '\\' && index + 1 < pattern.length) {
      index++;
      source += pattern.charAt(index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
};

/** An EC2 client error (HTTP 400) with its AWS error code (EC2 API reference, "Error codes"). */
export const ec2Error = (code: string, message: string): Error => serviceError(EC2ServiceException, { code, message });

/** Tags of a resource in the SDK's shape, sorted by key. */
export const tagsToSdk = (tags: Map<string, string>): Tag[] =>
  [...tags.entries()].sort(([a], [b]) => byCodeUnit(a, b)).map(([Key, Value]) => ({ Key, Value }));

/** Tag keys starting with `aws:` are reserved (EC2 API reference, CreateTags / Tag). */
export const assertNoReservedTags = (tags: Tag[]): void => {
  for (const tag of tags) {
    if (tag.Key?.toLowerCase().startsWith('aws:')) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value ( ${tag.Key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`,
      );
    }
  }
};

/**
 * The tags a TagSpecifications list gives to resources of `resourceType`; a resource type the operation does not
 * tag is refused (EC2 API reference, TagSpecification: "The resource type must be one the operation supports").
 */
export const tagsFor = (
  specifications: TagSpecification[] | undefined,
  supported: readonly string[],
  resourceType: string,
): Map<string, string> => {
  const tags = new Map<string, string>();
  for (const specification of specifications ?? []) {
    if (!supported.includes(specification.ResourceType ?? '')) {
      throw ec2Error(
        'InvalidParameterValue',
        `'${specification.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    assertNoReservedTags(specification.Tags ?? []);
    if (specification.ResourceType !== resourceType) continue;
    for (const tag of specification.Tags ?? []) if (tag.Key !== undefined) tags.set(tag.Key, tag.Value ?? '');
  }
  return tags;
};

/** Does a resource match one `tag:<key>` / `tag-key` / `tag-value` filter? undefined when the filter is not a tag one. */
export const matchesTagFilter = (
  tags: Map<string, string>,
  name: string,
  anyMatches: (candidates: string[]) => boolean,
): boolean | undefined => {
  if (name.startsWith('tag:')) {
    const value = tags.get(name.slice(4));
    return value !== undefined && anyMatches([value]);
  }
  if (name === 'tag-key') return anyMatches([...tags.keys()]);
  if (name === 'tag-value') return anyMatches([...tags.values()]);
  return undefined;
};

/** EC2's NextToken paging by offset (MaxResults / NextToken). */
export const page = <T>(items: T[], maxResults: number | undefined, nextToken: string | undefined) => {
  const offset = nextToken ? Number.parseInt(nextToken, 10) : 0;
  if (Number.isNaN(offset)) throw ec2Error('InvalidParameterValue', `Invalid value '${nextToken}' for nextToken`);
  const limit = maxResults ?? items.length;
  const slice = items.slice(offset, offset + limit);
  const next = offset + slice.length;
  return { items: slice, ...(next < items.length ? { NextToken: String(next) } : {}) };
};
