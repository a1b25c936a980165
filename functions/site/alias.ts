/**
 * The site alias: keeps `services[].site.domain` an alias A record (and AAAA when the load balancer is dualstack) of the
 * configured load balancer — its DNSName and CanonicalHostedZoneId, with EvaluateTargetHealth — creating it when
 * missing and repairing drift (or, in report mode, only saying what differs).
 *
 * Ownership is proved from Route 53 itself, the way external-dns does it: next to every record it writes, fleetpilot
 * keeps a TXT record `_fleetpilot.<domain>` whose value names the service (`"fleetpilot site service=web"`). A record
 * at the site name without that TXT is someone else's: it is reported and left alone, unless `adopt` says to take it
 * over (then the TXT is written with it). A separate name (not a TXT at the site name itself) because the site name
 * often carries TXT records of its own (SPF, domain verification) that an UPSERT of the TXT set would overwrite, and
 * an underscore label is never a host name, so it cannot collide with a real record.
 *
 * Every change goes through the one Route 53 writer (shared/dns): the owner TXT and the alias travel in one request,
 * which the writer applies in one change batch (one zone; different names), so they appear together.
 */
import {
  DescribeLoadBalancersCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand, type ResourceRecordSet, type Route53Client } from '@aws-sdk/client-route-53';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type DnsAliasTarget, type DnsChange, requestDnsChanges } from '../../shared/dns/request';
import { sameAliasTarget } from '../../shared/dns/writer';
import { isAwsError } from '../../shared/errors';
import type { Notifier } from '../../shared/notify/notifier';
import type { Mutations } from '../../shared/runtime/mutations';
import { LOAD_BALANCER_ARN, type SiteDnsConfig } from './config';
import { report, type SiteNotice } from './report';

/** The owner record's name prefix and TTL. */
export const OWNER_PREFIX = '_fleetpilot';
export const OWNER_TTL = 300;

/** TXT values are quoted strings (Route 53 developer guide, "Supported DNS record types", TXT). */
export const ownerValue = (service: string): string => `"fleetpilot site service=${service}"`;
export const ownerName = (domain: string): string => `${OWNER_PREFIX}.${domain}`;

export interface SiteTarget {
  service: string;
  domain: string;
  zoneId: string;
  siteDns: SiteDnsConfig;
}

export interface SiteCheckPorts {
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  sqs: SQSClient;
  dnsQueueUrl: string;
  notifier: Notifier;
  log: {
    info(message: string, fields: Record<string, unknown>): void;
    error(message: string, fields: Record<string, unknown>): void;
  };
  mutations: Mutations;
}

type AliasType = 'A' | 'AAAA';

/** What one record type at the site name was found to be, and what was done. */
export type RecordFinding =
  | { type: AliasType; status: 'in-sync' }
  | { type: AliasType; status: 'created' }
  | { type: AliasType; status: 'repaired' | 'adopted' | 'drift' | 'foreign'; was: string }
  | { type: AliasType; status: 'removed'; was: string };

export type SiteCheckResult =
  | { status: 'checked'; service: string; loadBalancer: string; findings: RecordFinding[]; changes: number }
  | { status: 'failed'; service: string; reason: string };

/** Which findings are told: every one (on demand, the daily run) or only those where something changed (hourly). */
export type Verbosity = 'all' | 'changes';

/** Route 53 names: lower case, no trailing dot (and `*` as `\052`, never a site name here). */
const normalise = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** "A → dualstack.web-123.eu-west-1.elb.amazonaws.com (Z32O12XQLNTSW2)" or the record's values. */
export function describeRecord(record: ResourceRecordSet | undefined): string {
  if (!record) return 'no record';
  if (record.AliasTarget) {
    return `alias ${normalise(record.AliasTarget.DNSName ?? '')} (zone ${record.AliasTarget.HostedZoneId}, evaluate health ${record.AliasTarget.EvaluateTargetHealth})`;
  }
  return `${record.Type} ${(record.ResourceRecords ?? []).map((r) => r.Value).join(', ')} (TTL ${record.TTL})`;
}

/** Looks the configured load balancer up by ARN or name; undefined when it does not exist. */
export async function findLoadBalancer(
  elbv2: ElasticLoadBalancingV2Client,
  ref: string,
): Promise<LoadBalancer | undefined> {
  try {
    const out = await elbv2.send(
      new DescribeLoadBalancersCommand(LOAD_BALANCER_ARN.test(ref) ? { LoadBalancerArns: [ref] } : { Names: [ref] }),
    );
    return out.LoadBalancers?.[0];
  } catch (error) {
    if (isAwsError(error, 'LoadBalancerNotFoundException', 'LoadBalancerNotFound')) return undefined;
    throw error;
  }
}

/** The record sets at `name` (every type), read from Route 53. */
async function recordsAt(route53: Route53Client, zoneId: string, name: string): Promise<ResourceRecordSet[]> {
  const out = await route53.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      StartRecordName: name,
      StartRecordType: 'A',
      MaxItems: 20,
    }),
  );
  return (out.ResourceRecordSets ?? []).filter((r) => normalise(r.Name ?? '') === normalise(name) && !r.SetIdentifier);
}

async function isOwner(route53: Route53Client, target: SiteTarget): Promise<boolean> {
  const out = await route53.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: target.zoneId,
      StartRecordName: ownerName(target.domain),
      StartRecordType: 'TXT',
      MaxItems: 1,
    }),
  );
  const txt = out.ResourceRecordSets?.[0];
  return (
    txt !== undefined &&
    normalise(txt.Name ?? '') === normalise(ownerName(target.domain)) &&
    txt.Type === 'TXT' &&
    (txt.ResourceRecords ?? []).some((r) => r.Value === ownerValue(target.service))
  );
}

/** The alias each wanted type should have: the load balancer's DNS name and canonical hosted zone id. */
export function wantedAlias(lb: LoadBalancer, evaluateTargetHealth: boolean): DnsAliasTarget {
  return {
    hostedZoneId: lb.CanonicalHostedZoneId ?? '',
    dnsName: lb.DNSName ?? '',
    evaluateTargetHealth,
  };
}

/** A (always) and AAAA when the load balancer answers over IPv6 (IpAddressType dualstack or dualstack-without-public-ipv4). */
export const wantedTypes = (lb: LoadBalancer): AliasType[] =>
  lb.IpAddressType?.startsWith('dualstack') ? ['A', 'AAAA'] : ['A'];

/** Checks one service's site alias; repairs it (through the Route 53 writer) as the config says. */
export async function checkSiteAlias(
  target: SiteTarget,
  ports: SiteCheckPorts,
  correlationId: string,
  verbosity: Verbosity = 'all',
): Promise<SiteCheckResult> {
  const { service, domain, zoneId, siteDns } = target;
  const lb = await findLoadBalancer(ports.elbv2, siteDns.loadBalancer);
  if (!lb?.DNSName || !lb.CanonicalHostedZoneId) {
    const reason = `load balancer ${siteDns.loadBalancer} not found`;
    // A problem fleetpilot cannot repair persists from one hourly check to the next: the hourly check (verbosity
    // 'changes') tells only what it changed, and the daily report (or a check on demand) says it, once a day.
    ports.log.error('site load balancer not found', { service, loadBalancer: siteDns.loadBalancer, verbosity });
    if (verbosity === 'changes') return { status: 'failed', service, reason };
    await report(ports, {
      severity: 'critical',
      kind: 'site.config.mismatch',
      title: `Site ${domain}: load balancer ${siteDns.loadBalancer} not found`,
      summary:
        'The alias was neither checked nor changed. Fix services[].siteDns.loadBalancer, or create the load balancer.',
      facts: [['Site', domain]],
      service,
      correlationId,
    });
    return { status: 'failed', service, reason };
  }
  const alias = wantedAlias(lb, siteDns.evaluateTargetHealth);
  const [records, owned] = await Promise.all([
    recordsAt(ports.route53, zoneId, domain),
    isOwner(ports.route53, target),
  ]);
  const cname = records.find((r) => r.Type === 'CNAME');
  const repair = siteDns.mode === 'repair';
  const findings: RecordFinding[] = [];
  const changes: DnsChange[] = [];
  const upsert = (type: AliasType): DnsChange => ({ action: 'UPSERT', zoneId, name: domain, type, values: [], alias });

  for (const type of ['A', 'AAAA'] as const) {
    const current = records.find((r) => r.Type === type);
    const wanted = wantedTypes(lb).includes(type);
    if (!wanted) {
      // An AAAA of ours left from when the load balancer was dualstack: delete it with the target it has now.
      if (current?.AliasTarget && owned) {
        const was = describeRecord(current);
        if (repair) {
          changes.push({
            action: 'DELETE',
            zoneId,
            name: domain,
            type,
            values: [],
            alias: {
              hostedZoneId: current.AliasTarget.HostedZoneId ?? '',
              dnsName: current.AliasTarget.DNSName ?? '',
              evaluateTargetHealth: current.AliasTarget.EvaluateTargetHealth ?? false,
            },
          });
          findings.push({ type, status: 'removed', was });
        } else findings.push({ type, status: 'drift', was });
      }
      continue;
    }
    if (current && sameAliasTarget(current.AliasTarget, alias)) {
      findings.push({ type, status: 'in-sync' });
      continue;
    }
    if (!current && cname) {
      // A CNAME cannot live next to an A/AAAA record: someone else's name.
      findings.push({ type, status: 'foreign', was: describeRecord(cname) });
      continue;
    }
    if (!current) {
      if (repair) {
        changes.push(upsert(type));
        findings.push({ type, status: 'created' });
      } else findings.push({ type, status: 'drift', was: 'no record' });
      continue;
    }
    const was = describeRecord(current);
    if (!owned && !siteDns.adopt) findings.push({ type, status: 'foreign', was });
    else if (!repair) findings.push({ type, status: 'drift', was });
    else {
      changes.push(upsert(type));
      findings.push({ type, status: owned ? 'repaired' : 'adopted', was });
    }
  }

  const writesAlias = changes.some((c) => c.action === 'UPSERT');
  if (writesAlias && !owned) {
    changes.unshift({
      action: 'UPSERT',
      zoneId,
      name: ownerName(domain),
      type: 'TXT',
      ttl: OWNER_TTL,
      values: [ownerValue(service)],
    });
  }
  if (changes.length > 0) {
    const description = changes
      .map((c) => `${c.action} ${c.type} ${c.name}${c.alias ? ` → ${c.alias.dnsName}` : ''}`)
      .join('; ');
    await ports.mutations.run(`Route 53 writer: ${description}`, () =>
      requestDnsChanges(ports.sqs, ports.dnsQueueUrl, [{ what: `${service} site alias ${domain}`, service, changes }]),
    );
  }
  ports.log.info('site alias checked', { service, domain, findings, changes: changes.length });
  await reportFindings(target, lb, findings, ports, correlationId, verbosity);
  return {
    status: 'checked',
    service,
    loadBalancer: lb.LoadBalancerName ?? siteDns.loadBalancer,
    findings,
    changes: changes.length,
  };
}

const CHANGED = new Set<RecordFinding['status']>(['created', 'repaired', 'adopted', 'removed']);

/** One notification per kind of finding (created, repaired, adopted, drift, foreign); nothing when all is in sync. */
async function reportFindings(
  target: SiteTarget,
  lb: LoadBalancer,
  findings: readonly RecordFinding[],
  ports: SiteCheckPorts,
  correlationId: string,
  verbosity: Verbosity,
): Promise<void> {
  const { service, domain } = target;
  const lbFacts: [string, string][] = [
    ['Load balancer', `${lb.LoadBalancerName} (${lb.DNSName}, zone ${lb.CanonicalHostedZoneId})`],
  ];
  const told = findings.filter((f) => f.status !== 'in-sync' && (verbosity === 'all' || CHANGED.has(f.status)));
  const was = (f: RecordFinding) => ('was' in f ? f.was : 'no record');
  const notices: SiteNotice[] = [];
  const of = (...statuses: RecordFinding['status'][]) => told.filter((f) => statuses.includes(f.status));
  const facts = (list: RecordFinding[]) => [
    ...list.map((f): [string, string] => [`${f.type} was`, was(f)]),
    ...lbFacts,
  ];
  const created = of('created', 'removed');
  if (created.length > 0) {
    notices.push({
      severity: 'info',
      kind: 'site.alias.created',
      title: `Site ${domain}: alias ${created.map((f) => `${f.type} ${f.status}`).join(', ')}`,
      summary: `The site name now points at the load balancer (alias, EvaluateTargetHealth ${target.siteDns.evaluateTargetHealth}); the Route 53 writer applies the change.`,
      facts: facts(created),
      service,
      correlationId,
    });
  }
  for (const [status, kind, severity, title, summary] of [
    [
      'repaired',
      'site.alias.repaired',
      'warning',
      'alias repaired',
      'The record fleetpilot keeps pointed elsewhere; it points at the load balancer again.',
    ],
    [
      'adopted',
      'site.alias.adopted',
      'warning',
      'record taken over',
      'A record fleetpilot did not create was overwritten (siteDns.adopt: true); fleetpilot owns it from now on.',
    ],
    [
      'drift',
      'site.alias.drift',
      'warning',
      'alias differs (report only)',
      'mode: report — nothing was changed. Set siteDns.mode: repair to let fleetpilot fix it.',
    ],
    [
      'foreign',
      'site.alias.foreign',
      'warning',
      'record not created by fleetpilot left alone',
      `The record at the site name has no ownership record ${ownerName(domain)}; fleetpilot does not change it. Delete it, or set siteDns.adopt: true to take it over.`,
    ],
  ] as const) {
    const list = of(status);
    if (list.length === 0) continue;
    notices.push({
      severity,
      kind,
      title: `Site ${domain}: ${title} (${list.map((f) => f.type).join(', ')})`,
      summary,
      facts: facts(list),
      service,
      correlationId,
    });
  }
  for (const notice of notices) await report(ports, notice, ports.mutations);
}
