/**
 * The SDK clients the site functions use, as types. Each deployed entry (check-handler.ts, rotate-handler.ts) names
 * its own client classes, so its bundle holds exactly those (test/unit/build/packaged-bundles.test.ts).
 */
import type { ACMClient } from '@aws-sdk/client-acm';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';

/** The alias check: reads the load balancer and the records, asks the Route 53 writer for changes. */
export interface SiteCheckClients {
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  sns: SNSClient;
  sqs: SQSClient;
}

/** Listener rotation: reads the certificates, changes the listeners. */
export interface SiteRotateClients {
  acm: ACMClient;
  elbv2: ElasticLoadBalancingV2Client;
  sns: SNSClient;
}
