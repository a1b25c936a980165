/**
 * The certificate capability's part of the config (`services[].certificateWatch`, optional): when to warn about
 * expiry, whether to repair DNS validation records, which load balancers' HTTPS listeners to audit, and when the
 * daily audit runs. The certificates themselves are the base's `services[].certificates` (ARNs); the site name is the
 * base's `services[].site`. shared/config/schema.ts composes it with the base.
 */
import * as z from 'zod';
import { configSection, schedulerCron, timeZone } from '../../shared/config/section';

/** Application Load Balancer ARNs (ELB API reference, LoadBalancer.LoadBalancerArn). */
const loadBalancerArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
    'expected an Application Load Balancer ARN such as arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
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
