/** Deps for the certificate handlers on aws-sdk-client-mock, with a chosen certificateWatch section. */
import { Logger } from '@aws-lambda-powertools/logger';
import { ACMClient, type CertificateDetail } from '@aws-sdk/client-acm';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { CertificatesClients } from '../../../functions/certificates/clients';
import { configSchema, type FleetpilotConfig } from '../../../shared/config/schema';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { manualClock } from '../../helpers/manual-clock';
import { recordingNotifier } from '../../helpers/recording-notifier';

export const NOW = Date.parse('2026-11-25T12:00:00.000Z');
export const DAY = 86_400_000;
export const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
export const OTHER_CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
export const LB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-alb/0123456789abcdef';
export const PUBLIC_ZONE = 'Z0EXAMPLEPUBLIC001';
export const DNS_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dns';
/** ACM's validation record for example.com and *.example.com (one record for both). */
export const VALIDATION = {
  name: '_3b8f0c9e2a7d41f6b5c8e9d0a1b2c3d4.example.com.',
  value: '_9f8e7d6c5b4a39281706f5e4d3c2b1a0.jkddzztszm.acm-validations.aws.',
};

export const acm = mockClient(ACMClient);
export const elbv2 = mockClient(ElasticLoadBalancingV2Client);
export const route53 = mockClient(Route53Client);
export const sqs = mockClient(SQSClient);

export function configWith(watch: Record<string, unknown>, extra: Record<string, unknown> = {}): FleetpilotConfig {
  return configSchema.parse({
    region: 'eu-west-1',
    notifications: { topicName: 'alerts' },
    hostedZones: {
      public: { id: PUBLIC_ZONE, domain: 'example.com' },
      internal: { id: 'Z0EXAMPLEPRIVATE01', domain: 'internal.example.com', private: true },
    },
    services: [
      {
        name: 'web',
        autoScalingGroup: 'web-asg',
        targetGroups: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef'],
        site: { domain: 'www.example.com', zone: 'public' },
        certificates: [CERT],
        certificateWatch: watch,
        ...extra,
      },
    ],
  });
}

export function makeDeps(config: FleetpilotConfig) {
  const notifier = recordingNotifier();
  const deps: HandlerDeps<CertificatesClients> = {
    config,
    clients: {
      acm: new ACMClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
      route53: new Route53Client({ region: 'eu-west-1' }),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      sns: undefined as never,
    },
    notifier,
    clock: manualClock(NOW),
    continuationQueueUrl: 'unused',
    dnsQueueUrl: DNS_QUEUE,
    log: new Logger({ logLevel: 'SILENT' }),
  };
  return { deps, notifier };
}

/** An Amazon-issued, DNS-validated certificate for example.com and *.example.com, `days` from expiry. */
export function amazonIssued(days: number, overrides: Partial<CertificateDetail> = {}): CertificateDetail {
  const option = {
    ValidationMethod: 'DNS' as const,
    ValidationStatus: 'SUCCESS' as const,
    ResourceRecord: { Name: VALIDATION.name, Type: 'CNAME' as const, Value: VALIDATION.value },
  };
  return {
    CertificateArn: CERT,
    DomainName: 'example.com',
    SubjectAlternativeNames: ['example.com', '*.example.com'],
    DomainValidationOptions: [
      { DomainName: 'example.com', ValidationDomain: 'example.com', ...option },
      { DomainName: '*.example.com', ValidationDomain: '*.example.com', ...option },
    ],
    Status: 'ISSUED',
    Type: 'AMAZON_ISSUED',
    NotBefore: new Date(NOW - 300 * DAY),
    NotAfter: new Date(NOW + days * DAY + 3_600_000),
    InUseBy: [LB],
    RenewalEligibility: 'ELIGIBLE',
    ...overrides,
  };
}

/** An ACM event of AWS's sample shape for the configured certificate. */
export function acmEvent(
  detailType: string,
  detail: Record<string, unknown>,
  id = 'e-1',
  resource = CERT,
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.acm',
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'eu-west-1',
    resources: [resource],
    detail,
  };
}
