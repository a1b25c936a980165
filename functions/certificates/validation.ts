/**
 * DNS validation records: present and right in the configured hosted zone that owns their name? Read with
 * ListResourceRecordSets (read only); a missing or wrong record is UPSERTed through the one Route 53 writer
 * (shared/dns), never written here and never deleted: ACM gives every certificate of the account that covers a name
 * the same record (ACM user guide, "DNS validation"), so one record may serve several certificates.
 */
import { ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { HostedZoneConfig } from '../../shared/config/schema';
import { type DnsChange, requestDnsChanges } from '../../shared/dns/request';
import type { Mutations } from '../../shared/runtime/mutations';
import type { ValidationRecord } from './inspect';

/** TTL of a repaired validation record (ACM's console creates them with 300 s). */
export const VALIDATION_TTL = 300;

export type RecordState = 'ok' | 'missing' | 'wrong' | 'no-zone';

export interface RecordCheck extends ValidationRecord {
  state: RecordState;
  zoneId?: string;
  current?: string[];
}

const bare = (name: string): string => name.toLowerCase().replace(/\.$/, '').replaceAll('\\052', '*');

/** The public configured zone whose domain is the longest suffix of `name`. */
export function owningZone(zones: Record<string, HostedZoneConfig>, name: string): HostedZoneConfig | undefined {
  const n = bare(name);
  return Object.values(zones)
    .filter((z) => !z.private && (n === z.domain || n.endsWith(`.${z.domain}`)))
    .sort((a, b) => b.domain.length - a.domain.length)[0];
}

export async function checkRecords(
  route53: Route53Client,
  zones: Record<string, HostedZoneConfig>,
  records: readonly ValidationRecord[],
): Promise<RecordCheck[]> {
  const out: RecordCheck[] = [];
  for (const record of records) {
    const zone = owningZone(zones, record.name);
    if (!zone) {
      out.push({ ...record, state: 'no-zone' });
      continue;
    }
    const { ResourceRecordSets = [] } = await route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zone.id,
        StartRecordName: record.name,
        StartRecordType: 'CNAME',
        MaxItems: 1,
      }),
    );
    const found = ResourceRecordSets.find((r) => r.Type === 'CNAME' && bare(r.Name ?? '') === bare(record.name));
    const current = (found?.ResourceRecords ?? []).map((r) => r.Value ?? '');
    const state: RecordState = !found
      ? 'missing'
      : current.some((v) => bare(v) === bare(record.value))
        ? 'ok'
        : 'wrong';
    out.push({ ...record, state, zoneId: zone.id, ...(found ? { current } : {}) });
  }
  return out;
}

/** UPSERT every missing or wrong record (once per name), through the writer. Returns the names asked for. */
export async function repairRecords(
  ports: { sqs: SQSClient; dnsQueueUrl: string },
  checks: readonly RecordCheck[],
  mutations: Mutations,
  what: string,
  service: string,
): Promise<string[]> {
  const seen = new Set<string>();
  const changes: DnsChange[] = [];
  for (const c of checks) {
    if ((c.state !== 'missing' && c.state !== 'wrong') || !c.zoneId || seen.has(bare(c.name))) continue;
    seen.add(bare(c.name));
    changes.push({
      action: 'UPSERT',
      zoneId: c.zoneId,
      name: c.name,
      type: 'CNAME',
      ttl: VALIDATION_TTL,
      values: [c.value],
    });
  }
  if (changes.length === 0) return [];
  const names = changes.map((c) => c.name);
  await mutations.run(`UPSERT validation CNAME ${names.join(', ')} (via the Route 53 writer)`, () =>
    requestDnsChanges(ports.sqs, ports.dnsQueueUrl, [{ what, service, changes }]),
  );
  return names;
}
