/**
 * The AWS services fleetpilot talks to: one row each. The client factory, the simulated account's plug and fault
 * injector, and the IAM-versus-code template test all read this table, so a new service is added here once.
 *
 * Metadata only: no SDK client class is imported here, so a function's bundle carries only the clients its own
 * capability constructs (each capability passes the client classes it needs to the factory).
 *
 * - `sdkPackage`: the SDK v3 client package.
 * - `clientName`: the client class exported by that package.
 * - `serviceId`: the SDK's `config.serviceId` of that client (how a constructed client names its service).
 * - `iamPrefix`: the IAM service prefix of its actions (Service Authorization Reference).
 */
export const AWS_SERVICES = {
  ec2: { sdkPackage: '@aws-sdk/client-ec2', clientName: 'EC2Client', serviceId: 'EC2', iamPrefix: 'ec2' },
  autoScaling: {
    sdkPackage: '@aws-sdk/client-auto-scaling',
    clientName: 'AutoScalingClient',
    serviceId: 'Auto Scaling',
    iamPrefix: 'autoscaling',
  },
  elbv2: {
    sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
    clientName: 'ElasticLoadBalancingV2Client',
    serviceId: 'Elastic Load Balancing v2',
    iamPrefix: 'elasticloadbalancing',
  },
  route53: {
    sdkPackage: '@aws-sdk/client-route-53',
    clientName: 'Route53Client',
    serviceId: 'Route 53',
    iamPrefix: 'route53',
  },
  sns: { sdkPackage: '@aws-sdk/client-sns', clientName: 'SNSClient', serviceId: 'SNS', iamPrefix: 'sns' },
  sqs: { sdkPackage: '@aws-sdk/client-sqs', clientName: 'SQSClient', serviceId: 'SQS', iamPrefix: 'sqs' },
  acm: { sdkPackage: '@aws-sdk/client-acm', clientName: 'ACMClient', serviceId: 'ACM', iamPrefix: 'acm' },
  cloudWatch: {
    sdkPackage: '@aws-sdk/client-cloudwatch',
    clientName: 'CloudWatchClient',
    serviceId: 'CloudWatch',
    iamPrefix: 'cloudwatch',
  },
  ssm: { sdkPackage: '@aws-sdk/client-ssm', clientName: 'SSMClient', serviceId: 'SSM', iamPrefix: 'ssm' },
} as const;

export type AwsServiceKey = keyof typeof AWS_SERVICES;

export const AWS_SERVICE_KEYS = Object.keys(AWS_SERVICES) as AwsServiceKey[];

/** The table row whose client reports this `serviceId`, or undefined. */
export function serviceKeyForServiceId(serviceId: string): AwsServiceKey | undefined {
  return AWS_SERVICE_KEYS.find((key) => AWS_SERVICES[key].serviceId === serviceId);
}
