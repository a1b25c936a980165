/**
 * The one Route 53 writer: every record change of every capability arrives here as a `dns.change` envelope on the
 * writer's queue, and this core turns a whole batch of them into as few ChangeResourceRecordSets calls as Route 53
 * allows.
 *
 * Route 53 facts (developer guide "Quotas"; API reference ChangeResourceRecordSets):
 * - a change batch applies atomically, in one hosted zone;
 * - at most 1,000 ResourceRecord elements and 32,000 characters of record values per batch; an UPSERT counts twice;
 *   an alias record set has no ResourceRecord and no Value (API reference, ResourceRecord: "omit ResourceRecord" for
 *   an alias), so it adds no value characters; it is counted here as one record (twice for an UPSERT), which keeps
 *   a batch of aliases within the 100 changes per request too (never reached: a request carries at most 100);
 * - five requests per second per account (Throttling / PriorRequestNotComplete beyond it);
 * - a batch is refused as a whole (InvalidChangeBatch) when one change is wrong: a DELETE whose values differ from
 *   the record's or whose record does not exist, two changes to the same name and type, a bad value.
 *
 * So: changes are grouped by zone, packed into batches within the limits (the same name and type never twice in a
 * batch), calls are paced (two writers together at most five per second), and a refused batch is split in halves until only the bad
 * changes fail. A refused DELETE is the one case that reads: ListResourceRecordSets tells "already gone" and
 * "someone else's value now" (both fine) from a real failure.
 */
import {
  type AliasTarget,
  type Change,
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { isAwsError } from '../errors';
import type { Clock } from '../runtime/clock';
import type { DnsAliasTarget, DnsChange, DnsOutcome, DnsRequest } from './request';

/** Route 53 quotas per change batch. */
export const MAX_RECORDS_PER_BATCH = 1000;
export const MAX_VALUE_CHARS_PER_BATCH = 32_000;
/**
 * Route 53 accepts five requests per second per account; at most two writers run at once (serverless.yml: the
 * mapping's maximum concurrency), so each keeps its calls 400 ms apart.
 */
export const MIN_MS_BETWEEN_CALLS = 400;

export interface WriterPorts {
  route53: Route53Client;
  clock: Clock;
}

interface Entry {
  request: number;
  change: DnsChange;
}

type EntryResult = 'applied' | 'gone' | 'foreign' | { failed: string } | 'retry';

const weight = (c: DnsChange) => (c.action === 'UPSERT' ? 2 : 1);
const recordsOf = (c: DnsChange) => (c.alias ? 1 : c.values.length) * weight(c);
const charsOf = (c: DnsChange) => c.values.reduce((n, v) => n + v.length, 0) * weight(c);
const keyOf = (c: DnsChange) => `${normalise(c.name)}|${c.type}`;
const normalise = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** Packs one zone's entries into batches within the quotas, never the same name and type twice in one batch. */
export function packBatches(entries: readonly Entry[]): Entry[][] {
  const batches: { entries: Entry[]; keys: Set<string>; records: number; chars: number }[] = [];
  for (const entry of entries) {
    const key = keyOf(entry.change);
    const records = recordsOf(entry.change);
    const chars = charsOf(entry.change);
    // The first batch that has room and does not touch this name yet; later changes to a name go to later batches.
    const lastWithKey = batches.findLastIndex((b) => b.keys.has(key));
    let batch = batches.find(
      (b, i) =>
        i > lastWithKey && b.records + records <= MAX_RECORDS_PER_BATCH && b.chars + chars <= MAX_VALUE_CHARS_PER_BATCH,
    );
    if (!batch) {
      batch = { entries: [], keys: new Set(), records: 0, chars: 0 };
      batches.push(batch);
    }
    batch.entries.push(entry);
    batch.keys.add(key);
    batch.records += records;
    batch.chars += chars;
  }
  return batches.map((b) => b.entries);
}

export interface WriteReport {
  /** One outcome per request, in order; undefined for a request that must be retried (redelivered). */
  outcomes: (DnsOutcome | undefined)[];
  calls: number;
}

/** Applies every request's changes; a request whose changes hit a retryable error is left for redelivery. */
export async function writeChanges(requests: readonly DnsRequest[], ports: WriterPorts): Promise<WriteReport> {
  const results = new Map<Entry, EntryResult>();
  const byZone = new Map<string, Entry[]>();
  requests.forEach((request, index) => {
    for (const change of request.changes) {
      byZone.set(change.zoneId, [...(byZone.get(change.zoneId) ?? []), { request: index, change }]);
    }
  });
  const pacer = createPacer(ports.clock);
  for (const [zoneId, entries] of byZone) {
    for (const batch of packBatches(entries)) {
      await apply(zoneId, batch, ports, pacer, results);
    }
  }
  const outcomes = requests.map((_, index): DnsOutcome | undefined => {
    const mine = [...results].filter(([entry]) => entry.request === index);
    if (mine.some(([, result]) => result === 'retry')) return undefined;
    const outcome: DnsOutcome = { applied: [], gone: [], foreign: [], failed: [] };
    for (const [entry, result] of mine) {
      if (result === 'applied') outcome.applied.push(entry.change.name);
      else if (result === 'gone') outcome.gone.push(entry.change.name);
      else if (result === 'foreign') outcome.foreign.push(entry.change.name);
      else if (typeof result === 'object') outcome.failed.push({ name: entry.change.name, reason: result.failed });
    }
    return outcome;
  });
  return { outcomes, calls: pacer.calls };
}

async function apply(
  zoneId: string,
  batch: readonly Entry[],
  ports: WriterPorts,
  pacer: Pacer,
  results: Map<Entry, EntryResult>,
): Promise<void> {
  try {
    await pacer.call(() =>
      ports.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Comment: 'fleetpilot', Changes: batch.map((e) => toChange(e.change)) },
        }),
      ),
    );
    for (const entry of batch) results.set(entry, 'applied');
  } catch (error) {
    if (isAwsError(error, 'InvalidChangeBatch', 'InvalidInput')) {
      if (batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await apply(zoneId, batch.slice(0, half), ports, pacer, results);
        await apply(zoneId, batch.slice(half), ports, pacer, results);
        return;
      }
      const [entry] = batch as [Entry];
      results.set(entry, await refused(zoneId, entry.change, error as Error, ports, pacer));
      return;
    }
    if (isAwsError(error, 'NoSuchHostedZone')) {
      for (const entry of batch)
        results.set(entry, { failed: `${(error as Error).name}: ${(error as Error).message}` });
      return;
    }
    // Throttling, 5xx, a network error after the SDK's own retries: leave these for redelivery.
    for (const entry of batch) results.set(entry, 'retry');
  }
}

/** A single change Route 53 refused. For a DELETE, one read tells "already gone" and "not ours any more" apart. */
async function refused(
  zoneId: string,
  change: DnsChange,
  error: Error,
  ports: WriterPorts,
  pacer: Pacer,
): Promise<EntryResult> {
  const reason = `${error.name}: ${error.message}`;
  if (change.action !== 'DELETE') return { failed: reason };
  let out: ListResourceRecordSetsCommandOutput;
  try {
    out = await pacer.call(() =>
      ports.route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: change.name,
          StartRecordType: change.type,
          MaxItems: 1,
        }),
      ),
    );
  } catch (readError) {
    if (isAwsError(readError, 'InvalidInput', 'NoSuchHostedZone')) {
      return { failed: `${(readError as Error).name}: ${(readError as Error).message}` };
    }
    // Throttling, 5xx after the SDK's retries: as for a change, this request is left for redelivery; the error must
    // not escape and fail every other request of the batch.
    return 'retry';
  }
  const current = out.ResourceRecordSets?.[0];
  if (!current || normalise(current.Name ?? '') !== normalise(change.name) || current.Type !== change.type) {
    return 'gone';
  }
  if (change.alias) {
    // An alias whose target differs now is someone else's; the same target refused is a real failure.
    return sameAliasTarget(current.AliasTarget, change.alias) ? { failed: reason } : 'foreign';
  }
  const values = (current.ResourceRecords ?? []).map((r) => r.Value ?? '').sort();
  const ours = [...change.values].sort();
  if (current.AliasTarget || values.length !== ours.length || values.some((v, i) => v !== ours[i])) return 'foreign';
  if (current.TTL === change.ttl) return { failed: reason };
  // Our values under another TTL (the config's TTL changed since the record was written): delete what is there.
  try {
    await pacer.call(() =>
      ports.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Comment: 'fleetpilot', Changes: [toChange({ ...change, ttl: current.TTL ?? change.ttl })] },
        }),
      ),
    );
    return 'applied';
  } catch (retryError) {
    if (isAwsError(retryError, 'InvalidChangeBatch', 'InvalidInput')) {
      return { failed: `${(retryError as Error).name}: ${(retryError as Error).message}` };
    }
    return 'retry';
  }
}

const toChange = (c: DnsChange): Change => ({
  Action: c.action,
  ResourceRecordSet: c.alias
    ? {
        Name: c.name,
        Type: c.type,
        AliasTarget: {
          HostedZoneId: c.alias.hostedZoneId,
          DNSName: c.alias.dnsName,
          EvaluateTargetHealth: c.alias.evaluateTargetHealth,
        },
      }
    : { Name: c.name, Type: c.type, TTL: c.ttl, ResourceRecords: c.values.map((Value) => ({ Value })) },
});

/** Route 53 answers alias DNS names lower-case with a trailing dot. */
export function sameAliasTarget(current: AliasTarget | undefined, wanted: DnsAliasTarget): boolean {
  return (
    current !== undefined &&
    current.HostedZoneId === wanted.hostedZoneId &&
    normalise(current.DNSName ?? '') === normalise(wanted.dnsName) &&
    current.EvaluateTargetHealth === wanted.evaluateTargetHealth
  );
}

interface Pacer {
  calls: number;
  call<T>(fn: () => Promise<T>): Promise<T>;
}

/** Keeps this writer's Route 53 calls at least MIN_MS_BETWEEN_CALLS apart. */
function createPacer(clock: Clock): Pacer {
  let last = Number.NEGATIVE_INFINITY;
  const pacer: Pacer = {
    calls: 0,
    async call(fn) {
      const wait = last + MIN_MS_BETWEEN_CALLS - clock.now();
      if (wait > 0) await clock.sleep(wait);
      last = clock.now();
      pacer.calls += 1;
      return fn();
    },
  };
  return pacer;
}
