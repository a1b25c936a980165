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

export const dnsRecordSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe(`a name pattern; placeholders: ${Object.keys(namePlaceholders).join(', ')} in braces`),
    zone: z.string().min(1).describe('a key of hostedZones'),
    value: z.enum(['privateIp', 'publicIp']).default('privateIp').describe('which address the A record points to'),
    ttl: seconds(0, 2147483647).optional().describe('overrides dns.ttl for this record'),
  })
  .strict();

export const lifecycleSchema = z
  .object({
    launch: z
      .object({
        runningTimeoutSeconds: seconds(30, 3600).default(300).describe('how long an instance may stay pending'),
        healthyTimeoutSeconds: seconds(30, 172800)
          .default(900)
          .describe('deadline, from the launch event, for healthy in every target group; then ABANDON'),
      })
      .strict()
      .default({ runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 }),
    terminate: z
      .object({
        drainTimeoutSeconds: seconds(0, 172800)
          .default(330)
          .describe('how long to wait for draining before CONTINUE anyway (with a warning)'),
      })
      .strict()
      .default({ drainTimeoutSeconds: 330 }),
    pollIntervalSeconds: seconds(1, 300).default(10).describe('how often target health is checked while waiting'),
  })
  .strict()
  .default({
    launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 },
    terminate: { drainTimeoutSeconds: 330 },
    pollIntervalSeconds: 10,
  });

export const lifecycleConfig = configSection({
  service: {
    dns: z
      .object({
        ttl: seconds(0, 2147483647).default(60),
        records: z.array(dnsRecordSchema).default([]),
      })
      .strict()
      .default({ ttl: 60, records: [] }),
    lifecycle: lifecycleSchema,
  },
  check(config, issues) {
    const zoneKeys = Object.keys(config.hostedZones);
    config.services.forEach((service, i) => {
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
