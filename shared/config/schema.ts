/**
 * The one source of truth for fleetpilot's YAML config. serverless.yml (through deploy/config.cjs), the handlers at
 * cold start, the simulated account and the generated JSON Schema (schema/fleetpilot.schema.json) all use it.
 */
import * as z from 'zod';

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

const dnsLabel = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/;
const domainName = z
  .string()
  .min(1)
  .max(253)
  .transform((s) => s.toLowerCase().replace(/\.$/, ''))
  .refine((s) => s.split('.').every((label) => dnsLabel.test(label)), {
    message: 'expected a DNS name such as internal.example.com (labels of a-z, 0-9, "-", "_", at most 63 characters)',
  });

const hostedZoneId = z
  .string()
  .regex(/^Z[A-Z0-9]{1,31}$/, 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ');

const targetGroupArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/,
    'expected a target group ARN such as arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef',
  );

const certificateArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
    'expected an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/<uuid>',
  );

/** Auto Scaling group names: 1–255 characters, no colon (Auto Scaling API reference, CreateAutoScalingGroup). */
const asgName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^:]+$/, 'expected an Auto Scaling group name (not an ARN: no ":")');

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

export const hostedZoneSchema = z
  .object({
    id: hostedZoneId,
    domain: domainName.describe('the zone apex, e.g. internal.example.com'),
    private: z.boolean().default(false).describe('true for a private hosted zone associated with your VPC'),
  })
  .strict();

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

export const serviceSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a short lowercase name such as "web" (a-z, 0-9, "-")'),
    autoScalingGroup: asgName,
    targetGroups: z.array(targetGroupArn).default([]),
    dns: z
      .object({
        ttl: seconds(0, 2147483647).default(60),
        records: z.array(dnsRecordSchema).default([]),
      })
      .strict()
      .default({ ttl: 60, records: [] }),
    site: z
      .object({ domain: domainName, zone: z.string().min(1).describe('a key of hostedZones') })
      .strict()
      .optional()
      .describe('the public site name served by the load balancer (used by the certificate capability)'),
    certificates: z.array(certificateArn).default([]),
    lifecycle: lifecycleSchema,
    dryRun: z.boolean().optional().describe('overrides the top-level dryRun for this service'),
  })
  .strict();

export const configSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as eu-west-1')
      .describe('the region the stack and the functions live in'),
    dryRun: z.boolean().default(false).describe('log and report every mutating call instead of making it'),
    notifications: z
      .object({
        topicName: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic name (letters, digits, "-", "_")'),
        emails: z.array(z.email()).default([]).describe('e-mail addresses subscribed to the topic on deploy'),
      })
      .strict(),
    hostedZones: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a short key such as "internal"'), hostedZoneSchema)
      .default({}),
    services: z.array(serviceSchema).min(1, 'expected at least one service'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seenNames = new Set<string>();
    const seenGroups = new Set<string>();
    config.services.forEach((service, i) => {
      if (seenNames.has(service.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'name'],
          message: `duplicate service name "${service.name}"`,
        });
      }
      seenNames.add(service.name);
      if (seenGroups.has(service.autoScalingGroup)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'autoScalingGroup'],
          message: `Auto Scaling group "${service.autoScalingGroup}" is already managed by another service`,
        });
      }
      seenGroups.add(service.autoScalingGroup);
      const zoneKeys = Object.keys(config.hostedZones);
      if (service.site && !(service.site.zone in config.hostedZones)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'site', 'zone'],
          message: `unknown hosted zone "${service.site.zone}" (expected one of: ${zoneKeys.join(', ') || 'none defined'})`,
        });
      }
      service.dns.records.forEach((record, j) => {
        const path = ['services', i, 'dns', 'records', j];
        const zone = config.hostedZones[record.zone];
        if (!zone) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'zone'],
            message: `unknown hosted zone "${record.zone}" (expected one of: ${zoneKeys.join(', ') || 'none defined'})`,
          });
          return;
        }
        for (const problem of checkNamePattern(record.name, zone.domain)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: problem });
        }
        if (record.value === 'publicIp' && zone.private) {
          // Allowed by Route 53, but almost always a mistake worth a clear message.
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'value'],
            message: `publicIp records belong in a public zone; "${record.zone}" is private`,
          });
        }
      });
    });
  });

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

export type FleetpilotConfig = z.output<typeof configSchema>;
export type ServiceConfig = FleetpilotConfig['services'][number];
export type HostedZoneConfig = z.output<typeof hostedZoneSchema>;
export type DnsRecordConfig = z.output<typeof dnsRecordSchema>;
