/**
 * The lifecycle core's working parts, shared by its launch and terminate steps: one action while a batch is worked
 * on (`Work`), how an error of a step is classified (retry later with back-off, the action gone, a failure), parking
 * in the continuation queue, asking the Route 53 writer, one call per target group for many actions, and notices.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients } from '../../shared/aws/clients';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import { type Envelope, envelope, MAX_DELAY_S, type Outgoing } from '../../shared/continuation/envelope';
import { type DnsOutcome, type DnsRequest, dnsOutcomeSchema } from '../../shared/dns/request';
import { isTransient } from '../../shared/errors';
import type { Notifier } from '../../shared/notify/notifier';
import type { Clock } from '../../shared/runtime/clock';
import type { Mutations } from '../../shared/runtime/mutations';
import type { LifecycleCache } from './cache';
import { dnsChanges } from './dns';
import type { GroupMembership } from './instance';
import { LIFECYCLE_STEP, type Phase, type Progress } from './progress';
import type { Notice } from './report';
import { groupHealth, type TargetHealth } from './targets';

export interface LifecycleDeps {
  clients: Pick<AwsClients, 'ec2' | 'autoScaling' | 'elbv2' | 'sqs'>;
  config: FleetpilotConfig;
  notifier: Notifier;
  clock: Clock;
  continuationQueueUrl: string;
  dnsQueueUrl: string;
  cache: LifecycleCache;
  log: Logger;
}

export type Outcome =
  | { status: 'continued'; dryRun: boolean }
  | { status: 'abandoned'; reason: string }
  | { status: 'waiting'; phase: Phase }
  | { status: 'skipped'; reason: string }
  | { status: 'already-done' }
  | { status: 'failed'; reason: string };

/** One action of the batch, as it arrived. */
export interface Incoming {
  progress: Progress;
  service: ServiceConfig;
  hops: number;
  retries: number;
  /** What a spine service answered (the Route 53 writer's outcome under `dns`). */
  result?: unknown;
}

/** One action while the batch is worked on. */
export interface Work extends Incoming {
  p: Progress;
  mutations: Mutations;
  /** Set once this invocation is done with the action. */
  outcome?: Outcome;
  /** Park in the continuation queue for this many seconds (with `outcome` waiting). */
  parkS?: number;
  /** Ask the Route 53 writer, and continue when it answers. */
  dns?: DnsRequest;
  /** A failure that retrying cannot fix: the launch is abandoned / the terminate reported. */
  failure?: unknown;
  /** The action stopped being pending while we worked on it. */
  gone?: boolean;
  /** Parked after a retryable error (the envelope counts consecutive retries). */
  retrying?: boolean;
  /** What this action reports; the batch sends them together (one notification per kind and service in a burst). */
  notices: Notice[];
}

/** Consecutive retryable failures continued through the queue before the error goes to Lambda's retries. */
const MAX_QUEUED_RETRIES = 8;

/**
 * Runs one stage for a group of works; an error of a shared call is the error of every work in the group. With
 * 'rethrow', an error that is neither retryable nor "action gone" leaves the stage instead of failing the works.
 */
export async function guarded(
  ws: Work[],
  deps: LifecycleDeps,
  stage: (ws: Work[]) => Promise<void>,
  unknownErrors: 'fail' | 'rethrow' = 'fail',
): Promise<void> {
  if (ws.length === 0) return;
  try {
    await stage(ws);
  } catch (error) {
    if (unknownErrors === 'rethrow' && !isTransient(error) && !(error instanceof ActionGoneError)) throw error;
    for (const w of ws.filter((x) => !x.outcome && !x.failure && !x.gone && x.parkS === undefined && !x.dns)) {
      onError(w, error, deps);
    }
  }
}

export async function perWork(w: Work, deps: LifecycleDeps, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (w.outcome) return;
    if (isTransient(error)) retryLater(w, error, deps);
    else throw error;
  }
}

export function onError(w: Work, error: unknown, deps: LifecycleDeps): void {
  if (error instanceof ActionGoneError) w.gone = true;
  else if (isTransient(error)) retryLater(w, error, deps);
  else {
    deps.log.error('lifecycle step failed', { error, instanceId: w.p.action.instanceId });
    w.failure = error;
  }
}

/** Signals that the action stopped being pending while we were working on it. */
class ActionGoneError extends Error {
  override readonly name = 'ActionGoneError';
}

/** Why an action is not ours to answer, from what Auto Scaling says about the instance (undefined: it is). */
export function foreignMember(w: Work, member: GroupMembership | undefined): string | undefined {
  if (member && member.group !== w.p.action.groupName) {
    return `instance ${w.p.action.instanceId} belongs to group ${member.group}, not ${w.p.action.groupName} as the event says`;
  }
  return undefined;
}

/** One DescribeTargetHealth per target group of the batch. */
export async function healthOf(
  ws: readonly Work[],
  deps: LifecycleDeps,
): Promise<Map<string, Map<string, TargetHealth>>> {
  const arns = [...new Set(ws.flatMap((w) => w.service.targetGroups))];
  const health = new Map<string, Map<string, TargetHealth>>();
  for (const arn of arns) health.set(arn, await groupHealth(deps.clients.elbv2, arn));
  return health;
}

/** One call per target group (and dry-run setting) for all the works that belong in it. */
export async function perTargetGroup(
  ws: readonly Work[],
  call: (arn: string, instanceIds: string[], mutations: Mutations) => Promise<void>,
): Promise<void> {
  for (const [arn, group] of byTargetGroup(ws)) {
    for (const [mutations, members] of byMutations(group)) {
      await call(
        arn,
        members.map((w) => w.p.action.instanceId),
        mutations,
      );
    }
  }
}

function byTargetGroup(ws: readonly Work[]): Map<string, Work[]> {
  const groups = new Map<string, Work[]>();
  for (const w of ws) for (const arn of w.service.targetGroups) groups.set(arn, [...(groups.get(arn) ?? []), w]);
  return groups;
}

/** Works that share a dry-run setting share one call; each keeps its own record of what was done. */
function byMutations(ws: readonly Work[]): [Mutations, Work[]][] {
  const out: [Mutations, Work[]][] = [];
  for (const dryRun of [false, true]) {
    const members = ws.filter((w) => w.mutations.dryRun === dryRun);
    const [first] = members;
    if (!first) continue;
    out.push([
      {
        dryRun,
        done: [],
        skipped: [],
        async run(description, call) {
          const result =
            members.length === 1 ? first.mutations.run(description, call) : sharedRun(members, description, call);
          return result;
        },
      },
      members,
    ]);
  }
  return out;
}

async function sharedRun<T>(members: readonly Work[], description: string, call: () => Promise<T>) {
  const [first, ...rest] = members as [Work, ...Work[]];
  const result = await first.mutations.run(description, call);
  for (const w of rest) (w.mutations.dryRun ? w.mutations.skipped : w.mutations.done).push(description);
  return result;
}

export function askWriter(
  w: Work,
  deps: LifecycleDeps,
  action: 'UPSERT' | 'DELETE',
  records: Progress['records'],
  what: string,
  answer = true,
): void {
  w.dns = {
    what: `${w.service.name} ${what}`,
    service: w.service.name,
    changes: dnsChanges(action, records),
    ...(answer
      ? { answerTo: { queueUrl: deps.continuationQueueUrl, envelope: envelope(LIFECYCLE_STEP, w.p, w.hops + 1, 0) } }
      : {}),
  };
  if (answer) w.outcome = { status: 'waiting', phase: w.p.phase };
}

export function writerAnswer(w: Work): DnsOutcome | undefined {
  const dns = (w.result as { dns?: unknown } | undefined)?.dns;
  if (dns === undefined) return undefined;
  const parsed = dnsOutcomeSchema.safeParse(dns);
  return parsed.success
    ? parsed.data
    : {
        applied: [],
        gone: [],
        foreign: [],
        failed: [{ name: '?', reason: 'the writer answered in an unknown shape' }],
      };
}

export function parkFor(w: Work, deps: LifecycleDeps, delayS: number): void {
  w.parkS = Math.max(0, Math.min(MAX_DELAY_S, delayS));
  w.outcome = { status: 'waiting', phase: w.p.phase };
  deps.log.debug('parked', { instanceId: w.p.action.instanceId, phase: w.p.phase, delaySeconds: w.parkS });
}

export function park(w: Work, deps: LifecycleDeps): Outgoing {
  return {
    queueUrl: deps.continuationQueueUrl,
    envelope: envelope(LIFECYCLE_STEP, w.p, w.hops + 1, w.retrying ? w.retries : 0) as Envelope,
    delaySeconds: w.parkS ?? 0,
    subject: w.p.action.instanceId,
  };
}

/**
 * A retryable error (throttling, 5xx) that outlasted the SDK's own retries: continue later through the queue, with
 * exponential back-off and a per-instance spread. Lambda's own async retries come at fixed delays, so a burst of
 * throttled instances would retry in lockstep; a hook also needs heartbeats while it waits. After
 * MAX_QUEUED_RETRIES the error goes to Lambda's retries and then the dead-letter queue.
 */
function retryLater(w: Work, error: unknown, deps: LifecycleDeps): void {
  if (w.retries >= MAX_QUEUED_RETRIES) throw error;
  const base = Math.min(MAX_DELAY_S / 2, w.service.lifecycle.pollIntervalSeconds * 2 ** w.retries);
  const delayS = Math.round(base + base * spread(`${w.p.action.instanceId}:${w.retries}`));
  deps.log.warn('retryable error after the SDK retries; continuing later', {
    error,
    delaySeconds: delayS,
    retries: w.retries + 1,
  });
  w.retries += 1;
  w.failure = undefined;
  w.parkS = delayS;
  w.outcome = { status: 'waiting', phase: w.p.phase };
  w.retrying = true;
}

/** A stable fraction in [0, 1) for a key (FNV-1a), to spread retries of different instances apart. */
export function spread(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

export const pollS = (w: Work) => w.service.lifecycle.pollIntervalSeconds;

export function skipped(w: Work, deps: LifecycleDeps, reason: string): Outcome {
  deps.log.info('nothing to do', { reason, instanceId: w.p.action.instanceId });
  return { status: 'skipped', reason };
}

export function notice(
  w: Work,
  deps: LifecycleDeps,
  severity: Notice['severity'],
  kind: Notice['kind'],
  title: string,
  summary: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): void {
  w.notices.push({
    severity,
    kind,
    title,
    summary,
    extra,
    action: w.p.action,
    service: w.service,
    hops: w.hops,
    mutations: w.mutations,
    region: deps.config.region,
  });
}

export const seconds = (ms: number) => Math.round(ms / 1000);
