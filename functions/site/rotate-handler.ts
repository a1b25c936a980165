/**
 * Deployed entry (serverless.yml: functions/site/rotate-handler.handler). It imports its capability's handler factory
 * directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { coldStartDeps } from '../../shared/runtime/deps';
import { siteConfig } from './config';
import { makeSiteRotateHandler } from './handlers';

/** EventBridge: ACM Certificate Available → listener rotation (opt-in, services[].siteDns.rotation). */
export const handler = makeSiteRotateHandler(
  coldStartDeps({ acm: ACMClient, elbv2: ElasticLoadBalancingV2Client, sns: SNSClient }, siteConfig),
);
