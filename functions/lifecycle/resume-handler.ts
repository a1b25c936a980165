/**
 * Deployed entry (serverless.yml: functions/lifecycle/resume-handler.handler). It imports its capability's handler
 * factory directly, never functions/registry.ts, and names the SDK clients it uses, so its bundle holds only those.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { coldStartDeps } from '../../shared/runtime/deps';
import { makeResumeHandler } from './handlers';

const clientClasses = {
  ec2: EC2Client,
  autoScaling: AutoScalingClient,
  elbv2: ElasticLoadBalancingV2Client,
  route53: Route53Client,
  sns: SNSClient,
  sqs: SQSClient,
};

/** SQS: the continuation queue, where waits that outlast one invocation are handed over. */
export const handler = makeResumeHandler(coldStartDeps(clientClasses));
