/**
 * What a capability asks of the one Route 53 writer: a set of record changes, and optionally where to send the
 * outcome (a continuation envelope, whose `result.dns` the writer fills). Every record change of every capability
 * goes through the writer, so that one function (reserved concurrency 1) decides how many calls Route 53 sees.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { type Continuation, continuationSchema, envelope, sendContinuations } from '../continuation/envelope';

export const DNS_REQUEST_KIND = 'dns.change';

/**
 * An alias target (Route 53 API reference, AliasTarget): the target's hosted zone id (for a load balancer, its
 * CanonicalHostedZoneId, not the zone the record lives in), its DNS name, and whether Route 53 answers with the target
 * only while it is healthy.
 */
const aliasSchema = z.object({
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'expected a hosted zone id such as Z32O12XQLNTSW2'),
  dnsName: z.string().min(1).max(1024),
  evaluateTargetHealth: z.boolean(),
});

export type DnsAliasTarget = z.output<typeof aliasSchema>;

/**
 * One record change: either a plain record (`ttl` and `values`) or an alias (`alias`, A or AAAA, no TTL and no values:
 * Route 53 refuses an alias record set with TTL or ResourceRecords — API reference, ResourceRecordSet and
 * ResourceRecord: "If you're creating an alias resource record set, omit ResourceRecord"). A DELETE of an alias must
 * name the alias target the record has now, as a DELETE of a plain record names its values.
 */
const changeSchema = z
  .object({
    action: z.enum(['UPSERT', 'DELETE']),
    zoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'expected a hosted zone id such as Z0123456789ABCDEFGHIJ'),
    name: z.string().min(1).max(255),
    type: z.enum(['A', 'AAAA', 'CNAME', 'TXT']),
    ttl: z.number().int().min(0).max(2_147_483_647).optional(),
    values: z.array(z.string().min(1).max(4000)).max(100).default([]),
    alias: aliasSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.alias) {
      if (c.ttl !== undefined || c.values.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['alias'], message: 'an alias change has no ttl and no values' });
      }
      if (c.type !== 'A' && c.type !== 'AAAA') {
        ctx.addIssue({ code: 'custom', path: ['type'], message: 'fleetpilot writes alias records of type A or AAAA' });
      }
    } else {
      if (c.ttl === undefined) ctx.addIssue({ code: 'custom', path: ['ttl'], message: 'a record change needs a ttl' });
      if (c.values.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['values'], message: 'a record change needs at least one value' });
      }
    }
  });

export type DnsChange = z.output<typeof changeSchema>;

/** The payload of a `dns.change` envelope on the writer's queue. */
export const dnsRequestSchema = z.object({
  /** Who asks and for what, e.g. "web launch i-0abc…": used in the writer's logs and failure report. */
  what: z.string().min(1).max(300),
  service: z.string().max(64).optional(),
  changes: z.array(changeSchema).min(1).max(100),
  answerTo: continuationSchema.optional(),
});

export type DnsRequest = Omit<z.output<typeof dnsRequestSchema>, 'answerTo'> & { answerTo?: Continuation };

/** The writer's answer for one request, in `answerTo.envelope.result.dns`. */
export interface DnsOutcome {
  /** Record names written (UPSERT) or deleted. */
  applied: string[];
  /** DELETEs of records that were already gone. */
  gone: string[];
  /** DELETEs left alone because Route 53 holds other values under the name now. */
  foreign: string[];
  /** Changes Route 53 refused, with its reason. */
  failed: { name: string; reason: string }[];
}

export const dnsOutcomeSchema: z.ZodType<DnsOutcome> = z.object({
  applied: z.array(z.string()),
  gone: z.array(z.string()),
  foreign: z.array(z.string()),
  failed: z.array(z.object({ name: z.string(), reason: z.string() })),
});

/** Queues requests for the writer (ten per SendMessageBatch). */
export async function requestDnsChanges(
  sqs: SQSClient,
  dnsQueueUrl: string,
  requests: readonly DnsRequest[],
): Promise<void> {
  if (requests.length === 0) return;
  await sendContinuations(
    sqs,
    requests.map((r) => ({
      queueUrl: dnsQueueUrl,
      envelope: envelope(DNS_REQUEST_KIND, r),
      delaySeconds: 0,
    })),
  );
}
