/**
 * What the lifecycle functions need from the stack: the rules that route the configured groups' lifecycle actions,
 * and least privilege for the calls they make. deploy/stack-values.ts combines this with the other capabilities.
 * Never imported by a handler: it runs when serverless.yml is resolved and when the simulated account is wired.
 */
import { type CapabilityDeploy, cfn, type EventPattern, type IamStatement, unique } from '../../deploy/capability';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { LAUNCH_DETAIL_TYPE, TERMINATE_DETAIL_TYPE } from './action';

export const lifecycleDeploy: CapabilityDeploy = {
  name: 'lifecycle',
  eventPatterns(config) {
    const groupNames = groupNamesOf(config);
    const pattern = (detailType: string): EventPattern => ({
      source: ['aws.autoscaling'],
      'detail-type': [detailType],
      detail: { AutoScalingGroupName: [...groupNames] },
    });
    return { lifecycleLaunch: pattern(LAUNCH_DETAIL_TYPE), lifecycleTerminate: pattern(TERMINATE_DETAIL_TYPE) };
  },
  iamStatements,
};

/** The configured groups, refused when IAM would read a character of the name as a wildcard. */
function groupNamesOf(config: FleetpilotConfig): string[] {
  const groupNames = config.services.map((s) => s.autoScalingGroup);
  for (const name of groupNames) {
    // IAM treats * and ? in a Resource ARN as wildcards: such a group name would widen the grant to other groups.
    if (/[*?]/.test(name)) {
      throw new Error(`Auto Scaling group name "${name}" contains "*" or "?", which IAM would read as a wildcard`);
    }
  }
  return groupNames;
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
function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const { join, partition, region, account } = cfn;
  const groupNames = groupNamesOf(config);
  const targetGroupArns = unique(config.services.flatMap((s) => s.targetGroups));
  const statements: IamStatement[] = [
    {
      Sid: 'CompleteLifecycleActionsOfConfiguredGroups',
      Effect: 'Allow',
      Action: ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat'],
      // autoScalingGroup ARN format (SAR, "Resource types defined by Amazon EC2 Auto Scaling"):
      // arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:${GroupId}:autoScalingGroupName/${GroupName}
      Resource: groupNames.map((name) =>
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
      // ec2:CreateTags accepts the instance resource type with aws:ResourceTag/${TagKey}, and the request keys
      // aws:TagKeys (SAR, list_amazonec2.html). Auto Scaling tags its instances with aws:autoscaling:groupName.
      // ForAllValues passes an empty key set, so a Null condition requires the request to name its tag keys.
      // (No DeleteTags: an instance that leaves keeps its tags; they go with it.)
      Sid: 'TagInstancesOfConfiguredGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: join('arn:', partition, ':ec2:', region, ':', account, ':instance/*'),
      Condition: {
        StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': [...groupNames] },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['fleetpilot:*'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    },
  ];
  if (targetGroupArns.length > 0) {
    statements.push({
      Sid: 'RegisterInConfiguredTargetGroups',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: [...targetGroupArns],
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
