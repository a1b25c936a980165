/**
 * Builds a config schema from the base (section.ts) and a list of capability sections, with the checks across fields
 * that every config gets. Two depths use it:
 * - packaging and the tools (schema.ts: every section, unknown keys refused), so a bad value in any section stops
 *   `serverless package` with file, line and path;
 * - a deployed function at cold start (bundled.ts: the base and its own capability's section only). The other
 *   sections were validated when packaging and are carried through unread, so a function's bundle holds only its own
 *   section's schema and libraries (e.g. no cron parser in the lifecycle functions).
 */
import * as z from 'zod';
import { formatIssuePath } from '../errors';
import { baseRootShape, baseServiceShape, type ConfigSection, serviceOverridesShape } from './section';

/** What the base checks read of a parsed config. */
type ParsedRoot = {
  region: string;
  hostedZones: Record<string, { id: string; domain: string }>;
  services: {
    name: string;
    autoScalingGroup: string;
    targetGroups: string[];
    certificates: string[];
    site?: { domain: string; zone: string } | undefined;
  }[];
};
type Sink = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };

/** The service fields of the base and of `sections`, in JSON Schema order. */
export function composeServiceShape(sections: readonly ConfigSection[]): z.core.$ZodShape {
  return Object.assign(
    {},
    baseServiceShape,
    ...sections.map((section) => section.service),
    serviceOverridesShape,
  ) as z.core.$ZodShape;
}

/**
 * The config schema for `sections`. `otherKeys: 'refuse'` (packaging) rejects any service key no section declares;
 * `'carry'` (cold start) keeps them unvalidated, for sections this function does not read.
 */
export function composeConfigSchema(sections: readonly ConfigSection[], otherKeys: 'refuse' | 'carry') {
  const shape = composeServiceShape(sections);
  const service = otherKeys === 'refuse' ? z.object(shape).strict() : z.looseObject(shape);
  return z
    .object({ ...baseRootShape, services: z.array(service).min(1, 'expected at least one service') })
    .strict()
    .superRefine((parsed, ctx) => {
      const config = parsed as unknown as ParsedRoot;
      checkServices(config, ctx);
      checkZones(config, ctx);
      checkArns(config, ctx);
      for (const section of sections) section.check?.(parsed as never, ctx);
    });
}

const isInside = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

/** Unique service names and groups; a site inside a known zone. */
function checkServices(config: ParsedRoot, ctx: Sink): void {
  const seenNames = new Set<string>();
  const seenGroups = new Set<string>();
  const zoneKeys = Object.keys(config.hostedZones);
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
    const siteZone = service.site ? config.hostedZones[service.site.zone] : undefined;
    if (service.site && !siteZone) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', i, 'site', 'zone'],
        message: `unknown hosted zone "${service.site.zone}" (expected one of: ${zoneKeys.join(', ') || 'none defined'})`,
      });
    } else if (service.site && siteZone && !isInside(service.site.domain, siteZone.domain)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', i, 'site', 'domain'],
        message: `"${service.site.domain}" is not inside the domain "${siteZone.domain}" of its zone "${service.site.zone}"`,
      });
    }
  });
}

/** One zone id under two keys: both keys would pass every check while writing into the same zone. */
function checkZones(config: ParsedRoot, ctx: Sink): void {
  const keyOfId = new Map<string, string>();
  for (const [key, zone] of Object.entries(config.hostedZones)) {
    const first = keyOfId.get(zone.id);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hostedZones', key, 'id'],
        message: `zone ${zone.id} is already listed as "${first}"; list each hosted zone once`,
      });
    } else {
      keyOfId.set(zone.id, key);
    }
  }
}

/**
 * Target groups and certificates must be in the stack's region (the functions call ELB and ACM there; a target group
 * elsewhere is never found, so every launch would be abandoned), and in one account: the config names no account, so
 * the first ARN's account is the one all others must share.
 */
function checkArns(config: ParsedRoot, ctx: Sink): void {
  let account: { id: string; where: string } | undefined;
  config.services.forEach((service, i) => {
    const arns = [
      ...service.targetGroups.map((arn, j) => ({
        arn,
        path: ['services', i, 'targetGroups', j],
        what: 'target group',
      })),
      ...service.certificates.map((arn, j) => ({ arn, path: ['services', i, 'certificates', j], what: 'certificate' })),
    ];
    for (const { arn, path, what } of arns) {
      const [, , , region, accountId] = arn.split(':');
      if (region !== config.region) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${what} in region ${region}, but the stack runs in ${config.region} (region): fleetpilot would never find it`,
        });
      }
      if (accountId === undefined) continue;
      if (!account) {
        account = { id: accountId, where: formatIssuePath(path) };
      } else if (accountId !== account.id) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${what} in account ${accountId}, but ${account.where} is in ${account.id}: every ARN must be in the stack's one account`,
        });
      }
    }
  });
}
