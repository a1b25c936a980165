/**
 * Handler factories of the site functions: parse the request or event (zod, naming the field), pick the services,
 * call the core (alias.ts, rotation.ts). The deployed entries (*-handler.ts) build them once per cold start; tests
 * and the simulated account build them with their own deps.
 */

import { isDryRun } from '../../shared/config/lookup';
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { guardedHandler, type RejectedResult, type StepGuard } from '../../shared/runtime/guarded';
import { createMutations } from '../../shared/runtime/mutations';
import { checkSiteAlias, type SiteCheckResult, type SiteTarget } from './alias';
import type { SiteCheckClients, SiteRotateClients } from './clients';
import { parseCertificateAvailable, parseSiteRequest } from './events';
import type { SiteKind } from './report';
import { type RotationResult, rotateCertificate } from './rotation';

type Rejected = RejectedResult;

/** Services with a siteDns section and a site, as the cores take them. */
export function siteTargets(config: FleetpilotConfig): { service: ServiceConfig; target: SiteTarget }[] {
  return config.services.flatMap((service) => {
    const zone = service.site ? config.hostedZones[service.site.zone] : undefined;
    if (!service.siteDns || !service.site || !zone) return [];
    return [
      {
        service,
        target: { service: service.name, domain: service.site.domain, zoneId: zone.id, siteDns: service.siteDns },
      },
    ];
  });
}

/** Scheduled (hourly and daily) or manual: check (and repair) the site alias of one service or of all. */
export function makeSiteCheckHandler(deps: HandlerDeps<SiteCheckClients>) {
  return guarded(deps, async (event): Promise<{ status: 'done'; results: SiteCheckResult[] } | Rejected> => {
    const request = parseSiteRequest(event);
    const chosen = siteTargets(deps.config).filter((t) => !request.service || t.service.name === request.service);
    if (request.service && chosen.length === 0) {
      return { status: 'rejected', reason: `service ${request.service} has no siteDns section` };
    }
    const results: SiteCheckResult[] = [];
    for (const { service, target } of chosen) {
      const correlationId = `site-check-${service.name}-${deps.clock.now()}`;
      results.push(
        await checkSiteAlias(
          target,
          {
            elbv2: deps.clients.elbv2,
            route53: deps.clients.route53,
            sqs: deps.clients.sqs,
            dnsQueueUrl: deps.dnsQueueUrl,
            notifier: deps.notifier,
            log: deps.log,
            mutations: createMutations(isDryRun(deps.config, service), deps.log),
          },
          correlationId,
          request.report,
        ),
      );
    }
    return { status: 'done', results };
  });
}

/** EventBridge: ACM Certificate Available → rotate onto the configured listeners of every service that opted in. */
export function makeSiteRotateHandler(deps: HandlerDeps<SiteRotateClients>) {
  return guarded(deps, async (event): Promise<{ status: 'done'; results: RotationResult[] }> => {
    const available = parseCertificateAvailable(event);
    const results: RotationResult[] = [];
    for (const { service, target } of siteTargets(deps.config).filter((t) => t.target.siteDns.rotation)) {
      results.push(
        await rotateCertificate(
          target,
          available.certificateArn,
          {
            acm: deps.clients.acm,
            elbv2: deps.clients.elbv2,
            notifier: deps.notifier,
            log: deps.log,
            mutations: createMutations(isDryRun(deps.config, service), deps.log),
          },
          available.eventId,
        ),
      );
    }
    return { status: 'done', results };
  });
}

/** The site functions' kinds and texts around their step (shared/runtime/guarded.ts). */
const guard: StepGuard<SiteKind> = {
  invalid: 'site.event.invalid',
  retrying: 'site.step.retrying',
  handledLog: 'site step handled',
  failedLog: 'site step failed; left for retry',
  retryingTitle: 'A site check or certificate rotation hit an error; retrying',
  retryingNext: 'Lambda retries; after the last retry the event goes to the failed-events queue.',
};

function guarded<R>(deps: Pick<HandlerDeps, 'notifier' | 'log'>, step: (event: unknown) => Promise<R>) {
  return guardedHandler(deps, guard, step);
}
