/**
 * The one source of truth for fleetpilot's YAML config. serverless.yml (through deploy/config.cjs), the handlers at
 * cold start, the simulated account and the generated JSON Schema (schema/fleetpilot.schema.json) all use it.
 *
 * Composed from the base (shared/config/section.ts: what every capability may read) and one section per capability
 * (`functions/<capability>/config.ts`); `sections` below is the only place here that names a capability.
 */
import * as z from 'zod';
import { amiRefreshConfig } from '../../functions/ami-refresh/config';
import { lifecycleConfig } from '../../functions/lifecycle/config';
import { formatIssuePath } from '../errors';
import {
  baseRootShape,
  baseServiceShape,
  type ConfigSection,
  type hostedZoneSchema,
  serviceOverridesShape,
} from './section';

/** Every capability's config section. */
const sections = [lifecycleConfig, amiRefreshConfig] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type SectionShapes = UnionToIntersection<(typeof sections)[number]['service']>;
type ServiceShape = typeof baseServiceShape & SectionShapes & typeof serviceOverridesShape;

const serviceShape: ServiceShape = Object.assign(
  {},
  baseServiceShape,
  ...sections.map((section: ConfigSection) => section.service),
  serviceOverridesShape,
);

export const serviceSchema = z.object(serviceShape).strict();

export const configSchema = z
  .object({ ...baseRootShape, services: z.array(serviceSchema).min(1, 'expected at least one service') })
  .strict()
  .superRefine((config, ctx) => {
    const seenNames = new Set<string>();
    const seenGroups = new Set<string>();
    const zoneKeys = Object.keys(config.hostedZones);
    checkZones(config, ctx);
    checkArns(config, ctx);
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
    for (const section of sections) section.check?.(config, ctx);
  });

type ParsedRoot = Pick<FleetpilotConfig, 'region' | 'hostedZones'> & {
  services: Pick<ServiceConfig, 'targetGroups' | 'certificates'>[];
};
type Sink = { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void };

const isInside = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

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

export type FleetpilotConfig = z.output<typeof configSchema>;
export type ServiceConfig = FleetpilotConfig['services'][number];
export type HostedZoneConfig = z.output<typeof hostedZoneSchema>;
