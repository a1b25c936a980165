/**
 * The one source of truth for fleetpilot's YAML config. serverless.yml (through deploy/config.cjs), the handlers at
 * cold start, the simulated account and the generated JSON Schema (schema/fleetpilot.schema.json) all use it.
 *
 * Composed from the base (shared/config/section.ts: what every capability may read) and one section per capability
 * (`functions/<capability>/config.ts`); `sections` below is the only place here that names a capability.
 */
import * as z from 'zod';
import { lifecycleConfig } from '../../functions/lifecycle/config';
import {
  baseRootShape,
  baseServiceShape,
  type ConfigSection,
  type hostedZoneSchema,
  serviceOverridesShape,
} from './section';

/** Every capability's config section. */
const sections = [lifecycleConfig] as const;

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
      if (service.site && !(service.site.zone in config.hostedZones)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'site', 'zone'],
          message: `unknown hosted zone "${service.site.zone}" (expected one of: ${zoneKeys.join(', ') || 'none defined'})`,
        });
      }
    });
    for (const section of sections) section.check?.(config, ctx);
  });

export type FleetpilotConfig = z.output<typeof configSchema>;
export type ServiceConfig = FleetpilotConfig['services'][number];
export type HostedZoneConfig = z.output<typeof hostedZoneSchema>;
