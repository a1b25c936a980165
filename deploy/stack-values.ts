/**
 * Everything serverless.yml takes from the fleetpilot config, derived (never copied) from the validated config.
 * deploy/config.cjs hands these values to serverless.yml as `${file(./deploy/config.cjs):<key>}`; deploy/wiring.ts
 * resolves the same keys, so the event patterns live in one place only.
 *
 * The spine owns the alerts topic, the continuation queue and the failed-events queue; each capability declares its
 * rules, statements and resources in `functions/<capability>/deploy.ts`, and `capabilities` below lists them. That
 * list is the only place in deploy/ that names a capability.
 */
import { createHash } from 'node:crypto';
import { amiRefreshDeploy } from '../functions/ami-refresh/deploy';
import { certificatesDeploy } from '../functions/certificates/deploy';
import { lifecycleDeploy } from '../functions/lifecycle/deploy';
import { scheduleDeploy } from '../functions/schedule/deploy';
import { siteDeploy } from '../functions/site/deploy';
import { slackDeploy } from '../functions/slack/deploy';
import { targetHealthDeploy } from '../functions/target-health/deploy';
import { loadConfig } from '../shared/config/load';
import type { FleetpilotConfig } from '../shared/config/schema';
import {
  type CapabilityDeploy,
  type CfnResource,
  type CfnValue,
  cfn,
  type EventPattern,
  type IamStatement,
} from './capability';
import { type ConfigFileChoice, type ConfigFileRequest, chooseConfigFile } from './config-file';

export type { CapabilityDeploy, CfnResource, CfnValue, EventPattern, IamStatement } from './capability';

/** Every capability deployed with the stack. */
export const capabilities: readonly CapabilityDeploy[] = [
  lifecycleDeploy,
  amiRefreshDeploy,
  targetHealthDeploy,
  siteDeploy,
  slackDeploy,
  certificatesDeploy,
  scheduleDeploy,
];

/** Logical ids of resources serverless.yml declares and the policy refers to. Kept in step with serverless.yml. */
export const logicalIds = {
  topic: 'AlertsTopic',
  topicKey: 'AlertsKey',
  fallbackTopic: 'FallbackAlarmsTopic',
  continuationQueue: 'ContinuationQueue',
  dnsQueue: 'DnsChangeQueue',
} as const;

export interface EventRule {
  /** The rule's name: `<service>-<stage>-<function key in kebab case>`. */
  name: string;
  /** Exactly what the rule in the template carries. */
  pattern: EventPattern;
}

export interface StackValues {
  region: string;
  /** Path of the config file inside each function zip (relative to the package root, "/" separators). */
  configFile: string;
  topicName: string;
  /** The EventBridge rules, keyed by the function they invoke (its key in serverless.yml). */
  eventRules: Record<string, EventRule>;
  /** ARNs of every rule above: the sources allowed to send to the failed-events queue. */
  eventRuleArns: CfnValue[];
  /** The functions' IAM statements (provider.iam.role.statements): the spine's and every capability's. */
  iamStatements: IamStatement[];
  /** Resources the capabilities declare, and one AWS::SNS::Subscription per configured e-mail address. */
  resources: Record<string, CfnResource>;
}

export interface StackRequest extends ConfigFileRequest {
  /** serverless.yml's `service`, the first part of every rule name. */
  service: string;
}

/** Two capabilities declared the same rule, statement id or resource. */
export class CapabilityConflictError extends Error {
  override readonly name = 'CapabilityConflictError';
}

/** A function key that cannot make an EventBridge rule name. */
export class InvalidRuleNameError extends Error {
  override readonly name = 'InvalidRuleNameError';
}

/** Chooses the config file, loads and validates it (throwing ConfigError), and derives the stack values. */
export function loadStackValues(request: StackRequest): { values: StackValues; choice: ConfigFileChoice } {
  const choice = chooseConfigFile(request);
  const config = loadConfig(choice.absolutePath);
  return {
    values: deriveStackValues(config, {
      configFile: choice.packagedPath,
      service: request.service,
      stage: request.stage,
    }),
    choice,
  };
}

export function deriveStackValues(
  config: FleetpilotConfig,
  stack: { configFile: string; service: string; stage: string },
  declared: readonly CapabilityDeploy[] = capabilities,
): StackValues {
  const eventRules: Record<string, EventRule> = {};
  const statements: IamStatement[] = [];
  const resources: Record<string, CfnResource> = emailSubscriptions(config);
  for (const capability of declared) {
    for (const [fn, pattern] of Object.entries(capability.eventPatterns(config, stack))) {
      claim(eventRules, fn, { name: ruleName(stack, fn), pattern }, `the rule of function ${fn}`, capability);
    }
    statements.push(...capability.iamStatements(config, stack));
    for (const [id, resource] of Object.entries(capability.resources?.(config, stack) ?? {})) {
      claim(resources, id, resource, `resource ${id}`, capability);
    }
  }
  statements.push(...spineStatements());
  const sids = new Set<string>();
  for (const { Sid } of statements) {
    // IAM user guide, "IAM JSON policy elements: Sid": in IAM the Sid must be unique within a policy.
    if (sids.has(Sid)) throw new CapabilityConflictError(`IAM statement id ${Sid} is declared twice`);
    sids.add(Sid);
  }
  return {
    region: config.region,
    configFile: stack.configFile,
    topicName: config.notifications.topicName,
    eventRules,
    eventRuleArns: Object.values(eventRules).map((rule) =>
      cfn.join('arn:', cfn.partition, ':events:', cfn.region, ':', cfn.account, `:rule/${rule.name}`),
    ),
    iamStatements: statements,
    resources,
  };
}

/**
 * EventBridge rule names: at most 64 characters of letters, digits, ".", "-" and "_" (EventBridge API reference,
 * PutRule, Name).
 */
function ruleName(stack: { service: string; stage: string }, fn: string): string {
  const name = `${stack.service}-${stack.stage}-${fn.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (name.length > 64 || !/^[.\-_A-Za-z0-9]+$/.test(name)) {
    throw new InvalidRuleNameError(
      `EventBridge rule name "${name}" is not a valid rule name (at most 64 of A-Z a-z 0-9 . - _)`,
    );
  }
  return name;
}

/** The spine's own grants: publishing notifications, handing work over to a later invocation, asking the Route 53 writer. */
function spineStatements(): IamStatement[] {
  return [
    { Sid: 'PublishToAlertsTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: logicalIds.topic } },
    {
      // Publishing to a topic encrypted with a customer managed key needs these on the key, through SNS only (SNS
      // developer guide, "Encryption at rest": publisher permissions).
      Sid: 'EncryptNotificationsWithTheAlertsKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: { 'Fn::GetAtt': [logicalIds.topicKey, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': cfn.join('sns.', cfn.region, '.amazonaws.com') } },
    },
    {
      // SendMessageBatch is authorised by sqs:SendMessage (SQS developer guide, "Amazon SQS API permissions").
      Sid: 'SendContinuations',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [
        { 'Fn::GetAtt': [logicalIds.continuationQueue, 'Arn'] },
        { 'Fn::GetAtt': [logicalIds.dnsQueue, 'Arn'] },
      ],
    },
  ];
}

/** One subscription per address, keyed by a logical id stable across reorderings. */
/**
 * One e-mail subscription per address to the alerts topic, and one to the fallback topic that carries the alarms
 * about the alerts topic itself (its delivery failures, notifications fleetpilot could not publish).
 */
function emailSubscriptions(config: FleetpilotConfig): Record<string, CfnResource> {
  return {
    ...subscriptionsTo(config, logicalIds.topic, 'Alerts'),
    ...subscriptionsTo(config, logicalIds.fallbackTopic, 'Fallback'),
  };
}

function subscriptionsTo(config: FleetpilotConfig, topic: string, prefix: string): Record<string, CfnResource> {
  return Object.fromEntries(
    config.notifications.emails.map((email) => [
      `${prefix}EmailSubscription${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10)}`,
      {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'email', Endpoint: email, TopicArn: { Ref: topic } },
      },
    ]),
  );
}

function claim<T>(into: Record<string, T>, key: string, value: T, what: string, by: CapabilityDeploy): void {
  if (Object.hasOwn(into, key)) throw new CapabilityConflictError(`${what} is declared twice (again by ${by.name})`);
  into[key] = value;
}
