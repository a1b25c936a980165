/**
 * What the certificate functions need from the stack: the rule for ACM's four events on the watched certificates,
 * the daily audit schedule (EventBridge Scheduler, like functions/ami-refresh/deploy.ts) with its own role, and least
 * privilege for the calls they make. Never imported by a handler.
 *
 * Resource types and condition keys: Service Authorization Reference, list_awscertificatemanager.html (certificate
 * ARNs; aws:TagKeys on AddTagsToCertificate), list_amazonroute53.html (hostedzone ARNs have no region or account),
 * list_elasticloadbalancingv2.html (Describe* accept only "*").
 */
import { type CapabilityDeploy, type CfnResource, cfn, type IamStatement, unique } from '../../deploy/capability';
import { arnOf, FAILED_EVENTS_QUEUE_ARN, schedulerRole, schedulerSchedule } from '../../deploy/scheduler';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { ACM_DETAIL_TYPES, auditRequest } from './events';
import { watchedServices } from './flow';
import { NOTICE_TAG } from './notice';

/** Logical id serverless gives the certificatesAudit function. */
export const AUDIT_FUNCTION = 'CertificatesAuditLambdaFunction';
export const AUDIT_SCHEDULER_ROLE = 'CertificatesAuditSchedulerRole';
export const AUDIT_SCHEDULE = 'CertificatesAuditSchedule';

/** A certificate ARN no account has: the rule must exist (serverless.yml names it) even when nothing is watched. */
export const NO_CERTIFICATE = 'arn:aws:acm:none:000000000000:certificate/none';

export const certificatesDeploy: CapabilityDeploy = {
  name: 'certificates',
  eventPatterns(config) {
    const arns = unique(watchedServices(config).flatMap((s) => s.certificates));
    return {
      certificatesEvent: {
        source: ['aws.acm'],
        'detail-type': Object.keys(ACM_DETAIL_TYPES),
        resources: arns.length > 0 ? arns : [NO_CERTIFICATE],
      },
    };
  },
  iamStatements,
  resources: auditSchedule,
};

/**
 * One audit schedule for the stack, at the first watched service's audit cron and time zone (the audit covers every
 * watched service in one run and sends one digest). Schedule, execution role and dead-letter queue from
 * deploy/scheduler.ts, as the other capabilities' schedules.
 */
function auditSchedule(config: FleetpilotConfig): Record<string, CfnResource> {
  const first = watchedServices(config)[0];
  if (!first) return {};
  const fnArn = arnOf(AUDIT_FUNCTION);
  return {
    [AUDIT_SCHEDULER_ROLE]: schedulerRole({
      description: 'EventBridge Scheduler invokes the fleetpilot certificate audit',
      policyName: 'invoke-certificates-audit',
      invokeSid: 'InvokeCertificatesAudit',
      functionArns: [fnArn],
      deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
    }),
    [AUDIT_SCHEDULE]: schedulerSchedule({
      description: 'fleetpilot: daily certificate audit',
      expression: first.certificateWatch.audit.cron,
      timezone: first.certificateWatch.audit.timezone,
      target: {
        arn: fnArn,
        role: AUDIT_SCHEDULER_ROLE,
        input: auditRequest(),
        retry: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
        deadLetterArn: FAILED_EVENTS_QUEUE_ARN,
      },
    }),
  };
}

function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const { join, partition, region, account } = cfn;
  const watched = watchedServices(config);
  if (watched.length === 0) return [];
  const arns = unique(watched.flatMap((s) => s.certificates));
  const auditsListeners = watched.some((s) => s.certificateWatch.loadBalancers.length > 0);
  // Certificates on a watched listener are known only at run time: DescribeCertificate on the account's certificates.
  const describable = auditsListeners
    ? [join('arn:', partition, ':acm:', region, ':', account, ':certificate/*')]
    : arns;
  // Validation records are public names: owningZone (validation.ts) only looks in public zones.
  const zones = unique(
    Object.values(config.hostedZones)
      .filter((z) => !z.private)
      .map((z) => z.id),
  ).map((id) => join('arn:', partition, `:route53:::hostedzone/${id}`));
  const statements: IamStatement[] = [
    { Sid: 'CertificatesDescribe', Effect: 'Allow', Action: ['acm:DescribeCertificate'], Resource: describable },
    {
      Sid: 'CertificatesDescribeLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeListeners'],
      Resource: '*',
    },
  ];
  if (arns.length > 0) {
    statements.push(
      { Sid: 'CertificatesReadNotice', Effect: 'Allow', Action: ['acm:ListTagsForCertificate'], Resource: arns },
      {
        // Only the notice tag may be written, only on watched certificates.
        Sid: 'CertificatesWriteNotice',
        Effect: 'Allow',
        Action: ['acm:AddTagsToCertificate'],
        Resource: arns,
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [NOTICE_TAG] }, Null: { 'aws:TagKeys': 'false' } },
      },
    );
  }
  if (zones.length > 0) {
    statements.push({
      Sid: 'CertificatesReadValidationRecords',
      Effect: 'Allow',
      Action: ['route53:ListResourceRecordSets'],
      Resource: zones,
    });
  }
  return statements;
}
