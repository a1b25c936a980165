/**
 * A hosted zone that answers aws-sdk-client-mock's Route 53 calls the way Route 53 does, for unit tests of the writer:
 *
 * - ChangeResourceRecordSets applies a batch atomically or refuses it whole with InvalidChangeBatch: a DELETE of a
 *   record that does not exist or whose TTL or values differ, two changes to the same name and type in one batch, an
 *   A record whose value is not an IPv4 address (Route 53 API reference, ChangeResourceRecordSets, "Errors").
 * - ListResourceRecordSets lists in Route 53's order, names with their labels reversed (com.example.www.) and then by
 *   type, starting at the first record set whose name is at or after StartRecordName (and, for that same name, whose
 *   type is at or after StartRecordType): not only an exact match (Route 53 API reference, ListResourceRecordSets,
 *   "Sort order" and "Specifying where to start listing records").
 */
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** A fully qualified name with a trailing dot, lower case, as Route 53 returns it. */
export const fqdn = (name: string) => `${name.toLowerCase().replace(/\.$/, '')}.`;

/** Route 53's listing key: labels reversed, trailing dot kept (com.example.www.). */
const orderKey = (name: string) => `${fqdn(name).slice(0, -1).split('.').reverse().join('.')}.`;

const compare = (a: ResourceRecordSet, b: { Name?: string; Type?: string }) => {
  const ka = orderKey(a.Name ?? '');
  const kb = orderKey(b.Name ?? '');
  if (ka !== kb) return ka < kb ? -1 : 1;
  const ta = a.Type ?? '';
  const tb = b.Type ?? '';
  return ta === tb ? 0 : ta < tb ? -1 : 1;
};

export interface FakeZones {
  /** The record sets of a zone, in Route 53's listing order. */
  records(zoneId: string): ResourceRecordSet[];
  put(zoneId: string, set: ResourceRecordSet): void;
  /** Every ChangeResourceRecordSets batch Route 53 accepted, in order. */
  accepted: { zoneId: string; changes: Change[] }[];
}

export const aRecord = (name: string, value: string | string[], ttl = 60): ResourceRecordSet => ({
  Name: fqdn(name),
  Type: 'A',
  TTL: ttl,
  ResourceRecords: (Array.isArray(value) ? value : [value]).map((Value) => ({ Value })),
});

const sameValues = (a: ResourceRecordSet, b: ResourceRecordSet) => {
  const va = (a.ResourceRecords ?? []).map((r) => r.Value).sort();
  const vb = (b.ResourceRecords ?? []).map((r) => r.Value).sort();
  return va.length === vb.length && va.every((v, i) => v === vb[i]);
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

const refuse = (message: string) =>
  new InvalidChangeBatch({ message, messages: [message], $metadata: { httpStatusCode: 400 } });

/** Plugs fake zones into a Route 53 client mock (the mock's other stubs, e.g. rejections, can still be added). */
export function fakeRoute53(r53: AwsClientStub<Route53Client>): FakeZones {
  const zones = new Map<string, ResourceRecordSet[]>();
  const zone = (id: string) => {
    const sets = zones.get(id) ?? [];
    zones.set(id, sets);
    return sets;
  };
  const accepted: FakeZones['accepted'] = [];

  const change = (input: ChangeResourceRecordSetsCommandInput) => {
    const id = input.HostedZoneId ?? '';
    const next = zone(id).map((s) => structuredClone(s));
    const seen = new Set<string>();
    for (const c of input.ChangeBatch?.Changes ?? []) {
      const set = { ...c.ResourceRecordSet, Name: fqdn(c.ResourceRecordSet?.Name ?? '') } as ResourceRecordSet;
      const key = `${set.Name}|${set.Type}`;
      if (seen.has(key)) {
        throw refuse(
          `The request contains an invalid set of changes for a resource record set '${set.Type} ${set.Name}'`,
        );
      }
      seen.add(key);
      const bad = set.Type === 'A' ? (set.ResourceRecords ?? []).find((r) => !IPV4.test(r.Value ?? '')) : undefined;
      if (bad)
        throw refuse(`ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${bad.Value}'`);
      const at = next.findIndex((s) => compare(s, set) === 0);
      if (c.Action === 'DELETE') {
        const current = next[at];
        if (!current) {
          throw refuse(
            `Tried to delete resource record set [name='${set.Name}', type='${set.Type}'] but it was not found`,
          );
        }
        if (current.TTL !== set.TTL || !sameValues(current, set)) {
          throw refuse(
            `Tried to delete resource record set [name='${set.Name}', type='${set.Type}'] but the values provided do not match the current values`,
          );
        }
        next.splice(at, 1);
      } else if (c.Action === 'CREATE' && at >= 0) {
        throw refuse(
          `Tried to create resource record set [name='${set.Name}', type='${set.Type}'] but it already exists`,
        );
      } else if (at >= 0) {
        next[at] = set;
      } else {
        next.push(set);
      }
    }
    next.sort(compare);
    zones.set(id, next);
    accepted.push({ zoneId: id, changes: structuredClone(input.ChangeBatch?.Changes ?? []) });
    return { ChangeInfo: { Id: `/change/C${accepted.length}`, Status: 'PENDING' as const, SubmittedAt: new Date(0) } };
  };

  const list = (input: ListResourceRecordSetsCommandInput) => {
    const sets = zone(input.HostedZoneId ?? '');
    const start = input.StartRecordName
      ? sets.findIndex((s) => {
          const byName = compare(s, { Name: input.StartRecordName });
          return byName > 0 || (byName === 0 && (s.Type ?? '') >= (input.StartRecordType ?? ''));
        })
      : 0;
    const max = input.MaxItems ? Number(input.MaxItems) : 300;
    const page = start < 0 ? [] : sets.slice(start, start + max);
    const rest = start < 0 ? undefined : sets[start + max];
    return {
      ResourceRecordSets: structuredClone(page),
      IsTruncated: rest !== undefined,
      MaxItems: String(max),
      ...(rest ? { NextRecordName: rest.Name, NextRecordType: rest.Type } : {}),
    };
  };

  r53
    .on(ChangeResourceRecordSetsCommand)
    .callsFake(async (input: ChangeResourceRecordSetsCommandInput) => change(input));
  r53.on(ListResourceRecordSetsCommand).callsFake(async (input: ListResourceRecordSetsCommandInput) => list(input));

  return {
    records: (id) => structuredClone(zone(id)),
    put(id, set) {
      const sets = zone(id).filter((s) => compare(s, set) !== 0);
      sets.push({ ...set, Name: fqdn(set.Name ?? '') });
      sets.sort(compare);
      zones.set(id, sets);
    },
    accepted,
  };
}
