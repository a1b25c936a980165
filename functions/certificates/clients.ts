/** The SDK clients the certificate functions use, and only those: each deployed entry builds exactly these. */
import { ACMClient } from '@aws-sdk/client-acm';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientsFor } from '../../shared/aws/clients';

export const certificatesClientClasses = {
  acm: ACMClient,
  elbv2: ElasticLoadBalancingV2Client,
  route53: Route53Client,
  sns: SNSClient,
  sqs: SQSClient,
};

export type CertificatesClients = ClientsFor<typeof certificatesClientClasses>;
