/**
 * Everything serverless.yml takes from the fleetpilot config, derived (never copied) from the validated config.
 * deploy/config.cjs hands these values to serverless.yml as `${file(./deploy/config.cjs):<key>}`; deploy/wiring.ts
 * resolves the same keys, so the event patterns live in one place only (eventPatterns below).
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../shared/config/load';
import type { FleetpilotConfig } from '../shared/config/schema';
import { type ConfigFileChoice, type ConfigFileRequest, chooseConfigFile } from './config-file';

/** A CloudFormation value: a literal or an intrinsic function object. */
export type CfnValue =
  | string
  | { Ref: string }
  | { 'Fn::GetAtt': [string, string] }
  | { 'Fn::Join': [string, unknown[]] };

export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An EventBridge event pattern (EventBridge user guide, "Event patterns"). */
export type EventPattern = { [key: string]: EventPattern | unknown[] };

/** Logical ids of resources serverless.yml declares and the policy refers to. Kept in step with serverless.yml. */
export const logicalIds = {
  topic: 'AlertsTopic',
  continuationQueue: 'ContinuationQueue',
  dnsQueue: 'DnsChangeQueue',
} as const;

export const LAUNCH_DETAIL_TYPE = 'EC2 Instance-launch Lifecycle Action';
export const TERMINATE_DETAIL_TYPE = 'EC2 Instance-terminate Lifecycle Action';

export interface StackValues {
  region: string;
  /** Path of the config file inside each function zip (relative to the package root, "/" separators). */
  configFile: string;
  groupNames: string[];
  targetGroupArns: string[];
  /** Hosted zones that per-instance records are written to. */
  hostedZoneIds: string[];
  topicName: string;
  /** The rule patterns, by function: exactly what the EventBridge rules in the template carry. */
  eventPatterns: { launch: EventPattern; terminate: EventPattern };
  /** The functions' IAM statements (provider.iam.role.statements). */
  iamStatements: IamStatement[];
  /** One AWS::SNS::Subscription per configured e-mail address, keyed by a logical id stable across reorderings. */
  emailSubscriptions: Record<string, unknown>;
}

const partition = { Ref: 'AWS::Partition' };
const region = { Ref: 'AWS::Region' };
const account = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]): CfnValue => ({ 'Fn::Join': ['', parts] });

/** Chooses the config file, loads and validates it (throwing ConfigError), and derives the stack values. */
export function loadStackValues(request: ConfigFileRequest): { values: StackValues; choice: ConfigFileChoice } {
  const choice = chooseConfigFile(request);
  const config = loadConfig(choice.absolutePath);
  return { values: deriveStackValues(config, choice.packagedPath), choice };
}

export function deriveStackValues(config: FleetpilotConfig, configFile: string): StackValues {
  const groupNames = config.services.map((s) => s.autoScalingGroup);
  for (const name of groupNames) {
    // IAM treats * and ? in a Resource ARN as wildcards: such a group name would widen the grant to other groups.
    if (/[*?]/.test(name)) {
      throw new Error(`Auto Scaling group name "${name}" contains "*" or "?", which IAM would read as a wildcard`);
    }
  }
  const targetGroupArns = unique(config.services.flatMap((s) => s.targetGroups));
  const hostedZoneIds = unique(
    config.services.flatMap((s) => s.dns.records.map((r) => config.hostedZones[r.zone]?.id ?? missingZone(r.zone))),
  );
  const lifecyclePattern = (detailType: string): EventPattern => ({
    source: ['aws.autoscaling'],
    'detail-type': [detailType],
    detail: { AutoScalingGroupName: [...groupNames] },
  });
  return {
    region: config.region,
    configFile,
    groupNames,
    targetGroupArns,
    hostedZoneIds,
    topicName: config.notifications.topicName,
    eventPatterns: { launch: lifecyclePattern(LAUNCH_DETAIL_TYPE), terminate: lifecyclePattern(TERMINATE_DETAIL_TYPE) },
    iamStatements: iamStatements(config, { groupNames, targetGroupArns }),
    emailSubscriptions: Object.fromEntries(
      config.notifications.emails.map((email) => [
        `AlertsEmailSubscription${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10)}`,
        {
          Type: 'AWS::SNS::Subscription',
          Properties: { Protocol: 'email', Endpoint: email, TopicArn: { Ref: logicalIds.topic } },
        },
      ]),
    ),
  };
}

/**
 * Least privilege for the lifecycle functions. Resource-level scoping follows the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/): an action whose "Resource types" column is
 * empty accepts only "*" — that is the case for autoscaling:DescribeAutoScalingInstances and
 * autoscaling:DescribeLifecycleHooks (list_amazonec2autoscaling.html), ec2:DescribeInstances (list_amazonec2.html)
 * and elasticloadbalancing:DescribeTargetHealth / DescribeTargetGroups (list_awselasticloadbalancingv2.html).
 * Every mutating action below is scoped to ARNs (or tag conditions) taken from the config.
 * Only actions the code calls are granted; test/template/iam.test.ts checks both directions.
 */
function iamStatements(
  config: FleetpilotConfig,
  scope: { groupNames: string[]; targetGroupArns: string[] },
): IamStatement[] {
  const statements: IamStatement[] = [
    {
      Sid: 'CompleteLifecycleActionsOfConfiguredGroups',
      Effect: 'Allow',
      Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
      // autoScalingGroup ARN format (SAR, "Resource types defined by Amazon EC2 Auto Scaling"):
      // arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:${GroupId}:autoScalingGroupName/${GroupName}
      Resource: scope.groupNames.map((name) =>
        join(
          'arn:',
          partition,
          ':autoscaling:',
          region,
          ':',
          account,
          `:autoScalingGroup:*:autoScalingGroupName/${name}`,
        ),
      ),
    },
    {
      Sid: 'DescribeAutoScaling',
      Effect: 'Allow',
      Action: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeLifecycleHooks'],
      Resource: '*',
    },
    { Sid: 'DescribeInstances', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: '*' },
    {
      // ec2:CreateTags and ec2:DeleteTags accept the instance resource type with aws:ResourceTag/${TagKey}, and the
      // request keys aws:TagKeys (SAR, list_amazonec2.html). Auto Scaling tags its instances with
      // aws:autoscaling:groupName. ForAllValues passes an empty key set, and DeleteTags without tags deletes every
      // tag, so a Null condition requires the request to name its tag keys.
      Sid: 'TagInstancesOfConfiguredGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: join('arn:', partition, ':ec2:', region, ':', account, ':instance/*'),
      Condition: {
        StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': [...scope.groupNames] },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['fleetpilot:*'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
  ];
  if (scope.targetGroupArns.length > 0) {
    statements.push({
      Sid: 'RegisterInConfiguredTargetGroups',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: [...scope.targetGroupArns],
    });
  }
  statements.push({
    Sid: 'DescribeTargetGroups',
    Effect: 'Allow',
    Action: ['elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeTargetGroups'],
    Resource: '*',
  });
  // Route 53: one statement per zone, limited to the A records that zone's name patterns can produce, and to the
  // UPSERT / DELETE changes the code makes. Condition keys and their normalisation (lower case, no trailing dot,
  // other characters as \ooo octal): Route 53 developer guide, "Using IAM policy conditions for fine-grained access
  // control" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html).
  for (const [key, zone] of Object.entries(config.hostedZones)) {
    const names = unique(
      config.services.flatMap((s) => s.dns.records.filter((r) => r.zone === key).map((r) => recordNamePattern(r.name))),
    );
    if (names.length === 0) continue;
    const zoneArn = join('arn:', partition, `:route53:::hostedzone/${zone.id}`);
    statements.push(
      {
        Sid: `ChangeRecordsIn${zone.id}`,
        Effect: 'Allow',
        Action: ['route53:ChangeResourceRecordSets'],
        Resource: zoneArn,
        Condition: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
          'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': names },
        },
      },
      {
        Sid: `ListRecordsIn${zone.id}`,
        Effect: 'Allow',
        Action: ['route53:ListResourceRecordSets'],
        Resource: zoneArn,
      },
    );
  }
  statements.push(
    { Sid: 'PublishToAlertsTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: logicalIds.topic } },
    {
      Sid: 'SendContinuations',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': [logicalIds.continuationQueue, 'Arn'] },
    },
  );
  return statements;
}

/**
 * A record name pattern as an IAM StringLike pattern over normalised names: each {placeholder} becomes "*", a
 * literal "*" label becomes its octal escape \052, and the name is lower-cased without its trailing dot.
 */
export function recordNamePattern(name: string): string {
  return name
    .toLowerCase()
    .replace(/\.$/, '')
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') ? '*' : part.replace(/\*/g, '\\052')))
    .join('');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function missingZone(key: string): never {
  // The schema already rejects unknown zone keys; reaching this is a bug, not a config problem.
  throw new Error(`hosted zone "${key}" is not defined (the schema should have caught this)`);
}
