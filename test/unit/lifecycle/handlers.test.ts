import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { RequestThrottled, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { makeLifecycleHandler, makeResumeHandler } from '../../../functions/lifecycle/handlers';
import { envelope } from '../../../shared/continuation/envelope';
import { type LifecycleSample, loadEvent, timedEvent } from '../../helpers/events';
import {
  callLog,
  HEALTHY_THRESHOLD_S,
  harness,
  INSTANCE,
  instance,
  instanceId,
  launchEvent,
  mocks,
  mutatingCalls,
  parkedMessages,
  sqsEvent,
} from './harness';

const context = () => ({ getRemainingTimeInMillis: () => 120_000 });

describe('lifecycle handlers at the boundary', () => {
  it('rejects an event without EC2InstanceId, names the field, calls nothing and sends a warning', async () => {
    const h = harness();
    const event = timedEvent<LifecycleSample>('autoscaling-launch-lifecycle-action');
    delete (event.detail as Partial<LifecycleSample['detail']>).EC2InstanceId;

    const outcome = await h.launch(event);

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('detail.EC2InstanceId') });
    expect(callLog).toEqual([]);
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.notifier.sent[0]).toMatchObject({
      severity: 'warning',
      kind: 'lifecycle.event.invalid',
      correlationId: event.id,
    });
    expect(h.notifier.sent[0]?.facts[0]?.[1]).toContain('detail.EC2InstanceId');
  });

  it('rejects a terminate event delivered to the launch function', async () => {
    const h = harness();

    const outcome = await h.launch(timedEvent('autoscaling-terminate-lifecycle-action'));

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('is not a launch action') });
    expect(callLog).toEqual([]);
  });

  it('rejects an event whose time is not a timestamp (as in AWS samples with placeholders)', async () => {
    const h = harness();

    const outcome = await h.launch(loadEvent('autoscaling-launch-lifecycle-action'));

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('time') });
    expect(callLog).toEqual([]);
  });

  it('ignores autoscaling:TEST_NOTIFICATION without any AWS call or notification', async () => {
    const h = harness();

    const outcome = await h.launch(loadEvent('autoscaling-test-notification'));

    expect(outcome).toEqual({ status: 'ignored', reason: 'autoscaling:TEST_NOTIFICATION' });
    expect(callLog).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it('ignores a group that is not in the config', async () => {
    const h = harness();
    const event = launchEvent();
    event.detail.AutoScalingGroupName = 'someone-elses-asg';

    expect(await h.launch(event)).toMatchObject({ status: 'ignored' });
    expect(callLog).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it('continues later through the queue when the guard read fails with a network error', async () => {
    const h = harness();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    mocks.asg.on(DescribeAutoScalingInstancesCommand).rejects(reset);

    expect(await h.launch()).toEqual({ status: 'waiting', phase: 'start' });
    expect(parkedMessages().map((m) => m.envelope.retries)).toEqual([1]);
    expect(mutatingCalls()).toEqual([]);
  });

  it('rethrows an error of the guard read it cannot classify, so Lambda retries and the dead-letter queue keeps it', async () => {
    const h = harness();
    mocks.asg.on(DescribeAutoScalingInstancesCommand).rejects(new Error('unexpected answer'));

    await expect(h.launch()).rejects.toThrow('unexpected answer');
    expect(mutatingCalls()).toEqual([]);
    expect(parkedMessages()).toEqual([]);
    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([['warning', 'lifecycle.launch.retrying']]);
  });
});

describe('resume handler (continuation queue)', () => {
  it.each([
    ['without Records', {}],
    ['with Records: null', { Records: null }],
  ])('rejects an SQS event %s with a clear warning and no crash', async (_, event) => {
    const h = harness();

    const response = await makeResumeHandler(h.deps)(event, context());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(h.notifier.sent.map((n) => n.kind)).toEqual(['lifecycle.event.invalid']);
    expect(h.notifier.sent[0]?.facts[0]?.[1]).toMatch(/^Records: /);
    expect(callLog).toEqual([]);
  });

  it('rejects a malformed continuation and one of an unknown kind once, without asking for redelivery', async () => {
    const h = harness();

    const response = await h.resume(
      'not json',
      JSON.stringify({ v: 1, kind: 'lifecycle.step', hops: 0, retries: 0, payload: { phase: 'nowhere' } }),
      JSON.stringify(envelope('dns.change', { what: 'x' })),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(h.notifier.sent.map((n) => [n.kind, n.correlationId])).toEqual([
      ['lifecycle.event.invalid', 'm-0'],
      ['lifecycle.event.invalid', 'm-2'],
      ['lifecycle.event.invalid', 'm-1'],
    ]);
    const problems = h.notifier.sent.map((n) => n.facts.map(([, v]) => v).join(' | '));
    expect(problems[0]).toBe('body is not JSON');
    expect(problems[1]).toContain('kind: "dns.change" is not served here');
    expect(problems[2]).toContain('payload.phase');
    expect(callLog).toEqual([]);
  });

  it('returns every message id of the batch for redelivery when a retryable error fails the whole batch', async () => {
    const h = harness();
    const ids = [instanceId(1), instanceId(2), instanceId(3)];
    for (const id of ids) instance({ health: 'initial' }, id);
    for (const id of ids) await h.launch(launchEvent(id));
    const parked = parkedMessages();
    mocks.sqs
      .on(SendMessageBatchCommand)
      .rejects(new RequestThrottled({ message: 'Request is throttled', $metadata: {} }));
    h.clock.advance(HEALTHY_THRESHOLD_S * 1000);

    const response = await h.resume(...parked.map((m) => JSON.stringify(m.envelope)));

    expect(response).toEqual({
      batchItemFailures: ['m-0', 'm-1', 'm-2'].map((itemIdentifier) => ({ itemIdentifier })),
    });
    expect(h.notifier.sent.map((n) => [n.severity, n.kind, n.title])).toEqual([
      ['warning', 'lifecycle.launch.retrying', '3 lifecycle actions hit an error; retrying'],
    ]);
  });

  it('ignores a continuation for a group that is no longer in the config', async () => {
    const h = harness();
    const event = launchEvent();
    instance({ ec2: 'pending' });
    await h.launch(event);
    const parked = parkedMessages()[0]?.envelope;
    const payload = parked?.payload as { action: { groupName: string } };
    payload.action.groupName = 'removed-asg';
    callLog.length = 0;

    const response = await h.resume(JSON.stringify(parked));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(callLog).toEqual([]);
  });
});

describe('logging', () => {
  it('tags every log line of an event with the service, group, instance, event id and phase', async () => {
    const h = harness();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const log = new Logger({ serviceName: 'fleetpilot', logLevel: 'INFO' });
    const event = launchEvent();
    try {
      await makeLifecycleHandler('launch', { ...h.deps, log })(event, context());
    } finally {
      spy.mockRestore();
    }

    const handled = lines
      .map((l) => JSON.parse(l))
      .find((entry) => entry.message === 'lifecycle action handed to the batch');
    expect(handled).toMatchObject({
      fleetpilotService: 'web',
      asg: 'my-asg',
      instanceId: INSTANCE,
      eventId: event.id,
      phase: 'start',
    });
  });
});

// sqsEvent is AWS's sample SQS record with our bodies; a quick check that the helper keeps its shape.
it('builds resume batches from AWS sample SQS records', () => {
  expect(sqsEvent('a', 'b').Records.map((r) => [r.messageId, r.body, r.eventSource])).toEqual([
    ['m-0', 'a', 'aws:sqs'],
    ['m-1', 'b', 'aws:sqs'],
  ]);
});
