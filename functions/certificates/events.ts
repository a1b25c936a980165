/**
 * ACM's EventBridge events, parsed at the boundary (ACM user guide, "Amazon EventBridge support for ACM",
 * https://docs.aws.amazon.com/acm/latest/userguide/supported-events.html): source aws.acm, the certificate ARN in
 * resources[0]. Approaching Expiration carries DaysToExpiry and CommonName only — in the current sample and in the
 * older one the guide printed before October 2022 (events/acm-certificate-approaching-expiration-legacy.json), which
 * is why nothing else is required of it. The other three carry more (CertificateType, DomainValidationMethod,
 * RenewalStatusReason, ...), all optional here: the handler asks DescribeCertificate and believes that, not the
 * event. AWS's samples use placeholder words ("region", "account", "certificate_ID") in the ARN, so the ARN is only
 * required to look like an ACM certificate ARN; the handler acts only on ARNs the config names.
 */
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';

export const ACM_DETAIL_TYPES = {
  'ACM Certificate Approaching Expiration': 'approaching',
  'ACM Certificate Renewal Action Required': 'action-required',
  'ACM Certificate Expired': 'expired',
  'ACM Certificate Available': 'available',
} as const;

export type AcmEventType = (typeof ACM_DETAIL_TYPES)[keyof typeof ACM_DETAIL_TYPES];

const acmEventSchema = z.object({
  id: z.string().min(1).max(128),
  source: z.literal('aws.acm'),
  'detail-type': z.enum(Object.keys(ACM_DETAIL_TYPES) as [keyof typeof ACM_DETAIL_TYPES]),
  time: z.string().max(64),
  resources: z
    .array(z.string().regex(/^arn:[^:]+:acm:[^:]*:[^:]*:certificate\/[\w-]{1,128}$/, 'expected an ACM certificate ARN'))
    .min(1)
    .max(10),
  detail: z.object({
    DaysToExpiry: z.number().int().min(0).max(100_000).optional(),
    CommonName: z.string().max(512).optional(),
    RenewalStatusReason: z.string().max(128).optional(),
    Action: z.string().max(32).optional(),
    CertificateType: z.string().max(32).optional(),
  }),
});

export interface AcmEvent {
  eventId: string;
  type: AcmEventType;
  certificateArn: string;
  daysToExpiry?: number;
  commonName?: string;
  renewalStatusReason?: string;
  action?: string;
}

export function parseAcmEvent(event: unknown): AcmEvent {
  const parsed = acmEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      'ACM certificate',
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const type = ACM_DETAIL_TYPES[e['detail-type']];
  if (type === 'approaching' && e.detail.DaysToExpiry === undefined) {
    throw new EventValidationError('ACM certificate', ['detail.DaysToExpiry: required in Approaching Expiration']);
  }
  return {
    eventId: e.id,
    type,
    certificateArn: e.resources[0] ?? '',
    ...(e.detail.DaysToExpiry !== undefined ? { daysToExpiry: e.detail.DaysToExpiry } : {}),
    ...(e.detail.CommonName !== undefined ? { commonName: e.detail.CommonName } : {}),
    ...(e.detail.RenewalStatusReason !== undefined ? { renewalStatusReason: e.detail.RenewalStatusReason } : {}),
    ...(e.detail.Action !== undefined ? { action: e.detail.Action } : {}),
  };
}

/** The audit's input (EventBridge Scheduler passes it as is) or a manual run: `{"fleetpilot":"certificates","action":"audit"}`. */
const auditRequestSchema = z.object({
  fleetpilot: z.literal('certificates'),
  action: z.literal('audit'),
});

export function parseAuditRequest(event: unknown): void {
  const parsed = auditRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new EventValidationError(
      'certificate audit request',
      parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
}

export function auditRequest(): string {
  return JSON.stringify({ fleetpilot: 'certificates', action: 'audit' });
}
