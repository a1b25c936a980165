/**
 * EventBridge Scheduler schedules that invoke a capability's function, and the execution role Scheduler assumes to do
 * it. A capability's deploy.ts names its own logical ids, texts and inputs; the CloudFormation shape is here, once.
 * Nothing here knows any capability.
 *
 * - AWS::Scheduler::Schedule (CloudFormation template reference): ScheduleExpression `cron(...)` or `rate(...)`, with
 *   ScheduleExpressionTimezone an IANA name (Scheduler follows daylight saving time: a time in the spring-forward gap
 *   is skipped, one in the repeated fall-back hour runs once — Scheduler user guide, "Schedule types");
 *   FlexibleTimeWindow OFF (invoked at the scheduled minute); Target.Input is passed to the function as is
 *   (Scheduler user guide, "Context attributes"). Scheduler invokes Lambda asynchronously; the function's own retries
 *   and on-failure destination (serverless.yml) take over from there.
 * - The execution role (Scheduler user guide, "Set up the execution role"): trusted by scheduler.amazonaws.com for
 *   this account only (aws:SourceAccount), allowed lambda:InvokeFunction on the given functions alone.
 * - Delivery failures: Target.RetryPolicy (at most 185 attempts, event age 60–86400 s) and a dead-letter queue, for
 *   which the execution role needs sqs:SendMessage (Scheduler user guide, "Configuring a schedule's dead-letter
 *   queue").
 */
import { type CfnResource, type CfnValue, cfn } from './capability';

/** The ARN of a resource of this stack, by its logical id (e.g. a function's `<Key>LambdaFunction`). */
export function arnOf(logicalId: string): CfnValue {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

/**
 * A name as a part of a schedule's logical id, which is alphanumeric: "web-api" -> "WebApi", "business_hours" ->
 * "BusinessHours". Two names may make the same part (only separators tell them apart): callers check for clashes.
 */
export function logicalIdPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** serverless.yml's failed-events queue (alarmed): the dead-letter queue of every schedule. */
export const FAILED_EVENTS_QUEUE_ARN = arnOf('FailedEventsQueue');

export interface SchedulerRoleSpec {
  description: string;
  /** Name of the role's inline policy. */
  policyName: string;
  /** Sid of the statement that allows lambda:InvokeFunction. */
  invokeSid: string;
  /** The functions the role may invoke: exactly these. */
  functionArns: readonly [CfnValue, ...CfnValue[]];
  /** The schedules' dead-letter queue. */
  deadLetterArn: CfnValue;
}

/** The AWS::IAM::Role Scheduler assumes to invoke the given functions and dead-letter what it could not deliver. */
export function schedulerRole(spec: SchedulerRoleSpec): CfnResource {
  const [only, ...more] = spec.functionArns;
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: spec.description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Only schedules of this account may use the role (confused deputy).
            Condition: { StringEquals: { 'aws:SourceAccount': cfn.account } },
          },
        ],
      },
      Policies: [
        {
          PolicyName: spec.policyName,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: spec.invokeSid,
                Effect: 'Allow',
                Action: 'lambda:InvokeFunction',
                Resource: more.length === 0 ? only : spec.functionArns,
              },
              {
                Sid: 'DeadLetterUndelivered',
                Effect: 'Allow',
                Action: 'sqs:SendMessage',
                Resource: spec.deadLetterArn,
              },
            ],
          },
        },
      ],
    },
  };
}

/** Target.RetryPolicy: how long and how often Scheduler tries to deliver before dead-lettering. */
export interface ScheduleRetry {
  maximumEventAgeInSeconds: number;
  maximumRetryAttempts: number;
}

export interface ScheduleTarget {
  /** The function invoked. */
  arn: CfnValue;
  /** Logical id of the execution role (a schedulerRole resource). */
  role: string;
  /** The function's event, passed as is. */
  input: string;
  retry: ScheduleRetry;
  deadLetterArn: CfnValue;
}

export interface ScheduleSpec {
  description: string;
  expression: string;
  /** IANA time zone of a cron expression; left out of the resource when not given. */
  timezone?: string | undefined;
  target: ScheduleTarget;
}

/** One enabled AWS::Scheduler::Schedule invoking a function through the execution role. */
export function schedulerSchedule(spec: ScheduleSpec): CfnResource {
  const { target } = spec;
  return {
    Type: 'AWS::Scheduler::Schedule',
    Properties: {
      Description: spec.description,
      ScheduleExpression: spec.expression,
      ...(spec.timezone === undefined ? {} : { ScheduleExpressionTimezone: spec.timezone }),
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: target.arn,
        RoleArn: arnOf(target.role),
        Input: target.input,
        RetryPolicy: {
          MaximumEventAgeInSeconds: target.retry.maximumEventAgeInSeconds,
          MaximumRetryAttempts: target.retry.maximumRetryAttempts,
        },
        DeadLetterConfig: { Arn: target.deadLetterArn },
      },
    },
  };
}

/** Two names that make the same logical id (only separators tell them apart, e.g. "web-1" and "web1"). */
export class LogicalIdConflictError extends Error {
  override readonly name = 'LogicalIdConflictError';
}

/** Adds `resource` under a logical id made from names (`what` names them), refusing an id two of them made. */
export function addUnique(into: Record<string, CfnResource>, id: string, resource: CfnResource, what: string): void {
  if (Object.hasOwn(into, id)) throw new LogicalIdConflictError(`two ${what} make the logical id ${id}`);
  into[id] = resource;
}
