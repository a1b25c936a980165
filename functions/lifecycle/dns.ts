/**
 * Per-instance DNS records: which records a service wants for an instance, how launch remembers what it asked for
 * (one instance tag per record, so a terminate after the address is gone still deletes exactly those), and the change
 * requests handed to the one Route 53 writer (shared/dns), which batches them across instances.
 *
 * A remembered record is trusted only if the config could have produced it for that instance: a tag planted by
 * someone else, or one that does not parse, is reported and skipped, never deleted and never fatal.
 */
import { CreateTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { DnsChange } from '../../shared/dns/request';
import { LifecycleFailedError } from '../../shared/errors';
import type { Mutations } from '../../shared/runtime/mutations';
import { type NamePlaceholder, renderName } from './config';
import type { InstanceFacts } from './instance';

/** The instance facts a record name can use (a subset of InstanceFacts, as carried in a continuation). */
export type RecordFacts = Pick<InstanceFacts, 'instanceId' | 'privateIp' | 'publicIp' | 'az'>;

export interface DnsRecord {
  zoneId: string;
  name: string;
  type: 'A';
  ttl: number;
  value: string;
}

export const RECORD_TAG_PREFIX = 'fleetpilot:dns:';
/** EC2 tag values are at most 256 characters (EC2 user guide, "Tag restrictions"). */
const TAG_VALUE_MAX = 256;

/** The records a service wants for an instance. Throws LifecycleFailedError when an address the config needs is missing. */
export function recordsFor(
  config: FleetpilotConfig,
  service: ServiceConfig,
  groupName: string,
  instance: RecordFacts,
): DnsRecord[] {
  const facts: Record<NamePlaceholder, string> = {
    instanceId: instance.instanceId,
    privateIp: instance.privateIp ?? '',
    privateIpDashed: (instance.privateIp ?? '').replaceAll('.', '-'),
    publicIp: instance.publicIp ?? '',
    publicIpDashed: (instance.publicIp ?? '').replaceAll('.', '-'),
    az: instance.az ?? '',
    asgName: groupName,
    service: service.name,
  };
  return service.dns.records.map((record) => {
    const zone = config.hostedZones[record.zone];
    if (!zone) throw new LifecycleFailedError(`hosted zone key "${record.zone}" is not in the config`);
    const value = record.value === 'publicIp' ? instance.publicIp : instance.privateIp;
    if (!value) {
      throw new LifecycleFailedError(
        `instance ${instance.instanceId} has no ${record.value} for record ${record.name}`,
        {
          Record: record.name,
        },
      );
    }
    const needs = [...record.name.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as NamePlaceholder);
    const missing = needs.filter((p) => facts[p] === '');
    if (missing.length > 0) {
      throw new LifecycleFailedError(
        `instance ${instance.instanceId} has no value for ${missing.map((p) => `{${p}}`).join(', ')} in ${record.name}`,
      );
    }
    return {
      zoneId: zone.id,
      name: renderName(record.name, facts),
      type: 'A',
      ttl: record.ttl ?? service.dns.ttl,
      value,
    };
  });
}

export function encodeRecordTags(records: readonly DnsRecord[]): { Key: string; Value: string }[] {
  return records.map((r, i) => {
    const value = `${r.zoneId} ${r.name} ${r.type} ${r.ttl} ${r.value}`;
    if (value.length > TAG_VALUE_MAX) {
      throw new LifecycleFailedError(`DNS name ${r.name} is too long to remember in a tag (${value.length} > 256)`);
    }
    return { Key: `${RECORD_TAG_PREFIX}${i}`, Value: value };
  });
}

export interface DecodedTags {
  records: DnsRecord[];
  /** Tags under the prefix that do not hold a record fleetpilot could have written: reported, never acted on. */
  rejected: string[];
}

/**
 * The records remembered in an instance's tags, keeping only those the config could have produced for this instance:
 * a configured zone of the service, a name that one of its patterns renders to with this instance's id, group,
 * service and zone, and an IPv4 value.
 */
export function decodeRecordTags(
  tags: Readonly<Record<string, string>>,
  config: FleetpilotConfig,
  service: ServiceConfig,
  groupName: string,
  instance: Pick<RecordFacts, 'instanceId' | 'az'>,
): DecodedTags {
  const out: DecodedTags = { records: [], rejected: [] };
  const producible = service.dns.records.flatMap((r) => {
    const zone = config.hostedZones[r.zone];
    return zone ? [{ zoneId: zone.id, name: patternRegex(r.name, service, groupName, instance) }] : [];
  });
  const entries = Object.entries(tags)
    .filter(([key]) => key.startsWith(RECORD_TAG_PREFIX))
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  for (const [key, value] of entries) {
    const [zoneId, name, type, ttl, address, ...rest] = value.split(' ');
    const parsed =
      zoneId && name && type === 'A' && ttl && /^\d+$/.test(ttl) && address && IPV4.test(address) && rest.length === 0;
    if (!parsed || !producible.some((p) => p.zoneId === zoneId && p.name.test(name))) {
      out.rejected.push(`${key}=${value.slice(0, 120)}`);
      continue;
    }
    out.records.push({ zoneId, name, type: 'A', ttl: Number(ttl), value: address });
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern as a regular expression: known facts literally, addresses as dotted or dashed quads. */
function patternRegex(
  pattern: string,
  service: ServiceConfig,
  groupName: string,
  instance: Pick<RecordFacts, 'instanceId' | 'az'>,
): RegExp {
  const known: Partial<Record<NamePlaceholder, string>> = {
    instanceId: escapeRegex(instance.instanceId),
    asgName: escapeRegex(groupName),
    service: escapeRegex(service.name),
    privateIp: '\\d{1,3}(?:\\.\\d{1,3}){3}',
    publicIp: '\\d{1,3}(?:\\.\\d{1,3}){3}',
    privateIpDashed: '\\d{1,3}(?:-\\d{1,3}){3}',
    publicIpDashed: '\\d{1,3}(?:-\\d{1,3}){3}',
    az: instance.az ? escapeRegex(instance.az) : '[a-z]{2}(?:-[a-z]+)+-\\d[a-z]',
  };
  const source = pattern
    .split(/(\{[^}]*\})/)
    .map((part) => {
      const m = /^\{([^}]*)\}$/.exec(part);
      return m ? (known[m[1] as NamePlaceholder] ?? '(?!)') : escapeRegex(part);
    })
    .join('');
  return new RegExp(`^${source}\\.?$`, 'i');
}

/** Union of record lists without repeats (same zone, name, type, value). */
export function mergeRecords(...lists: readonly DnsRecord[][]): DnsRecord[] {
  const byKey = new Map<string, DnsRecord>();
  for (const r of lists.flat()) byKey.set(`${r.zoneId}|${r.name}|${r.type}|${r.value}`, r);
  return [...byKey.values()];
}

export const dnsChanges = (action: 'UPSERT' | 'DELETE', records: readonly DnsRecord[]): DnsChange[] =>
  records.map((r) => ({ action, zoneId: r.zoneId, name: r.name, type: r.type, ttl: r.ttl, values: [r.value] }));

export async function rememberRecords(
  ec2: EC2Client,
  instanceId: string,
  records: readonly DnsRecord[],
  mutations: Mutations,
): Promise<void> {
  if (records.length === 0) return;
  const tags = encodeRecordTags(records);
  await mutations.run(`CreateTags ${instanceId} ${tags.map((t) => t.Key).join(',')}`, () =>
    ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: tags })),
  );
}
