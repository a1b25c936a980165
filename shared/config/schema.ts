/**
 * The one source of truth for fleetpilot's YAML config. serverless.yml (through deploy/config.cjs), the handlers at
 * cold start, the simulated account and the generated JSON Schema (schema/fleetpilot.schema.json) all use it.
 *
 * Composed from the base (shared/config/section.ts: what every capability may read) and one section per capability
 * (`functions/<capability>/config.ts`); `sections` below is the only place here that names a capability.
 */
import * as z from 'zod';
import { amiRefreshConfig } from '../../functions/ami-refresh/config';
import { certificatesConfig } from '../../functions/certificates/config';
import { lifecycleConfig } from '../../functions/lifecycle/config';
import { scheduleConfig } from '../../functions/schedule/config';
import { siteConfig } from '../../functions/site/config';
import { slackConfig } from '../../functions/slack/config';
import { targetHealthConfig } from '../../functions/target-health/config';
import { composeConfigSchema, composeServiceShape } from './compose';
import type { baseRootShape, baseServiceShape, hostedZoneSchema, serviceOverridesShape } from './section';

/** Every capability's config section. */
export const sections = [
  lifecycleConfig,
  amiRefreshConfig,
  scheduleConfig,
  targetHealthConfig,
  siteConfig,
  slackConfig,
  certificatesConfig,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type SectionShapes = UnionToIntersection<(typeof sections)[number]['service']>;
type ServiceShape = typeof baseServiceShape & SectionShapes & typeof serviceOverridesShape;

/** One service with every capability's section; unknown keys refused. */
export const serviceSchema = z.object(composeServiceShape(sections) as ServiceShape).strict();

/** The whole config as packaging, the tools and the simulated account validate it (compose.ts has the checks). */
export const configSchema = composeConfigSchema(sections, 'refuse') as unknown as z.ZodType<
  z.output<z.ZodObject<typeof baseRootShape & { services: z.ZodArray<typeof serviceSchema> }>>,
  z.input<z.ZodObject<typeof baseRootShape & { services: z.ZodArray<typeof serviceSchema> }>>
>;

export type FleetpilotConfig = z.output<typeof configSchema>;
export type ServiceConfig = FleetpilotConfig['services'][number];
export type HostedZoneConfig = z.output<typeof hostedZoneSchema>;
