/**
 * The AMI refresh capability's part of the config (`services[].amiRefresh`, optional): where new images come from,
 * when to bake, which launch template to version, the instance refresh preferences and the retention of old images.
 * shared/config/schema.ts composes it with the base.
 */
import * as z from 'zod';
import { configSection, schedulerCron, timeZone } from '../../shared/config/section';

/** EC2 instance ids: "i-" and 8 or 17 hex digits (EC2 API reference, Instance.InstanceId). */
const instanceId = z
  .string()
  .regex(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, 'expected an instance id such as i-0123456789abcdef0');

/**
 * DescribeImages Owners: account ids, "self", "amazon" or "aws-marketplace" (EC2 API reference, DescribeImages).
 */
const imageOwner = z
  .string()
  .regex(
    /^(\d{12}|self|amazon|aws-marketplace)$/,
    'expected a 12-digit account id, "self", "amazon" or "aws-marketplace"',
  );

/** Launch template ids are "lt-" and 17 hex digits; names 3–128 of A-Z a-z 0-9 ( ) . - / _ (EC2 API reference). */
const launchTemplate = z.union(
  [
    z
      .object({
        id: z.string().regex(/^lt-[0-9a-f]{17}$/, 'expected a launch template id such as lt-0123456789abcdef0'),
      })
      .strict(),
    z
      .object({
        name: z
          .string()
          .regex(/^[a-zA-Z0-9().\-/_]{3,128}$/, 'expected a launch template name (3–128 of A-Z a-z 0-9 ( ) . - / _)'),
      })
      .strict(),
  ],
  { error: 'expected { id: lt-… } or { name: … }' },
);

/** StartInstanceRefresh Preferences (Auto Scaling API reference, RefreshPreferences). */
const refreshSchema = z
  .object({
    minHealthyPercentage: z.number().int().min(0).max(100).default(90),
    maxHealthyPercentage: z.number().int().min(100).max(200).optional(),
    instanceWarmupSeconds: z.number().int().min(0).optional(),
    skipMatching: z.boolean().default(true),
    checkpointPercentages: z.array(z.number().int().min(1).max(100)).min(1).optional(),
    checkpointDelaySeconds: z.number().int().min(0).max(172800).optional(),
    autoRollback: z.boolean().default(true),
    alarms: z.array(z.string().min(1).max(255)).min(1).max(10).optional().describe('CloudWatch alarm names'),
    scaleInProtectedInstances: z.enum(['Refresh', 'Ignore', 'Wait']).optional(),
    standbyInstances: z.enum(['Terminate', 'Ignore', 'Wait']).optional(),
    whenInProgress: z
      .enum(['wait', 'skip'])
      .default('wait')
      .describe('a refresh already running: wait and start after it, or skip and report'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.maxHealthyPercentage !== undefined && r.maxHealthyPercentage - r.minHealthyPercentage > 100) {
      // RefreshPreferences.MaxHealthyPercentage: "the difference between them cannot be greater than 100".
      ctx.addIssue({
        code: 'custom',
        path: ['maxHealthyPercentage'],
        message: 'maxHealthyPercentage - minHealthyPercentage must be at most 100',
      });
    }
    const cps = r.checkpointPercentages ?? [];
    if (cps.some((p, i) => i > 0 && p <= (cps[i - 1] ?? 0))) {
      ctx.addIssue({ code: 'custom', path: ['checkpointPercentages'], message: 'expected ascending percentages' });
    }
    if (cps.length > 0 && cps[cps.length - 1] !== 100) {
      // Auto Scaling user guide, "Add checkpoints to an instance refresh": to replace every instance the last is 100.
      ctx.addIssue({
        code: 'custom',
        path: ['checkpointPercentages'],
        message: 'the last checkpoint must be 100, or the refresh never replaces the whole group',
      });
    }
    if (r.alarms && !r.autoRollback) {
      ctx.addIssue({
        code: 'custom',
        path: ['alarms'],
        message: 'alarms roll a refresh back only with autoRollback: true',
      });
    }
  });

const refreshDefaults = {
  minHealthyPercentage: 90,
  skipMatching: true,
  autoRollback: true,
  whenInProgress: 'wait' as const,
};

export const amiRefreshSchema = z
  .object({
    source: z.union(
      [
        z
          .object({
            instance: z
              .object({
                instanceId,
                reboot: z
                  .boolean()
                  .default(true)
                  .describe('false: CreateImage with NoReboot (the file systems may be inconsistent)'),
              })
              .strict(),
          })
          .strict(),
        z
          .object({
            adopt: z
              .object({
                owners: z.array(imageOwner).min(1),
                namePrefix: z.string().min(1).max(128).optional(),
                tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
              })
              .strict()
              .refine((a) => a.namePrefix !== undefined || (a.tags && Object.keys(a.tags).length > 0), {
                message: 'name an image by namePrefix, tags or both: owners alone would adopt every image they make',
              }),
          })
          .strict(),
      ],
      {
        error:
          'expected source: { instance: { instanceId, reboot } } or source: { adopt: { owners, namePrefix?, tags? } }',
      },
    ),
    schedule: z
      .object({ cron: schedulerCron, timezone: timeZone })
      .strict()
      .optional()
      .describe('when to bake (EventBridge Scheduler cron with an IANA time zone); instance source only'),
    launchTemplate,
    // Role names: 1–64 of A-Z a-z 0-9 and + = , . @ _ - (IAM API reference, CreateRole, RoleName). Roles with a path
    // are not supported: the ARN iam:PassRole is granted on is built as role/<name>.
    instanceRole: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name (1–64 of A-Z a-z 0-9 + = , . @ _ -), not an ARN')
      .optional()
      .describe(
        "the role in the launch template's instance profile: Auto Scaling checks iam:PassRole on it when fleetpilot starts a refresh",
      ),
    refresh: refreshSchema.default(refreshDefaults),
    retention: z
      .object({
        keepNewest: z.number().int().min(1).max(1000).default(3),
        keepYoungerThanDays: z.number().int().min(0).max(3650).default(14),
      })
      .strict()
      .default({ keepNewest: 3, keepYoungerThanDays: 14 }),
  })
  .strict();

export type AmiRefreshConfig = z.output<typeof amiRefreshSchema>;
export type RefreshConfig = AmiRefreshConfig['refresh'];

export const amiRefreshConfig = configSection({
  service: { amiRefresh: amiRefreshSchema.optional() },
  check(config, issues) {
    config.services.forEach((service, i) => {
      const ami = service.amiRefresh;
      if (ami?.schedule && 'adopt' in ami.source) {
        issues.addIssue({
          code: 'custom',
          path: ['services', i, 'amiRefresh', 'schedule'],
          message:
            'a schedule bakes from a reference instance; an adopted image arrives by its own event (remove schedule)',
        });
      }
    });
  },
});
