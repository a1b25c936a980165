/**
 * The parts of fleetpilot's config every capability may read, the field types they are built from, and the shape of
 * a capability's own config section. shared/config/schema.ts composes the base with every capability's section
 * (`functions/<capability>/config.ts`); nothing here knows any capability.
 */
import * as z from 'zod';

export const dnsLabel = /^(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)$/;

export const domainName = z
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

/**
 * Auto Scaling group names: 1–255 characters, no colon (Auto Scaling API reference, CreateAutoScalingGroup). "*" and
 * "?" are refused too: IAM reads them as wildcards in the policy's group ARNs, which would widen the grant to other
 * groups (checked here, so packaging and cold start refuse the same names).
 */
const asgName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^:]+$/, 'expected an Auto Scaling group name (not an ARN: no ":")')
  .regex(/^[^*?]+$/, 'contains "*" or "?", which IAM would read as a wildcard in the policy (rename the group)');

export const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * EventBridge Scheduler cron: six fields (minutes hours day-of-month month day-of-week year), one of day-of-month and
 * day-of-week a "?" (Scheduler user guide, "Schedule types", cron-based schedules). Only the shape is checked here;
 * the fields' ranges are checked by Scheduler when the schedule is created.
 */
export const schedulerCron = z
  .string()
  .regex(/^cron\(.+\)$/, 'expected cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 ? * SUN *)')
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

/** IANA time zone names, as the runtime's ICU knows them (Node ships full ICU). */
export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone such as Asia/Seoul or Europe/Dublin' },
);

export const hostedZoneSchema = z
  .object({
    id: hostedZoneId,
    domain: domainName.describe('the zone apex, e.g. internal.example.com'),
    private: z.boolean().default(false).describe('true for a private hosted zone associated with your VPC'),
  })
  .strict();

/** What every service has, whatever the capabilities (in the order the JSON Schema lists them). */
export const baseServiceShape = {
  name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a short lowercase name such as "web" (a-z, 0-9, "-")'),
  autoScalingGroup: asgName,
  targetGroups: z.array(targetGroupArn).default([]),
  site: z
    .object({ domain: domainName, zone: z.string().min(1).describe('a key of hostedZones') })
    .strict()
    .optional()
    .describe('the public site name served by the load balancer'),
  certificates: z.array(certificateArn).default([]).describe('ACM certificates of the service'),
};

/** The last field of a service, after the capabilities' sections. */
export const serviceOverridesShape = {
  dryRun: z.boolean().optional().describe('overrides the top-level dryRun for this service'),
};

/** Top-level fields other than `services`. */
export const baseRootShape = {
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
};

type Output<Shape extends z.core.$ZodShape> = z.output<z.ZodObject<Shape>>;

/** A validated service as the base sees it; a section's check also sees its own fields. */
export type BaseServiceConfig = Output<typeof baseServiceShape> & Output<typeof serviceOverridesShape>;

/** A validated config with services carrying the fields of `Shape` besides the base ones. */
export type ConfigWith<Shape extends z.core.$ZodShape> = Output<typeof baseRootShape> & {
  services: (BaseServiceConfig & Output<Shape>)[];
};

/** Where a cross-field check reports a problem: the path (from the root) and what was expected. */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** A capability's part of the config. */
export interface ConfigSection<Shape extends z.core.$ZodShape = z.core.$ZodShape> {
  /** Fields the capability adds to every service (`services[].<key>`). */
  service: Shape;
  /** Checks across fields (e.g. against hostedZones), run after the whole config parsed. */
  check?(config: ConfigWith<Shape>, issues: IssueSink): void;
}

/** Declares a section with its types inferred. */
export function configSection<Shape extends z.core.$ZodShape>(section: ConfigSection<Shape>): ConfigSection<Shape> {
  return section;
}
