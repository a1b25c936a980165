/**
 * The site capability's part of the config (`services[].siteDns`, optional): which load balancer serves the service's
 * `site` name, whether drift is repaired or only reported, whether a record fleetpilot did not create may be taken
 * over, and (opt-in) which HTTPS listeners get a renewed certificate rotated onto them.
 * shared/config/schema.ts composes it with the base.
 */
import * as z from 'zod';
import { configSection } from '../../shared/config/section';

/**
 * A load balancer by ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app|net/<name>/<16 hex>) or by
 * name: at most 32 characters of a-z A-Z 0-9 and "-", not starting or ending with "-", not starting with "internal-"
 * (ELBv2 API reference, CreateLoadBalancer, Name).
 */
export const LOAD_BALANCER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app|net)\/([A-Za-z0-9-]{1,32})\/[0-9a-f]{16}$/;
const LOAD_BALANCER_NAME = /^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

const loadBalancer = z.string().refine((s) => LOAD_BALANCER_ARN.test(s) || LOAD_BALANCER_NAME.test(s), {
  message:
    'expected a load balancer ARN (arn:aws:elasticloadbalancing:…:loadbalancer/app/<name>/<id>) or name (1–32 of A-Z a-z 0-9 -)',
});

export const siteDnsSchema = z
  .object({
    loadBalancer: loadBalancer.describe('the load balancer serving services[].site.domain, by ARN or name'),
    mode: z
      .enum(['repair', 'report'])
      .default('repair')
      .describe('repair: create a missing alias and repair drift; report: only say what differs'),
    adopt: z
      .boolean()
      .default(false)
      .describe('true: take over (overwrite) an A/AAAA record at the site name that fleetpilot did not create'),
    evaluateTargetHealth: z.boolean().default(true).describe('AliasTarget.EvaluateTargetHealth of the records'),
    rotation: z
      .object({
        listenerPorts: z
          .array(z.number().int().min(1).max(65535))
          .min(1)
          .default([443])
          .describe('HTTPS/TLS listeners of the load balancer, by port, that a renewed certificate is rotated onto'),
      })
      .strict()
      .optional()
      .describe('opt-in: on ACM Certificate Available, put the new certificate on these listeners in place of the old'),
  })
  .strict();

export type SiteDnsConfig = z.output<typeof siteDnsSchema>;

export const siteConfig = configSection({
  service: { siteDns: siteDnsSchema.optional() },
  check(config, issues) {
    config.services.forEach((service, i) => {
      if (service.siteDns && !service.site) {
        issues.addIssue({
          code: 'custom',
          path: ['services', i, 'siteDns'],
          message: 'siteDns keeps the alias of services[].site: add site { domain, zone }',
        });
      }
      const arn = service.siteDns ? LOAD_BALANCER_ARN.exec(service.siteDns.loadBalancer) : null;
      const region = arn ? service.siteDns?.loadBalancer.split(':')[3] : undefined;
      if (region !== undefined && region !== config.region) {
        issues.addIssue({
          code: 'custom',
          path: ['services', i, 'siteDns', 'loadBalancer'],
          message: `the load balancer is in ${region}, the stack in ${config.region}`,
        });
      }
    });
  },
});
