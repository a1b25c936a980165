/**
 * What the Slack function needs from the stack: the subscription of its queue (serverless.yml) to the alerts topic,
 * the queue's policy, the dead-letter alarm, a metric filter, and ssm:GetParameter on exactly the parameters the
 * config names. Never imported by a handler.
 *
 * Why a queue between the topic and the function (rather than a Lambda subscription): SNS invokes a subscribed
 * function once per message, so a burst would be dozens of invocations and dozens of Slack messages; the SQS event
 * source gathers messages for up to the batching window (serverless.yml: 10 s) and hands them over as one batch,
 * which the function groups per service (Lambda developer guide, "Using Lambda with Amazon SQS", batching window).
 * The queue also gives partial batch failures and a dead-letter queue for what Slack refused, so nothing is lost
 * silently. Raw message delivery stays off (functions/slack/envelope.ts says why).
 *
 * The queue lets only SNS send, and only from the alerts topic (SNS developer guide, "Fanout to Amazon SQS queues":
 * the queue policy with aws:SourceArn). The subscription exists only when some service has a `slack` section.
 */
import { type CapabilityDeploy, type CfnResource, cfn, type IamStatement, unique } from '../../deploy/capability';
import type { FleetpilotConfig } from '../../shared/config/schema';
import type { SlackConfig } from './config';

/**
 * Logical ids of the queue and its dead-letter queue, declared in serverless.yml's resources (the simulated account
 * and test/sim/account/wiring-queues.test.ts read queues from there).
 */
export const SLACK_QUEUE = 'SlackQueue';
export const SLACK_DEAD_LETTER_QUEUE = 'SlackDeadLetterQueue';
/** serverless.yml's logical id of the alerts topic (deploy/stack-values.ts logicalIds). */
const ALERTS_TOPIC = 'AlertsTopic';

/** The SSM parameters the config names (the secrets of every service's Slack transport). */
export function slackParameters(config: FleetpilotConfig): string[] {
  return unique(
    (config.services as { slack?: SlackConfig | undefined }[]).flatMap((s) => {
      const t = s.slack?.transport;
      if (!t) return [];
      return ['webhook' in t ? t.webhook.parameter : t.bot.parameter];
    }),
  );
}

/** Parameter ARNs: a name starting with "/" is appended as is, otherwise after "parameter/" (IAM: Systems Manager). */
const parameterArn = (name: string) =>
  cfn.join(
    'arn:',
    cfn.partition,
    ':ssm:',
    cfn.region,
    ':',
    cfn.account,
    `:parameter${name.startsWith('/') ? '' : '/'}${name}`,
  );

function iamStatements(config: FleetpilotConfig): IamStatement[] {
  const parameters = slackParameters(config);
  if (parameters.length === 0) return [];
  return [
    {
      // GetParameter with WithDecryption; the aws/ssm key needs no grant (functions/slack/secret.ts).
      Sid: 'ReadSlackSecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: parameters.map(parameterArn),
    },
  ];
}

function resources(config: FleetpilotConfig): Record<string, CfnResource> {
  const subscribed = slackParameters(config).length > 0;
  return {
    SlackQueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: SLACK_QUEUE }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AlertsTopicDelivers',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [SLACK_QUEUE, 'Arn'] },
              Condition: { ArnEquals: { 'aws:SourceArn': { Ref: ALERTS_TOPIC } } },
            },
          ],
        },
      },
    },
    // Slack refused messages for good (or kept failing): the alarm goes to the alerts topic like every dead-letter
    // alarm, so e-mail subscribers see it (its own Slack delivery may fail too; it then lands in the same queue, the
    // alarm already in ALARM: no loop).
    SlackDeadLetterAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription:
          'fleetpilot could not deliver notifications to Slack; see the Slack dead-letter queue and the slackDeliver logs',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [SLACK_DEAD_LETTER_QUEUE, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: ALERTS_TOPIC }],
      },
    },
    // Every delivery Slack refused for good is logged with `fleetpilotSlackFailed: 1` (functions/slack/deliver.ts).
    SlackFailedFilter: {
      Type: 'AWS::Logs::MetricFilter',
      Properties: {
        LogGroupName: { Ref: 'SlackDeliverLogGroup' },
        FilterPattern: '{ $.fleetpilotSlackFailed = 1 }',
        MetricTransformations: [
          { MetricNamespace: 'fleetpilot', MetricName: 'SlackDeliveriesFailed', MetricValue: '1', DefaultValue: 0 },
        ],
      },
    },
    ...(subscribed
      ? {
          SlackSubscription: {
            Type: 'AWS::SNS::Subscription',
            Properties: {
              Protocol: 'sqs',
              Endpoint: { 'Fn::GetAtt': [SLACK_QUEUE, 'Arn'] },
              TopicArn: { Ref: ALERTS_TOPIC },
              RawMessageDelivery: false,
            },
            DependsOn: ['SlackQueuePolicy'],
          },
        }
      : {}),
  };
}

export const slackDeploy: CapabilityDeploy = {
  name: 'slack',
  eventPatterns: () => ({}),
  iamStatements,
  resources,
};
