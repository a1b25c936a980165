/**
 * No event is lost silently: every function has somewhere for failed events to go, every such queue raises an alarm
 * on the alerts topic, and the continuation queue is set up as the Lambda developer guide advises for SQS sources
 * ("Creating and configuring an Amazon SQS event source mapping": visibility timeout at least 6 x the function
 * timeout, a dead-letter queue after a few receives).
 */
import {
  asArray,
  type CfnResource,
  loadTemplate,
  packagedConfig,
  props,
  referencedId,
  renderString,
  resourcesOfType,
  type Template,
} from './template';

let template: Template;

beforeAll(() => {
  template = loadTemplate();
});

const functions = () => resourcesOfType(template, 'AWS::Lambda::Function');
/** The resource a logical id names, if any (callers assert that it is a queue). */
const resourceOf = (id: string | undefined): CfnResource | undefined => (id ? template.Resources[id] : undefined);
const queueProps = (id: string | undefined): Record<string, unknown> => {
  const resource = resourceOf(id);
  return resource?.Type === 'AWS::SQS::Queue' ? props(resource) : {};
};
const invokeConfigOf = (fnId: string) =>
  resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(
    ([, c]) => referencedId(props(c).FunctionName) === fnId,
  );
const mappingsOf = (fnId: string) =>
  resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => referencedId(props(m).FunctionName) === fnId,
  );

/** The queues failed work ends up in: destinations, function DLQs, rule-target DLQs and redrive targets. */
function deadLetterQueueIds(): Set<string> {
  const ids = new Set<string>();
  for (const [, config] of resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')) {
    const onFailure = (props(config).DestinationConfig as { OnFailure?: { Destination: unknown } } | undefined)
      ?.OnFailure;
    const id = referencedId(onFailure?.Destination);
    if (id) ids.add(id);
  }
  for (const [, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    for (const target of asArray(props(rule).Targets as { DeadLetterConfig?: { Arn: unknown } }[])) {
      const id = referencedId(target.DeadLetterConfig?.Arn);
      if (id) ids.add(id);
    }
  }
  for (const [, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const id = referencedId(
      (props(queue).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
    );
    if (id) ids.add(id);
  }
  return ids;
}

describe('failure paths in the packaged template', () => {
  it('gives every function an on-failure destination, a dead-letter queue, or SQS sources that redrive', () => {
    for (const [id, fn] of functions()) {
      const onFailure = invokeConfigOf(id)?.[1];
      const destination = (props(onFailure ?? { Type: '' }).DestinationConfig as { OnFailure?: unknown } | undefined)
        ?.OnFailure;
      const functionDlq = props(fn).DeadLetterConfig;
      const mappings = mappingsOf(id);
      const sqsRedrives =
        mappings.length > 0 &&
        mappings.every(([, m]) => queueProps(referencedId(props(m).EventSourceArn)).RedrivePolicy !== undefined);

      expect({ id, covered: Boolean(destination || functionDlq || sqsRedrives) }).toEqual({ id, covered: true });
    }
  });

  it('sends every EventBridge-invoked function to an SQS queue on failure', () => {
    const targets = new Set(
      resourcesOfType(template, 'AWS::Events::Rule').flatMap(([, r]) =>
        asArray(props(r).Targets as { Arn: unknown }[]).map((t) => referencedId(t.Arn)),
      ),
    );
    expect(targets.size).toBeGreaterThan(0);
    for (const id of targets) {
      const config = id ? invokeConfigOf(id)?.[1] : undefined;
      const destination = (props(config ?? { Type: '' }).DestinationConfig as { OnFailure?: { Destination: unknown } })
        ?.OnFailure?.Destination;

      expect({ id, onFailure: resourceOf(referencedId(destination))?.Type }).toEqual({
        id,
        onFailure: 'AWS::SQS::Queue',
      });
    }
  });

  // Lambda requires a visibility timeout of at least the function timeout. AWS advises 6 x for batches retried under
  // throttling; fleetpilot keeps it below the recommended 300 s hook HeartbeatTimeout instead, so that a crashed
  // resume is redelivered before its hook times out (see serverless.yml, ContinuationQueue).
  it('sets up the continuation queue so a crashed resume is redelivered before a 300 s hook times out', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const [, mapping] of mappings) {
      const m = props(mapping);
      const fn = template.Resources[referencedId(m.FunctionName) ?? ''];
      expect(resourceOf(referencedId(m.EventSourceArn))?.Type).toBe('AWS::SQS::Queue');
      const queue = queueProps(referencedId(m.EventSourceArn));
      const redrive = queue.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };

      expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(Number(fn ? props(fn).Timeout : Number.NaN));
      expect(Number(queue.VisibilityTimeout)).toBeLessThan(300);
      expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(2);
      expect(redrive.maxReceiveCount).toBeLessThanOrEqual(10);
      expect(resourceOf(referencedId(redrive.deadLetterTargetArn))?.Type).toBe('AWS::SQS::Queue');
      // Batches over ten records need a batching window (Lambda developer guide, "Using Lambda with Amazon SQS").
      if (Number(m.BatchSize) > 10) expect(Number(m.MaximumBatchingWindowInSeconds)).toBeGreaterThanOrEqual(1);
      expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('raises an alarm on the alerts topic as soon as any dead-letter queue holds a message', () => {
    const topics = ['AlertsTopic'];
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    const dlqs = deadLetterQueueIds();
    expect(dlqs.size).toBeGreaterThan(0);

    for (const queue of dlqs) {
      const alarm = alarms.find((a) =>
        asArray(a.Dimensions as { Name: string; Value: unknown }[]).some(
          (d) => d.Name === 'QueueName' && referencedId(d.Value) === queue,
        ),
      );

      expect({ queue, alarm: alarm !== undefined }).toEqual({ queue, alarm: true });
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
      expect(asArray(alarm?.AlarmActions).map(referencedId)).toEqual(topics);
    }
  });

  it('alarms about the alerts topic itself (failed deliveries, notifications not published) go to the fallback topic', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    const about = (metric: string) => alarms.find((a) => a.MetricName === metric);

    expect(about('NumberOfNotificationsFailed')).toMatchObject({ Namespace: 'AWS/SNS', Threshold: 0 });
    expect(about('NotificationsFailed')).toMatchObject({ Namespace: 'fleetpilot', Threshold: 0 });
    for (const alarm of [about('NumberOfNotificationsFailed'), about('NotificationsFailed')]) {
      expect(asArray(alarm?.AlarmActions).map(referencedId)).toEqual(['FallbackAlarmsTopic']);
    }
    // Every function's log group feeds the failed-notification metric.
    const filtered = resourcesOfType(template, 'AWS::Logs::MetricFilter').map(([, f]) =>
      referencedId(props(f).LogGroupName),
    );
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup').map(([id]) => id);
    expect([...filtered].sort()).toEqual([...logGroups].sort());
    // The fallback topic does not depend on the alerts topic's key.
    expect(props(template.Resources.FallbackAlarmsTopic ?? { Type: '' }).KmsMasterKeyId).toBeUndefined();
    expect(referencedId(props(template.Resources.AlertsTopic ?? { Type: '' }).KmsMasterKeyId)).toBe('AlertsKey');
  });

  it("lets only fleetpilot's role send to its work queues", () => {
    const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy').map(([, p]) => props(p));
    const work = policies.find((p) => asArray(p.Queues).map(referencedId).includes('ContinuationQueue'));
    const statement = (work?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)?.Statement[0];

    expect(asArray(work?.Queues).map(referencedId).sort()).toEqual(['ContinuationQueue', 'DnsChangeQueue']);
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage' });
    const condition = statement?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown } };
    expect(condition.ArnNotEquals['aws:PrincipalArn']).toEqual({ 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] });
  });

  it('lets EventBridge write to the rule dead-letter queue, for our rules only', () => {
    const region = packagedConfig().region;
    const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy').map(([, p]) => props(p));
    for (const [, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
      const ruleName = String(props(rule).Name);
      for (const target of asArray(props(rule).Targets as { DeadLetterConfig?: { Arn: unknown } }[])) {
        const queue = referencedId(target.DeadLetterConfig?.Arn);
        const policy = policies.find((p) => asArray(p.Queues).some((q) => referencedId(q) === queue));
        const statements = (policy?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)?.Statement;
        const grant = statements?.find(
          (s) => (s.Principal as { Service?: string } | undefined)?.Service === 'events.amazonaws.com',
        );
        const sourceArns = asArray(
          (grant?.Condition as { ArnEquals?: Record<string, unknown> } | undefined)?.ArnEquals?.['aws:SourceArn'],
        ).map((a) => renderString(a, region));

        expect(grant).toMatchObject({ Effect: 'Allow', Action: 'sqs:SendMessage' });
        expect(sourceArns).toContain(`arn:aws:events:${region}:123456789012:rule/${ruleName}`);
      }
    }
  });

  it('encrypts every queue with SQS-managed keys', () => {
    for (const [id, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
      expect({ id, sse: props(queue).SqsManagedSseEnabled }).toEqual({ id, sse: true });
    }
  });
});
