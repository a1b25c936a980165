/**
 * The lifecycle capability's part of the config: per-instance DNS records (`services[].dns`) and the waits of the
 * launch and terminate actions (`services[].lifecycle`). shared/config/schema.ts composes it with the base.
 */
import * as z from 'zod';
import { configSection, dnsLabel, seconds } from '../../shared/config/section';

/** Placeholders a per-instance DNS name may use, with the instance fact each one stands for. */
export const namePlaceholders = {
  instanceId: 'the EC2 instance id, e.g. i-0abc12345def67890',
  privateIp: 'the primary private IPv4 address, e.g. 10.0.1.23 (forms four labels)',
  privateIpDashed: 'the private IPv4 address with dashes, e.g. 10-0-1-23',
  publicIp: 'the public IPv4 address (forms four labels)',
  publicIpDashed: 'the public IPv4 address with dashes',
  az: 'the Availability Zone, e.g. eu-west-1a',
  asgName: 'the Auto Scaling group name',
  service: 'the fleetpilot service name',
} as const;
export type NamePlaceholder = keyof typeof namePlaceholders;

/** Placeholders that make a name unique to one instance; every record name must use at least one. */
const perInstancePlaceholders: readonly NamePlaceholder[] = [
  'instanceId',
  'privateIp',
  'privateIpDashed',
  'publicIp',
  'publicIpDashed',
];

/**
 * Record TTLs. Route 53 accepts 0–2147483647 s (API reference, ResourceRecordSet.TTL), but 0 defeats resolver
 * caching (every lookup goes to Route 53) and more than two days keeps a terminated instance's address in caches long
 * after its records are deleted, so fleetpilot refuses both.
 */
const ttlSeconds = z
  .number()
  .int()
  .min(1, 'TTL 0 makes every lookup reach Route 53 (no caching); use at least 1 s')
  .max(172800, "more than 2 days (172800 s) keeps a terminated instance's address in resolver caches; use less");

export const dnsRecordSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe(`a name pattern; placeholders: ${Object.keys(namePlaceholders).join(', ')} in braces`),
    zone: z.string().min(1).describe('a key of hostedZones'),
    value: z.enum(['privateIp', 'publicIp']).default('privateIp').describe('which address the A record points to'),
    ttl: ttlSeconds.optional().describe('overrides dns.ttl for this record'),
  })
  .strict();

/**
 * Lifecycle hook names: 1–255 characters of letters, digits, "-", "_" and "/" (Auto Scaling API reference,
 * PutLifecycleHook, LifecycleHookName: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html).
 */
const hookName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9\-_/]+$/, 'expected a lifecycle hook name (1–255 of A-Z a-z 0-9 - _ /)');

/** One name, or a list (e.g. while a hook is renamed); always a list once parsed. */
const hookNames = (fallback: string) =>
  z
    .union([hookName, z.array(hookName).min(1)])
    .default(fallback)
    .transform((names) => (typeof names === 'string' ? [names] : names));

export const DEFAULT_HOOKS = { launch: 'fleetpilot-launch', terminate: 'fleetpilot-terminate' } as const;

/** The most a lifecycle action can wait, heartbeats included (Auto Scaling API reference, LifecycleHook.GlobalTimeout). */
const HOOK_MAX_LIFETIME_S = 172800;

export const lifecycleSchema = z
  .object({
    launch: z
      .object({
        runningTimeoutSeconds: seconds(30, 3600).default(300).describe('how long an instance may stay pending'),
        healthyTimeoutSeconds: z
          .number()
          .int()
          .min(30)
          .max(
            HOOK_MAX_LIFETIME_S,
            'longer than a lifecycle hook can wait (48 h, heartbeats included): the hook would end by its DefaultResult first',
          )
          .default(900)
          .describe('deadline, from the launch event, for healthy in every target group; then ABANDON'),
      })
      .strict()
      .default({ runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 }),
    terminate: z
      .object({
        drainTimeoutSeconds: z
          .number()
          .int()
          .max(172800)
          .min(
            1,
            '0 continues the terminate hook before draining starts, cutting every open connection; use at least 1',
          )
          .default(330)
          .describe('how long to wait for draining before CONTINUE anyway (with a warning)'),
      })
      .strict()
      .default({ drainTimeoutSeconds: 330 }),
    pollIntervalSeconds: seconds(1, 300).default(10).describe('how often target health is checked while waiting'),
    hooks: z
      .object({
        launch: hookNames(DEFAULT_HOOKS.launch).describe(
          'the launch lifecycle hook(s) fleetpilot answers; other hooks of the group are left to their owners',
        ),
        terminate: hookNames(DEFAULT_HOOKS.terminate).describe(
          'the terminate lifecycle hook(s) fleetpilot answers; other hooks of the group are left to their owners',
        ),
      })
      .strict()
      .default({ launch: [DEFAULT_HOOKS.launch], terminate: [DEFAULT_HOOKS.terminate] }),
  })
  .strict()
  .default({
    launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 },
    terminate: { drainTimeoutSeconds: 330 },
    pollIntervalSeconds: 10,
    hooks: { launch: [DEFAULT_HOOKS.launch], terminate: [DEFAULT_HOOKS.terminate] },
  });

export const lifecycleConfig = configSection({
  service: {
    dns: z
      .object({
        ttl: ttlSeconds.default(60),
        records: z.array(dnsRecordSchema).default([]),
      })
      .strict()
      .default({ ttl: 60, records: [] }),
    lifecycle: lifecycleSchema,
  },
  check(config, issues) {
    const zoneKeys = Object.keys(config.hostedZones);
    config.services.forEach((service, i) => {
      if (service.targetGroups.length === 0 && service.dns.records.length === 0) {
        issues.addIssue({
          code: 'custom',
          path: ['services', i],
          message:
            'no targetGroups and no dns.records: every launch would be continued without any check; name at least one',
        });
      }
      service.dns.records.forEach((record, j) => {
        const path = ['services', i, 'dns', 'records', j];
        const zone = config.hostedZones[record.zone];
        if (!zone) {
          issues.addIssue({
            code: 'custom',
            path: [...path, 'zone'],
            message: `unknown hosted zone "${record.zone}" (expected one of: ${zoneKeys.join(', ') || 'none defined'})`,
          });
          return;
        }
        for (const problem of checkNamePattern(record.name, zone.domain)) {
          issues.addIssue({ code: 'custom', path: [...path, 'name'], message: problem });
        }
        if (record.value === 'privateIp' && !zone.private) {
          issues.addIssue({
            code: 'custom',
            path: [...path, 'value'],
            message: `privateIp records would publish private addresses in "${record.zone}", a public zone (set private: true on the zone if it is private)`,
          });
        }
        if (record.value === 'publicIp' && zone.private) {
          // Allowed by Route 53, but almost always a mistake worth a clear message.
          issues.addIssue({
            code: 'custom',
            path: [...path, 'value'],
            message: `publicIp records belong in a public zone; "${record.zone}" is private`,
          });
        }
      });
    });
  },
});

export type DnsRecordConfig = z.output<typeof dnsRecordSchema>;

/**
 * Whether a lifecycle action's hook is one fleetpilot answers for this service. IAM cannot tell hooks of one group
 * apart (no hook-name condition key), so this check is what keeps fleetpilot off other teams' hooks.
 */
export function ownsHook(
  service: { lifecycle: { hooks: { launch: readonly string[]; terminate: readonly string[] } } },
  transition: 'launch' | 'terminate',
  name: string,
): boolean {
  return service.lifecycle.hooks[transition].includes(name);
}

/** The handler's answer to an action of a hook fleetpilot does not own: logged, nothing parked, nothing called. */
export function ignoreHook(log: { info(message: string): void }, hookName: string) {
  log.info(`ignored: lifecycle hook ${hookName} is not one fleetpilot answers (services[].lifecycle.hooks)`);
  return { status: 'ignored' as const, reason: `hook ${hookName} is not owned by fleetpilot` };
}

/** Sample values used to check that a name pattern renders to a valid DNS name. */
const sampleFacts: Record<NamePlaceholder, string> = {
  instanceId: 'i-0123456789abcdef0',
  privateIp: '10.0.1.23',
  privateIpDashed: '10-0-1-23',
  publicIp: '203.0.113.7',
  publicIpDashed: '203-0-113-7',
  az: 'eu-west-1a',
  asgName: 'web-asg',
  service: 'web',
};

/** Returns the problems of a record name pattern (empty when it is fine). */
export function checkNamePattern(pattern: string, zoneDomain: string): string[] {
  const problems: string[] = [];
  const used = [...pattern.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] ?? '');
  const unknown = used.filter((p) => !(p in namePlaceholders));
  if (unknown.length > 0) {
    problems.push(
      `unknown placeholder ${unknown.map((p) => `{${p}}`).join(', ')} (expected: ${Object.keys(namePlaceholders)
        .map((p) => `{${p}}`)
        .join(', ')})`,
    );
    return problems;
  }
  if (!used.some((p) => (perInstancePlaceholders as readonly string[]).includes(p))) {
    problems.push(
      `"${pattern}" is the same for every instance; use {instanceId} or an IP placeholder so each instance gets its own name`,
    );
  }
  const sample = renderName(pattern, sampleFacts);
  if (!sample.split('.').every((label) => dnsLabel.test(label)) || sample.length > 253) {
    problems.push(`"${pattern}" does not render to a valid DNS name (e.g. "${sample}")`);
  }
  if (sample !== zoneDomain && !sample.endsWith(`.${zoneDomain}`)) {
    problems.push(`"${pattern}" is not inside its hosted zone's domain "${zoneDomain}"`);
  }
  return problems;
}

/** Substitutes placeholders; lower-cases the result and drops a trailing dot. */
export function renderName(pattern: string, facts: Readonly<Record<NamePlaceholder, string>>): string {
  return pattern
    .replace(/\{([^}]*)\}/g, (_, key: string) => facts[key as NamePlaceholder] ?? `{${key}}`)
    .toLowerCase()
    .replace(/\.$/, '');
}
