/**
 * Deployed entry (serverless.yml: functions/dns-writer/writer-handler.handler). SQS: the DNS change queue. Every
 * Route 53 record change of every capability is written here; it builds only the clients the writer uses, and
 * needs no fleetpilot config (the requests carry everything).
 */
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { spineColdStartDeps } from '../../shared/runtime/spine-deps';
import { makeDnsWriterHandler } from './handlers';

export const handler = makeDnsWriterHandler(
  spineColdStartDeps({ route53: Route53Client, sns: SNSClient, sqs: SQSClient }),
);
