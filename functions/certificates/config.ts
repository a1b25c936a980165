/**
 * The certificate capability's part of the config (`services[].certificateWatch`, optional): when to warn about
 * expiry, whether to repair DNS validation records, which load balancers' HTTPS listeners to audit, and when the
 * daily audit runs. The certificates themselves are the base's `services[].certificates` (ARNs); the site name is the
 * base's `services[].site`. shared/config/schema.ts composes it with the base.
 */
import * as z from 'zod';
import { configSection } from '../../shared/config/section';

/** Application Load Balancer ARNs (ELB API reference, LoadBalancer.LoadBalancerArn). */
const loadBalancerArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
    'expected an Application Load Balancer ARN such as arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
  );

/** EventBridge Scheduler cron: six fields, one of day-of-month and day-of-week "?" (Scheduler user guide). */
const schedulerCron = z
  .string()
  .regex(/^cron\(.+\)$/, 'expected cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 7 * * ? *)')
  .refine((s) => s.slice(5, -1).trim().split(/\s+/).length === 6, {
    message: 'expected six fields: minutes hours day-of-month month day-of-week year',
  })
  .refine(
    (s) => {
      const fields = s.slice(5, -1).trim().split(/\s+/);
      return (fields[2] === '?') !== (fields[4] === '?');
    },
    { message: 'exactly one of day-of-month (3rd field) and day-of-week (5th field) must be "?"' },
  );

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as Europe/Dublin' },
);

export const DEFAULT_THRESHOLDS = [30, 14, 7, 3, 1];
const AUDIT_DEFAULT = { cron: 'cron(0 7 * * ? *)', timezone: 'UTC' };

export const certificateWatchSchema = z
  .object({
    thresholds: z
      .array(z.number().int().min(1).max(365))
      .min(1)
      .max(10)
      .default(DEFAULT_THRESHOLDS)
      .refine((t) => t.every((d, i) => i === 0 || d < (t[i - 1] ?? 0)), { message: 'expected descending days' })
      .describe('days before expiry at which to notify, severity rising as they shrink'),
    repairValidation: z
      .boolean()
      .default(true)
      .describe('UPSERT a missing or wrong DNS validation CNAME in the configured zone that owns its name'),
    loadBalancers: z
      .array(loadBalancerArn)
      .default([])
      .describe("load balancers whose HTTPS listeners' certificates the audit checks (and whose :80 must redirect)"),
    audit: z
      .object({ cron: schedulerCron.default(AUDIT_DEFAULT.cron), timezone: timeZone.default(AUDIT_DEFAULT.timezone) })
      .strict()
      .default(AUDIT_DEFAULT)
      .describe('when the daily audit runs (EventBridge Scheduler cron with an IANA time zone)'),
    heartbeat: z
      .enum(['off', 'daily', 'weekly'])
      .default('off')
      .describe('send an "all is well" digest when the audit finds nothing (weekly: on Mondays)'),
  })
  .strict();

export type CertificateWatchConfig = z.output<typeof certificateWatchSchema>;

export const certificatesConfig = configSection({
  service: { certificateWatch: certificateWatchSchema.optional() },
  check(config, issues) {
    config.services.forEach((service, i) => {
      const watch = service.certificateWatch;
      if (watch && service.certificates.length === 0 && watch.loadBalancers.length === 0) {
        issues.addIssue({
          code: 'custom',
          path: ['services', i, 'certificateWatch'],
          message: 'nothing to watch: name certificates (services[].certificates) or certificateWatch.loadBalancers',
        });
      }
      const region = config.region;
      watch?.loadBalancers.forEach((arn, j) => {
        if (arn.split(':')[3] !== region) {
          issues.addIssue({
            code: 'custom',
            path: ['services', i, 'certificateWatch', 'loadBalancers', j],
            message: `load balancer in another region than ${region}`,
          });
        }
      });
    });
  },
});
