/**
 * Per-instance DNS records. What was written is remembered in the instance's own tags (one tag per record), so a
 * terminate that comes after the address is gone still deletes exactly what launch wrote.
 *
 * Route 53 facts (developer guide "Quotas", API reference ChangeResourceRecordSets): a change batch is atomic; a
 * DELETE must repeat the record's current values exactly, else InvalidChangeBatch; up to 1,000 records per batch.
 * Deletes here are "delete if it matches": the current record is read first and deleted only when its values are ours.
 */
import { CreateTagsCommand, DeleteTagsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { LifecycleFailedError, RecordTagError } from '../../shared/errors';
import type { Mutations } from '../../shared/runtime/mutations';
import { type NamePlaceholder, renderName } from './config';
import type { InstanceFacts } from './instance';

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
  instance: InstanceFacts,
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

export function decodeRecordTags(tags: Readonly<Record<string, string>>): DnsRecord[] {
  return Object.entries(tags)
    .filter(([key]) => key.startsWith(RECORD_TAG_PREFIX))
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([key, value]) => {
      const [zoneId, name, type, ttl, address, ...rest] = value.split(' ');
      if (!zoneId || !name || type !== 'A' || !ttl || !address || rest.length > 0 || !/^\d+$/.test(ttl)) {
        throw new RecordTagError(`tag ${key} does not hold a record written by fleetpilot: "${value}"`);
      }
      return { zoneId, name, type, ttl: Number(ttl), value: address };
    });
}

/** Union of record lists without repeats (same zone, name, type, value). */
export function mergeRecords(...lists: readonly DnsRecord[][]): DnsRecord[] {
  const byKey = new Map<string, DnsRecord>();
  for (const r of lists.flat()) byKey.set(`${r.zoneId}|${r.name}|${r.type}|${r.value}`, r);
  return [...byKey.values()];
}

function byZone(records: readonly DnsRecord[]): Map<string, DnsRecord[]> {
  const zones = new Map<string, DnsRecord[]>();
  for (const r of records) zones.set(r.zoneId, [...(zones.get(r.zoneId) ?? []), r]);
  return zones;
}

const toSet = (r: DnsRecord): ResourceRecordSet => ({
  Name: r.name,
  Type: r.type,
  TTL: r.ttl,
  ResourceRecords: [{ Value: r.value }],
});

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

export async function forgetRecords(
  ec2: EC2Client,
  instanceId: string,
  tags: Readonly<Record<string, string>>,
  mutations: Mutations,
): Promise<void> {
  const keys = Object.keys(tags).filter((k) => k.startsWith(RECORD_TAG_PREFIX));
  if (keys.length === 0) return;
  await mutations.run(`DeleteTags ${instanceId} ${keys.join(',')}`, () =>
    ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: keys.map((Key) => ({ Key })) })),
  );
}

/** One UPSERT change batch per zone (atomic per zone). */
export async function upsertRecords(
  route53: Route53Client,
  records: readonly DnsRecord[],
  mutations: Mutations,
): Promise<void> {
  for (const [zoneId, zoneRecords] of byZone(records)) {
    const changes: Change[] = zoneRecords.map((r) => ({ Action: 'UPSERT', ResourceRecordSet: toSet(r) }));
    await mutations.run(
      `Route 53 UPSERT in ${zoneId}: ${zoneRecords.map((r) => `${r.name} A ${r.value}`).join(', ')}`,
      () =>
        route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: 'fleetpilot lifecycle', Changes: changes },
          }),
        ),
    );
  }
}

export interface DeleteReport {
  deleted: DnsRecord[];
  /** Names whose current values are not ours (someone else owns them now): left alone. */
  foreign: DnsRecord[];
}

/** Deletes each record only if Route 53 still holds it with our value; one batch per zone. */
export async function deleteRecordsIfOurs(
  route53: Route53Client,
  records: readonly DnsRecord[],
  mutations: Mutations,
): Promise<DeleteReport> {
  const report: DeleteReport = { deleted: [], foreign: [] };
  for (const [zoneId, zoneRecords] of byZone(records)) {
    const changes: Change[] = [];
    for (const record of zoneRecords) {
      const current = await currentRecord(route53, zoneId, record.name, record.type);
      if (!current) continue;
      const values = (current.ResourceRecords ?? []).map((v) => v.Value);
      if (values.length === 1 && values[0] === record.value) {
        changes.push({ Action: 'DELETE', ResourceRecordSet: current });
        report.deleted.push(record);
      } else {
        report.foreign.push(record);
      }
    }
    if (changes.length === 0) continue;
    await mutations.run(
      `Route 53 DELETE in ${zoneId}: ${changes.map((c) => c.ResourceRecordSet?.Name).join(', ')}`,
      () =>
        route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: 'fleetpilot lifecycle', Changes: changes },
          }),
        ),
    );
  }
  return report;
}

async function currentRecord(
  route53: Route53Client,
  zoneId: string,
  name: string,
  type: 'A',
): Promise<ResourceRecordSet | undefined> {
  const out = await route53.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      StartRecordName: name,
      StartRecordType: type,
      MaxItems: 1,
    }),
  );
  const first = out.ResourceRecordSets?.[0];
  const normalise = (n: string | undefined) => (n ?? '').toLowerCase().replace(/\.$/, '');
  return first && normalise(first.Name) === normalise(name) && first.Type === type && !first.SetIdentifier
    ? first
    : undefined;
}
