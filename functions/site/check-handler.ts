/**
 * Deployed entry (serverless.yml: functions/site/check-handler.handler). It imports its capability's handler factory
 * directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { coldStartDeps } from '../../shared/runtime/deps';
import { siteConfig } from './config';
import { makeSiteCheckHandler } from './handlers';

/** Scheduled (hourly: repairs; daily: full report) or manual: check the site alias records. */
export const handler = makeSiteCheckHandler(
  coldStartDeps(
    { elbv2: ElasticLoadBalancingV2Client, route53: Route53Client, sns: SNSClient, sqs: SQSClient },
    siteConfig,
  ),
);
