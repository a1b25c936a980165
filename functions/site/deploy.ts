/**
 * What the site functions need from the stack: the "ACM Certificate Available" rule of the rotation function, two
 * EventBridge Scheduler schedules per service with a siteDns section (hourly: check and repair, telling only what
 * changed; daily: the full report), and least privilege for the calls they make. Never imported by a handler.
 *
 * Resource types and condition keys: Service Authorization Reference, list_elasticloadbalancingv2.html (listener
 * ARNs `listener/app|net/<lb name>/<lb id>/<listener id>`; Describe* accept only "*"), list_awscertificatemanager.html
 * (DescribeCertificate on `certificate/<id>`) and list_amazonroute53.html (ChangeResourceRecordSets condition keys
 * route53:ChangeResourceRecordSetsNormalizedRecordNames, …RecordTypes, …Actions).
 */
import {
  type CapabilityDeploy,
  type CfnResource,
  type CfnValue,
  cfn,
  type IamStatement,
  unique,
} from '../../deploy/capability';
import {
  addUnique,
  arnOf,
  FAILED_EVENTS_QUEUE_ARN,
  logicalIdPart,
  schedulerRole,
  schedulerSchedule,
} from '../../deploy/scheduler';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { ownerName } from './alias';
import { LOAD_BALANCER_ARN } from './config';
import { CERTIFICATE_AVAILABLE } from './events';

/** Logical id serverless gives the siteCheck function (its key, capitalised, + "LambdaFunction"). */
export const SITE_CHECK_FUNCTION = 'SiteCheckLambdaFunction';
/** The role EventBridge Scheduler assumes to invoke the check function. */
export const SITE_SCHEDULER_ROLE = 'SiteSchedulerRole';

/** Hourly check (repairs; tells only what changed) and a daily full report at 06:00 UTC. */
export const HOURLY_CHECK = 'rate(1 hour)';
export const DAILY_REPORT = 'cron(0 6 * * ? *)';

/** The scheduled or manual request the check function takes (functions/site/events.ts). */
export function checkRequest(service: string, report: 'all' | 'changes'): string {
  return JSON.stringify({ fleetpilot: 'site', action: 'check', service, report });
}

const siteServices = (config: FleetpilotConfig) => config.services.filter((s) => s.siteDns && s.site);

export const siteDeploy: CapabilityDeploy = {
  name: 'site',
  eventPatterns() {
    // Renewals keep their ARN; a new certificate is what rotation is for. The handler ignores the event when no
    // service opted in (siteDns.rotation), after one look at the config.
    return { siteRotate: { source: ['aws.acm'], 'detail-type': [CERTIFICATE_AVAILABLE] } };
  },
  iamStatements,
  resources: scheduleResources,
};

/**
 * The schedules and their execution role come from deploy/scheduler.ts, with the check function as the only target. A
 * check delivered late is still useful, but one more than an hour late is superseded by the next:
 * MaximumEventAgeInSeconds 3600.
 */
function scheduleResources(config: FleetpilotConfig): Record<string, CfnResource> {
  const services = siteServices(config);
  if (services.length === 0) return {};
  const checkArn = arnOf(SITE_CHECK_FUNCTION);
  const resources: Record<string, CfnResource> = {
    [SITE_SCHEDULER_ROLE]: schedulerRole({
      description: 'EventBridge Scheduler invokes the fleetpilot site check function (hourly and daily)',
      policyName: 'invoke-site-check',
      invokeSid: 'InvokeSiteCheck',
      functionArns: [checkArn],
      deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
    }),
  };
  const schedule = (service: string, expression: string, report: 'all' | 'changes', what: string): CfnResource =>
    schedulerSchedule({
      description: `fleetpilot: ${what} the site alias of service ${service}`,
      expression,
      timezone: 'UTC',
      target: {
        arn: checkArn,
        role: SITE_SCHEDULER_ROLE,
        input: checkRequest(service, report),
        retry: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
      },
    });
  for (const service of services) {
    const id = logicalIdPart(service.name);
    for (const [key, resource] of [
      [`SiteCheckHourly${id}`, schedule(service.name, HOURLY_CHECK, 'changes', 'check and repair')],
      [`SiteReportDaily${id}`, schedule(service.name, DAILY_REPORT, 'all', 'report on')],
    ] as const) {
      addUnique(resources, key, resource, 'services');
    }
  }
  return resources;
}

/** Distinct CloudFormation values (intrinsic objects compared by their JSON). */
function uniqueValues(values: readonly CfnValue[]): CfnValue[] {
  return [...new Map(values.map((v) => [JSON.stringify(v), v])).values()];
}

/** The listener ARNs of a load balancer named by ARN or by name (every load balancer of that name and type). */
function listenerArns(ref: string): CfnValue[] {
  const { join, partition, region, account } = cfn;
  const match = LOAD_BALANCER_ARN.exec(ref);
  const path = match ? ref.split(':loadbalancer/')[1] : undefined;
  const paths = path ? [path] : [`app/${ref}/*`, `net/${ref}/*`];
  return paths.map((p) => join('arn:', partition, ':elasticloadbalancing:', region, ':', account, `:listener/${p}/*`));
}

function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const services = siteServices(config);
  if (services.length === 0) return [];
  const statements: IamStatement[] = [
    {
      Sid: 'SiteDescribeLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:DescribeLoadBalancers'],
      Resource: '*',
    },
  ];
  const byZone = new Map<string, string[]>();
  for (const service of services) {
    const zone = service.site ? config.hostedZones[service.site.zone] : undefined;
    if (!zone || !service.site) continue;
    byZone.set(zone.id, [...(byZone.get(zone.id) ?? []), service.site.domain, ownerName(service.site.domain)]);
  }
  for (const [zoneId, names] of byZone) {
    const zoneArn = cfn.join('arn:', cfn.partition, `:route53:::hostedzone/${zoneId}`);
    statements.push(
      {
        // The Route 53 writer makes these changes under the functions' role: the alias records and the owner TXT,
        // by name (Route 53 normalised names: lower case, no trailing dot — developer guide, "Using IAM policy
        // conditions for fine-grained access control").
        Sid: `SiteAliasIn${zoneId}`,
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets'],
        Resource: zoneArn,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'AAAA', 'TXT'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': unique(names),
          },
        },
      },
      {
        Sid: `SiteReadRecordsIn${zoneId}`,
        Effect: 'Allow',
        Action: ['route53:ListResourceRecordSets'],
        Resource: zoneArn,
      },
    );
  }
  const rotating = services.filter((s) => s.siteDns?.rotation);
  if (rotating.length > 0) {
    statements.push(
      {
        Sid: 'SiteDescribeListeners',
        Effect: 'Allow',
        Action: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerCertificates'],
        Resource: '*',
      },
      {
        Sid: 'SiteRotateListenerCertificates',
        Effect: 'Allow',
        Action: [
          'elasticloadbalancing:AddListenerCertificates',
          'elasticloadbalancing:RemoveListenerCertificates',
          'elasticloadbalancing:ModifyListener',
        ],
        Resource: uniqueValues(rotating.flatMap((s) => listenerArns(s.siteDns?.loadBalancer ?? ''))),
      },
      {
        Sid: 'SiteDescribeCertificates',
        Effect: 'Allow',
        Action: ['acm:DescribeCertificate'],
        Resource: cfn.join('arn:', cfn.partition, ':acm:', cfn.region, ':', cfn.account, ':certificate/*'),
      },
    );
  }
  return statements;
}
