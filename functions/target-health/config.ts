/**
 * The target health capability's part of the config (`services[].targetHealth`, optional): which of the service's
 * target groups are watched and behind which load balancer (CloudWatch's TargetGroup and LoadBalancer dimensions
 * need both), the alarm thresholds, and the opt-in remediation with its caps. shared/config/schema.ts composes it.
 */
import * as z from 'zod';
import { configSection } from '../../shared/config/section';

/**
 * Application and Network Load Balancer ARNs (ELB API reference, LoadBalancer.LoadBalancerArn):
 * `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/(app|net)/<name>/<id>`. Gateway Load Balancers
 * publish no HealthyHostCount per LoadBalancer+TargetGroup in the same way and are not supported.
 */
const loadBalancerArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net)\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
    'expected an Application or Network Load Balancer ARN such as arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef',
  );

const watchedGroupSchema = z
  .object({
    targetGroup: z.string().min(1).describe('one of the service targetGroups ARNs'),
    loadBalancer: loadBalancerArn.describe('the load balancer that routes to this target group'),
    minHealthy: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('alarm when fewer targets than this are healthy (overrides alarms.minHealthy; 0: no such alarm)'),
  })
  .strict();

export const ALARM_DEFAULTS = { unhealthyMinutes: 3, minHealthy: 1 } as const;
export const REMEDIATION_DEFAULTS = {
  enabled: false,
  afterMinutes: 10,
  maxPerHour: 1,
  maxUnhealthyShare: 0.5,
} as const;

export const targetHealthSchema = z
  .object({
    targetGroups: z.array(watchedGroupSchema).min(1),
    alarms: z
      .object({
        unhealthyMinutes: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(ALARM_DEFAULTS.unhealthyMinutes)
          .describe('alarm when at least one target stays unhealthy for this many consecutive minutes'),
        minHealthy: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(ALARM_DEFAULTS.minHealthy)
          .describe('alarm when fewer targets than this stay healthy for unhealthyMinutes (0: no such alarm)'),
      })
      .strict()
      .default(ALARM_DEFAULTS),
    remediation: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe('mark a lone unhealthy instance Unhealthy in Auto Scaling so the group replaces it'),
        afterMinutes: z
          .number()
          .int()
          .min(1)
          .max(1440)
          .default(REMEDIATION_DEFAULTS.afterMinutes)
          .describe('only after a target stayed unhealthy this many consecutive minutes'),
        maxPerHour: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(REMEDIATION_DEFAULTS.maxPerHour)
          .describe('at most this many replacements per target group per hour (counted from Auto Scaling)'),
        maxUnhealthyShare: z
          .number()
          .min(0)
          .max(1)
          .default(REMEDIATION_DEFAULTS.maxUnhealthyShare)
          .describe('never remedy when more than this share of targets is unhealthy: the failure is systemic'),
      })
      .strict()
      .default(REMEDIATION_DEFAULTS),
  })
  .strict();

export type TargetHealthConfig = z.output<typeof targetHealthSchema>;

/** CloudWatch alarm names: 1–255 characters (CloudWatch API reference, PutMetricAlarm). */
const ALARM_NAME_MAX = 255;

export const targetHealthConfig = configSection({
  service: { targetHealth: targetHealthSchema.optional() },
  check(config, issues) {
    config.services.forEach((service, i) => {
      const th = service.targetHealth;
      if (!th) return;
      const at = (...path: (string | number)[]) => ['services', i, 'targetHealth', ...path];
      const seen = new Set<string>();
      th.targetGroups.forEach((watched, j) => {
        if (!service.targetGroups.includes(watched.targetGroup)) {
          issues.addIssue({
            code: 'custom',
            path: at('targetGroups', j, 'targetGroup'),
            message: 'not one of the service targetGroups (add it there first)',
          });
        }
        if (seen.has(watched.targetGroup)) {
          issues.addIssue({ code: 'custom', path: at('targetGroups', j, 'targetGroup'), message: 'listed twice' });
        }
        seen.add(watched.targetGroup);
        const [, , , lbRegion, lbAccount] = watched.loadBalancer.split(':');
        const [, , , , tgAccount] = watched.targetGroup.split(':');
        if (lbRegion !== config.region) {
          issues.addIssue({
            code: 'custom',
            path: at('targetGroups', j, 'loadBalancer'),
            message: `the load balancer is in ${lbRegion}, not in region ${config.region}`,
          });
        }
        if (tgAccount !== undefined && lbAccount !== tgAccount) {
          issues.addIssue({
            code: 'custom',
            path: at('targetGroups', j, 'loadBalancer'),
            message: 'the load balancer and the target group are in different accounts',
          });
        }
        // A lower bound: the stage is added when packaging (alarms.ts checks the full name then).
        const longest = `fleetpilot-${service.name}-${watched.targetGroup.split('/').slice(1).join('-')}-healthy-low`;
        if (longest.length > ALARM_NAME_MAX) {
          issues.addIssue({
            code: 'custom',
            path: at('targetGroups', j, 'targetGroup'),
            message: `the alarm names would pass ${ALARM_NAME_MAX} characters`,
          });
        }
      });
      if (th.remediation.enabled && th.remediation.afterMinutes < th.alarms.unhealthyMinutes) {
        issues.addIssue({
          code: 'custom',
          path: at('remediation', 'afterMinutes'),
          message: 'must be at least alarms.unhealthyMinutes: a replacement never comes before the alarm',
        });
      }
    });
  },
});
