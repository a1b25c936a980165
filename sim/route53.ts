/**
 * Simulated Amazon Route 53: hosted zones, record sets, changes.
 *
 * Modelled (Route 53 API reference, ChangeResourceRecordSets / ListResourceRecordSets / GetChange):
 * - ChangeResourceRecordSets is atomic: every change is checked, in order, against a working copy of
 *   the zone (so DELETE then CREATE of the same record in one batch works, deleting it twice does not);
 *   only if all pass is the copy committed. Errors are InvalidChangeBatch with the texts AWS returns:
 *   "Tried to create resource record set [name='…', type='…'] but it already exists",
 *   "Tried to delete resource record set [name='…', type='…'] but it was not found",
 *   "… but the values provided do not match the current values",
 *   "RRSet with DNS name … is not permitted in zone …", and the CNAME-conflict texts.
 *   A DELETE must match TTL, values, alias target and routing fields of the current record.
 * - At most 1,000 ResourceRecord elements per request, UPSERT counting twice (Route 53 developer guide,
 *   "Quotas", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html).
 * - Names are case-insensitive, stored with a trailing dot; `*` is returned as the escape `\052`
 *   (developer guide, "DNS domain name format").
 * - ChangeInfo is PENDING, then INSYNC after `propagationMs` (default 30 s) of virtual time.
 * - ListResourceRecordSets orders by DNS name with labels reversed, then by type; StartRecordName /
 *   StartRecordType / MaxItems (default and max 300) and NextRecordName / NextRecordType.
 * - Every zone starts with its NS and SOA records, like a real one.
 * - Rate limit: a token bucket over all Route 53 requests of the account. Default: five requests per
 *   second, the limit in the developer guide's quotas and in the knowledge-center article "How can I avoid
 *   Route 53 API throttling errors?" (https://repost.aws/knowledge-center/route-53-avoid-throttling-errors):
 *   HTTP 400, code Throttling, message "Rate exceeded". AWS has since moved to a per-account bucket of
 *   50 with a refill of 10 per second ("Throttling for Amazon Route 53 API requests",
 *   https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html): pass
 *   `rateLimit: { burst: 50, perSecond: 10 }` to model that instead, or `false` to switch it off.
 *
 * - Alias records (API reference, ResourceRecordSet and AliasTarget): a record set has either an AliasTarget or TTL
 *   and ResourceRecords, never both and never neither — InvalidInput "Invalid request: Expected exactly one of
 *   [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found …" (the text AWS returns).
 *   The target must exist: a load balancer of the account whose CanonicalHostedZoneId is the alias HostedZoneId and
 *   whose DNSName is the alias DNSName (with or without the "dualstack." prefix), or a record of one of the
 *   account's zones; else InvalidChangeBatch "Tried to create an alias that targets <name>, type <type> in zone
 *   <zone>, but the alias target name does not lie within the target zone". EvaluateTargetHealth is required.
 *   DELETE compares the alias target like values (sameRecord).
 *
 * Approximated: value syntax (IP addresses, TXT quoting) is not validated; no PriorRequestNotComplete
 * unless injected as a fault; weighted/latency routing fields are compared but do not change ordering.
 */
import {
  type Change,
  type ChangeInfo,
  type ChangeResourceRecordSetsCommandInput,
  type ChangeResourceRecordSetsCommandOutput,
  type GetChangeCommandInput,
  type GetChangeCommandOutput,
  type GetHostedZoneCommandInput,
  type GetHostedZoneCommandOutput,
  InvalidChangeBatch,
  InvalidInput,
  type ListHostedZonesByNameCommandInput,
  type ListHostedZonesByNameCommandOutput,
  type ListResourceRecordSetsCommandInput,
  type ListResourceRecordSetsCommandOutput,
  NoSuchChange,
  NoSuchHostedZone,
  type ResourceRecordSet,
  Route53ServiceException,
  type RRType,
} from '@aws-sdk/client-route-53';
import { byCodeUnit, cloneData, lookupIn, type OperationTable, type SimContext, type SimService } from './context';
import { SimConfigError, serviceError } from './errors';

export interface ZoneSpec {
  name: string;
  /** A fixed zone id (a stack declared from a fleetpilot config). */
  id?: string;
  private?: boolean;
  vpcId?: string;
  /** Records present from the start (besides NS and SOA). */
  records?: ResourceRecordSet[];
}

/** Does a target other than a record exist (a load balancer of the account: sim/elbv2.ts)? */
export type AliasTargetResolver = (hostedZoneId: string, dnsName: string) => boolean;

export interface Route53Options {
  /** Token bucket; default five requests per second (burst 5). `false` disables throttling. */
  rateLimit?: { burst: number; perSecond: number } | false;
  /** PENDING → INSYNC, ms; default 30,000. */
  propagationMs?: number;
}

interface SimZone {
  id: string;
  name: string;
  private: boolean;
  vpcId?: string;
  callerReference: string;
  records: Map<string, ResourceRecordSet>;
}

interface SimChange {
  id: string;
  status: 'PENDING' | 'INSYNC';
  submittedAt: number;
  comment?: string;
}

type Route53Operations = {
  ChangeResourceRecordSets: readonly [ChangeResourceRecordSetsCommandInput, ChangeResourceRecordSetsCommandOutput];
  ListResourceRecordSets: readonly [ListResourceRecordSetsCommandInput, ListResourceRecordSetsCommandOutput];
  GetChange: readonly [GetChangeCommandInput, GetChangeCommandOutput];
  GetHostedZone: readonly [GetHostedZoneCommandInput, GetHostedZoneCommandOutput];
  ListHostedZonesByName: readonly [ListHostedZonesByNameCommandInput, ListHostedZonesByNameCommandOutput];
};

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MAX_RECORDS_PER_BATCH = 1000;

/** Lower-case, trailing dot, `*` as `\052`. */
export const normaliseName = (name: string): string => {
  const lower = name.trim().toLowerCase().replaceAll('*', '\\052');
  return lower.endsWith('.') ? lower : `${lower}.`;
};

const labelsReversed = (name: string): string[] => name.replace(/\.$/, '').split('.').reverse();

const compareNames = (a: string, b: string): number => {
  const left = labelsReversed(a);
  const right = labelsReversed(b);
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const order = byCodeUnit(left[index] ?? '', right[index] ?? '');
    if (order !== 0) return order;
  }
  return left.length - right.length;
};

const recordKey = (name: string, type: string, setIdentifier?: string): string =>
  `${name}|${type}|${setIdentifier ?? ''}`;

const describe = (record: ResourceRecordSet): string =>
  `[name='${record.Name}', type='${record.Type}'${record.SetIdentifier !== undefined ? `, set-identifier='${record.SetIdentifier}'` : ''}]`;

const valuesOf = (record: ResourceRecordSet): string[] =>
  (record.ResourceRecords ?? []).map((rr) => rr.Value ?? '').sort(byCodeUnit);

/** Same record for a DELETE: everything but the order of values must match. */
const sameRecord = (a: ResourceRecordSet, b: ResourceRecordSet): boolean =>
  a.TTL === b.TTL &&
  JSON.stringify(valuesOf(a)) === JSON.stringify(valuesOf(b)) &&
  JSON.stringify(a.AliasTarget ? { ...a.AliasTarget, DNSName: normaliseName(a.AliasTarget.DNSName ?? '') } : null) ===
    JSON.stringify(b.AliasTarget ? { ...b.AliasTarget, DNSName: normaliseName(b.AliasTarget.DNSName ?? '') } : null) &&
  a.Weight === b.Weight &&
  a.Region === b.Region &&
  a.Failover === b.Failover &&
  a.HealthCheckId === b.HealthCheckId &&
  a.MultiValueAnswer === b.MultiValueAnswer;

export class Route53Service implements SimService {
  readonly name = 'route53' as const;
  private readonly zones = new Map<string, SimZone>();
  private readonly changes = new Map<string, SimChange>();
  private readonly bucket: { burst: number; perSecond: number; tokens: number; updatedAt: number } | undefined;
  private readonly propagationMs: number;

  constructor(
    private readonly ctx: SimContext,
    specs: ZoneSpec[],
    options: Route53Options = {},
    private readonly aliasTargetExists: AliasTargetResolver = () => false,
  ) {
    const limit = options.rateLimit === undefined ? { burst: 5, perSecond: 5 } : options.rateLimit;
    this.bucket = limit === false ? undefined : { ...limit, tokens: limit.burst, updatedAt: ctx.now() };
    this.propagationMs = options.propagationMs ?? 30_000;
    for (const spec of specs) this.createZone(spec);
  }

  private readonly table: OperationTable<Route53Operations> = {
    ChangeResourceRecordSets: (input) => this.changeResourceRecordSets(input),
    ListResourceRecordSets: (input) => this.listResourceRecordSets(input),
    GetChange: (input) => this.getChange(input),
    GetHostedZone: (input) => this.getHostedZone(input),
    ListHostedZonesByName: (input) => this.listHostedZonesByName(input),
  };

  private readonly lookup = lookupIn(this.table);

  /** Every Route 53 request takes a token first: the limit is per account, across operations. */
  operationHandler(operation: string): ((input: unknown) => unknown) | undefined {
    const handler = this.lookup(operation);
    if (!handler) return undefined;
    return (input: unknown) => {
      this.takeToken();
      return handler(input);
    };
  }

  // ---- sim-side API ----

  createZone(spec: ZoneSpec): string {
    const name = normaliseName(spec.name);
    let id = spec.id ?? `Z${this.ctx.ids.chars(ID_ALPHABET, 20)}`;
    if (spec.id !== undefined && this.zones.has(spec.id))
      throw new SimConfigError(`duplicate hosted zone id ${spec.id}`);
    while (this.zones.has(id)) id = `Z${this.ctx.ids.chars(ID_ALPHABET, 20)}`;
    const zone: SimZone = {
      id,
      name,
      private: spec.private ?? false,
      ...(spec.vpcId !== undefined ? { vpcId: spec.vpcId } : {}),
      callerReference: this.ctx.ids.uuid(),
      records: new Map(),
    };
    const ns = [1, 2, 3, 4].map((index) => ({
      Value: `ns-${100 * index + this.ctx.ids.int(100)}.awsdns-${this.ctx.ids.int(64)}.${['com', 'net', 'org', 'co.uk'][index - 1]}.`,
    }));
    zone.records.set(recordKey(name, 'NS'), { Name: name, Type: 'NS', TTL: 172800, ResourceRecords: ns });
    zone.records.set(recordKey(name, 'SOA'), {
      Name: name,
      Type: 'SOA',
      TTL: 900,
      ResourceRecords: [{ Value: `${ns[0]?.Value} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }],
    });
    for (const record of spec.records ?? []) {
      const normalised = { ...record, Name: normaliseName(record.Name ?? '') };
      zone.records.set(recordKey(normalised.Name, normalised.Type ?? '', normalised.SetIdentifier), normalised);
    }
    this.zones.set(id, zone);
    return id;
  }

  /**
   * A record someone wrote outside the simulation's callers (the stack's owner when the stack was made): no change
   * batch, no rate limit, no propagation delay. Replaces a record of the same name, type and set identifier.
   */
  putRecord(zoneId: string, record: ResourceRecordSet): void {
    const zone = this.zones.get(zoneId);
    if (!zone) throw new SimConfigError(`unknown hosted zone ${zoneId}`);
    const normalised = { ...cloneData(record), Name: normaliseName(record.Name ?? '') };
    zone.records.set(recordKey(normalised.Name, normalised.Type ?? '', normalised.SetIdentifier), normalised);
  }

  zoneIdOf(name: string): string {
    const wanted = normaliseName(name);
    const zone = [...this.zones.values()].find((candidate) => candidate.name === wanted);
    if (!zone) throw new SimConfigError(`unknown hosted zone ${name}`);
    return zone.id;
  }

  /** Plain view for snapshots: records sorted the way ListResourceRecordSets sorts them. */
  view(): Array<{ id: string; name: string; private: boolean; records: ResourceRecordSet[] }> {
    return [...this.zones.values()]
      .sort((a, b) => compareNames(a.name, b.name) || byCodeUnit(a.id, b.id))
      .map((zone) => ({
        id: zone.id,
        name: zone.name,
        private: zone.private,
        records: this.sorted(zone).map((record) => cloneData(record)),
      }));
  }

  // ---- operations ----

  private changeResourceRecordSets(input: ChangeResourceRecordSetsCommandInput) {
    const zone = this.mustZone(input.HostedZoneId);
    const changes = input.ChangeBatch?.Changes ?? [];
    if (changes.length === 0) {
      throw serviceError(InvalidInput, { message: 'Invalid request: Missing field ChangeBatch.Changes' });
    }
    const recordCount = changes.reduce(
      (sum, change) =>
        sum + (change.ResourceRecordSet?.ResourceRecords?.length ?? 0) * (change.Action === 'UPSERT' ? 2 : 1),
      0,
    );
    if (recordCount > MAX_RECORDS_PER_BATCH) {
      throw this.invalidBatch([`Number of records limit of ${MAX_RECORDS_PER_BATCH} exceeded.`]);
    }
    const working = new Map(zone.records);
    const problems: string[] = [];
    for (const change of changes) {
      const problem = this.applyTo(zone, working, change);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) throw this.invalidBatch(problems);
    zone.records = working;
    const change: SimChange = {
      id: `C${this.ctx.ids.chars(ID_ALPHABET, 20)}`,
      status: 'PENDING',
      submittedAt: this.ctx.now(),
      ...(input.ChangeBatch?.Comment !== undefined ? { comment: input.ChangeBatch.Comment } : {}),
    };
    this.changes.set(change.id, change);
    this.ctx.schedule(this.propagationMs, () => {
      change.status = 'INSYNC';
    });
    return { ChangeInfo: this.changeInfo(change) };
  }

  /** Check one change against the working copy and apply it there; return the problem, if any. */
  private applyTo(zone: SimZone, working: Map<string, ResourceRecordSet>, change: Change): string | undefined {
    const given = change.ResourceRecordSet;
    if (!given?.Name || !given.Type) return 'Invalid request: ResourceRecordSet must have Name and Type';
    const record: ResourceRecordSet = { ...cloneData(given), Name: normaliseName(given.Name) };
    const name = record.Name ?? '';
    if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
      return `RRSet with DNS name ${name} is not permitted in zone ${zone.name}`;
    }
    const shape = this.shapeProblem(change.Action, record);
    if (shape) throw serviceError(InvalidInput, { message: shape });
    const key = recordKey(name, record.Type ?? '', record.SetIdentifier);
    const current = working.get(key);
    switch (change.Action) {
      case 'CREATE':
      case 'UPSERT': {
        if (change.Action === 'CREATE' && current)
          return `Tried to create resource record set ${describe(record)} but it already exists`;
        const missingTarget = this.aliasTargetProblem(zone, working, record);
        if (missingTarget) return missingTarget;
        const conflict = this.cnameConflict(zone, working, record);
        if (conflict) return conflict;
        working.set(key, record);
        return undefined;
      }
      case 'DELETE':
        if (!current) return `Tried to delete resource record set ${describe(record)} but it was not found`;
        if (!sameRecord(current, record)) {
          return `Tried to delete resource record set ${describe(record)} but the values provided do not match the current values`;
        }
        working.delete(key);
        return undefined;
      default:
        return `Invalid request: unknown Action ${String(change.Action)}`;
    }
  }

  /** An alias or a plain record set, exactly one of the two (an InvalidInput, refused before any check of the batch). */
  private shapeProblem(action: string | undefined, record: ResourceRecordSet): string | undefined {
    const plain = record.TTL !== undefined || (record.ResourceRecords?.length ?? 0) > 0;
    const where = `in Change with [Action=${action}, Name=${record.Name}, Type=${record.Type}, SetIdentifier=${record.SetIdentifier ?? 'null'}]`;
    if (record.AliasTarget && plain) {
      return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one ${where}`;
    }
    if (!record.AliasTarget && (record.TTL === undefined || (record.ResourceRecords?.length ?? 0) === 0)) {
      return `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none ${where}`;
    }
    if (record.AliasTarget && record.AliasTarget.EvaluateTargetHealth === undefined) {
      return `Invalid request: Missing field 'EvaluateTargetHealth' in AliasTarget ${where}`;
    }
    return undefined;
  }

  /** An alias must target something that exists: a load balancer (by its canonical zone) or a record of a zone. */
  private aliasTargetProblem(
    zone: SimZone,
    working: Map<string, ResourceRecordSet>,
    record: ResourceRecordSet,
  ): string | undefined {
    const target = record.AliasTarget;
    if (!target) return undefined;
    const targetZoneId = (target.HostedZoneId ?? '').replace(/^\/hostedzone\//, '');
    const targetName = normaliseName(target.DNSName ?? '');
    const records = targetZoneId === zone.id ? working : this.zones.get(targetZoneId)?.records;
    const found = records
      ? [...records.values()].some((other) => other.Name === targetName)
      : this.aliasTargetExists(targetZoneId, targetName.replace(/\.$/, '').replace(/^dualstack\./, ''));
    if (found) return undefined;
    return `Tried to create an alias that targets ${targetName}, type ${record.Type} in zone ${targetZoneId}, but the alias target name does not lie within the target zone`;
  }

  private cnameConflict(
    zone: SimZone,
    working: Map<string, ResourceRecordSet>,
    record: ResourceRecordSet,
  ): string | undefined {
    const sameName = [...working.values()].filter(
      (other) => other.Name === record.Name && other.SetIdentifier === record.SetIdentifier,
    );
    if (record.Type === 'CNAME') {
      if (sameName.some((other) => other.Type !== 'CNAME')) {
        return `RRSet of type CNAME with DNS name ${record.Name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`;
      }
    } else if (sameName.some((other) => other.Type === 'CNAME')) {
      return `RRSet of type ${record.Type} with DNS name ${record.Name} is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone ${zone.name}`;
    }
    return undefined;
  }

  private listResourceRecordSets(input: ListResourceRecordSetsCommandInput) {
    const zone = this.mustZone(input.HostedZoneId);
    if (input.StartRecordType !== undefined && input.StartRecordName === undefined) {
      throw serviceError(InvalidInput, { message: 'The input is not valid: StartRecordType requires StartRecordName' });
    }
    const maxItems = Math.min(input.MaxItems ?? 300, 300);
    const all = this.sorted(zone);
    let start = 0;
    if (input.StartRecordName !== undefined) {
      const startName = normaliseName(input.StartRecordName);
      const startType = input.StartRecordType ?? '';
      start = all.findIndex((record) => {
        const byName = compareNames(record.Name ?? '', startName);
        return byName > 0 || (byName === 0 && byCodeUnit(record.Type ?? '', startType) >= 0);
      });
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + maxItems);
    const next = all[start + maxItems];
    return {
      ResourceRecordSets: page.map((record) => cloneData(record)),
      IsTruncated: next !== undefined,
      MaxItems: maxItems,
      ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type as RRType } : {}),
      ...(next?.SetIdentifier !== undefined ? { NextRecordIdentifier: next.SetIdentifier } : {}),
    };
  }

  private getChange(input: GetChangeCommandInput) {
    const id = (input.Id ?? '').replace(/^\/change\//, '');
    const change = this.changes.get(id);
    if (!change)
      throw serviceError(NoSuchChange, { message: `A change with the specified change ID ${id} does not exist.` });
    return { ChangeInfo: this.changeInfo(change) };
  }

  private getHostedZone(input: GetHostedZoneCommandInput) {
    const zone = this.mustZone(input.Id);
    const ns = zone.records.get(recordKey(zone.name, 'NS'));
    return {
      HostedZone: {
        Id: `/hostedzone/${zone.id}`,
        Name: zone.name,
        CallerReference: zone.callerReference,
        Config: { PrivateZone: zone.private },
        ResourceRecordSetCount: zone.records.size,
      },
      ...(zone.private
        ? { VPCs: [{ VPCRegion: this.ctx.region as never, VPCId: zone.vpcId ?? 'vpc-0sim' }] }
        : {
            DelegationSet: {
              NameServers: (ns?.ResourceRecords ?? []).map((rr) => (rr.Value ?? '').replace(/\.$/, '')),
            },
          }),
    };
  }

  private listHostedZonesByName(input: ListHostedZonesByNameCommandInput) {
    const maxItems = Math.min(input.MaxItems ?? 100, 100);
    const all = [...this.zones.values()].sort((a, b) => compareNames(a.name, b.name) || byCodeUnit(a.id, b.id));
    let start = 0;
    if (input.DNSName !== undefined) {
      const wanted = normaliseName(input.DNSName);
      start = all.findIndex((zone) => compareNames(zone.name, wanted) >= 0);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + maxItems);
    const next = all[start + maxItems];
    return {
      HostedZones: page.map((zone) => ({
        Id: `/hostedzone/${zone.id}`,
        Name: zone.name,
        CallerReference: zone.callerReference,
        Config: { PrivateZone: zone.private },
        ResourceRecordSetCount: zone.records.size,
      })),
      ...(input.DNSName !== undefined ? { DNSName: input.DNSName } : {}),
      IsTruncated: next !== undefined,
      MaxItems: maxItems,
      ...(next ? { NextDNSName: next.name, NextHostedZoneId: next.id } : {}),
    };
  }

  // ---- helpers ----

  private takeToken(): void {
    const bucket = this.bucket;
    if (!bucket) return;
    const now = this.ctx.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * bucket.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      throw serviceError(Route53ServiceException, { code: 'Throttling', message: 'Rate exceeded', status: 400 });
    }
    bucket.tokens -= 1;
  }

  private sorted(zone: SimZone): ResourceRecordSet[] {
    return [...zone.records.values()].sort(
      (a, b) =>
        compareNames(a.Name ?? '', b.Name ?? '') ||
        byCodeUnit(a.Type ?? '', b.Type ?? '') ||
        byCodeUnit(a.SetIdentifier ?? '', b.SetIdentifier ?? ''),
    );
  }

  private changeInfo(change: SimChange): ChangeInfo {
    return {
      Id: `/change/${change.id}`,
      Status: change.status,
      SubmittedAt: new Date(change.submittedAt),
      ...(change.comment !== undefined ? { Comment: change.comment } : {}),
    };
  }

  private invalidBatch(messages: string[]): Error {
    return serviceError(InvalidChangeBatch, {
      message: messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`,
      extra: { messages },
    });
  }

  private mustZone(idOrPath: string | undefined): SimZone {
    const id = (idOrPath ?? '').replace(/^\/hostedzone\//, '');
    const zone = this.zones.get(id);
    if (!zone) throw serviceError(NoSuchHostedZone, { message: `No hosted zone found with ID: ${id}` });
    return zone;
  }
}
