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
    // Only the hooks fleetpilot owns (services[].lifecycle.hooks): other hooks of the same groups belong to other
    // teams. One rule lists every group's names; the handler's ownsHook check keeps each name to its own group.
    const pattern = (detailType: string, transition: 'launch' | 'terminate'): EventPattern => ({
      source: ['aws.autoscaling'],
      'detail-type': [detailType],
      detail: {
        AutoScalingGroupName: [...groupNames],
        LifecycleHookName: unique(config.services.flatMap((s) => s.lifecycle.hooks[transition])),
      },
    });
    return {
      lifecycleLaunch: pattern(LAUNCH_DETAIL_TYPE, 'launch'),
      lifecycleTerminate: pattern(TERMINATE_DETAIL_TYPE, 'terminate'),
    };
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
      config.services.flatMap((s) =>
        s.dns.records
          .filter((r) => r.zone === key)
          .flatMap((r) =>
            recordNamePatterns(r.name, { region: config.region, service: s.name, asgName: s.autoScalingGroup }),
          ),
      ),
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

/** What a record name pattern's placeholders can be spelled as in an IAM pattern, from the service they belong to. */
export interface NameContext {
  region: string;
  service: string;
  asgName: string;
}

/** More alternatives than this for one record name: its IP placeholders fall back to "*". */
const MAX_ALTERNATIVES = 81;

/** IPv4 addresses are 7–15 characters (dotted or dashed); "?" stands for any one character. */
const IPV4_LENGTHS = Array.from({ length: 9 }, (_, i) => '?'.repeat(7 + i));

/**
 * A record name pattern as IAM StringLike patterns over Route 53's normalised names (lower case, no trailing dot,
 * characters other than a-z 0-9 - _ . as a backslash and three octal digits: Route 53 developer guide, "Using IAM
 * policy conditions for fine-grained access control"). IAM's StringLike knows only "*" (any run of characters, dots
 * included) and "?" (any one character; IAM user guide, "IAM JSON policy elements: Condition operators"), so:
 * - {service} and {asgName} are the service's own values, spelled out;
 * - {instanceId} is "i-" and 17 "?" (instance ids have had 17 hex digits since 2018);
 * - an IP placeholder is one alternative per length, 7 to 15 "?" (a name with so many IP placeholders that the
 *   alternatives pass 81 falls back to "*" for them);
 * - {az} is the region and "*" (Local Zone names, such as us-west-2-lax-1a, are longer than region + one letter).
 * "?" matches a dot or a dash as well as a digit: IAM cannot say "digits only".
 */
export function recordNamePatterns(name: string, context: NameContext): string[] {
  const parts = name
    .replace(/\.$/, '')
    .split(/(\{[^}]*\})/)
    .filter((part) => part !== '')
    .map((part) => (part.startsWith('{') ? part : part.toLowerCase()));
  const ipCount = parts.filter((p) => /^\{(private|public)Ip(Dashed)?\}$/.test(p)).length;
  const expandIps = IPV4_LENGTHS.length ** ipCount <= MAX_ALTERNATIVES;
  let patterns = [''];
  for (const part of parts) {
    const choices = placeholderChoices(part, context, expandIps);
    patterns = patterns.flatMap((prefix) => choices.map((choice) => prefix + choice));
  }
  return patterns;
}

function placeholderChoices(part: string, context: NameContext, expandIps: boolean): string[] {
  switch (part) {
    case '{service}':
      return [normalisedLiteral(context.service)];
    case '{asgName}':
      return [normalisedLiteral(context.asgName.toLowerCase())];
    case '{instanceId}':
      return [`i-${'?'.repeat(17)}`];
    case '{az}':
      return [`${normalisedLiteral(context.region)}*`];
    case '{privateIp}':
    case '{publicIp}':
    case '{privateIpDashed}':
    case '{publicIpDashed}':
      return expandIps ? IPV4_LENGTHS : ['*'];
    default:
      // The config check refuses unknown placeholders; a literal is escaped as Route 53 normalises it.
      return [normalisedLiteral(part)];
  }
}

/** Route 53's normal form of literal text: other characters than a-z 0-9 - _ . as \ooo (so "*" is \052). */
function normalisedLiteral(text: string): string {
  return text.replace(/[^a-z0-9\-_.]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
