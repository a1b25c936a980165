/**
 * What the site functions take, parsed with zod (a mismatch names the field):
 * - the scheduled or manual check `{ "fleetpilot": "site", "action": "check", "service"?, "report"? }` (EventBridge
 *   Scheduler passes its configured input as is; `npm run invoke` sends it by hand); without `service`, every service
 *   with a siteDns section; `report: "changes"` (the hourly schedule) tells only what was changed;
 * - "ACM Certificate Available" (source aws.acm; the certificate ARN is `resources[0]`; detail Action, CertificateType,
 *   CommonName, DomainValidationMethod, dates, DaysToExpiry, InUse, Exported: ACM user guide, "Amazon EventBridge
 *   support for ACM"). Only the ARN is used; the names come from DescribeCertificate.
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

export const CERTIFICATE_AVAILABLE = 'ACM Certificate Available';

const certificateArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'expected an ACM certificate ARN');

const availableSchema = z.object({
  id: z.string().min(1).max(128),
  source: z.literal('aws.acm'),
  'detail-type': z.literal(CERTIFICATE_AVAILABLE),
  resources: z.array(certificateArn).min(1).max(1),
  detail: z.object({ CommonName: z.string().max(1024).optional() }),
});

const requestSchema = z.object({
  fleetpilot: z.literal('site'),
  action: z.literal('check'),
  service: z.string().min(1).max(32).optional(),
  report: z.enum(['all', 'changes']).default('all'),
});

export type SiteRequest = z.output<typeof requestSchema>;

export interface CertificateAvailable {
  eventId: string;
  certificateArn: string;
}

function parseWith<T>(schema: z.ZodType<T>, event: unknown, what: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      what,
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data;
}

export function parseSiteRequest(event: unknown): SiteRequest {
  return parseWith(requestSchema, event, 'site check request');
}

export function parseCertificateAvailable(event: unknown): CertificateAvailable {
  const e = parseWith(availableSchema, event, CERTIFICATE_AVAILABLE);
  return { eventId: e.id, certificateArn: e.resources[0] as string };
}
