import { Logger } from '@aws-lambda-powertools/logger';
import {
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { RequestThrottled, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { makeLifecycleHandler, makeResumeHandler } from '../../../functions/lifecycle/handlers';
import { envelope } from '../../../shared/continuation/envelope';
import { type LifecycleSample, loadEvent, timedEvent } from '../../helpers/events';
import {
  callLog,
  EVENT_TIME,
  HEALTHY_THRESHOLD_S,
  HEALTHY_TIMEOUT_S,
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

const FUNCTION_ARN = 'arn:aws:lambda:us-west-2:123456789012:function:fleetpilot-test-lifecycleLaunch';
const arnContext = (arn = FUNCTION_ARN) => ({ ...context(), invokedFunctionArn: arn });

/** Runs one launch event through a fresh launch handler with the function's ARN in the context. */
async function launchWithArn(h: ReturnType<typeof harness>, event: unknown, arn = FUNCTION_ARN) {
  return makeLifecycleHandler('launch', h.deps)(event, arnContext(arn));
}

const problems = (h: ReturnType<typeof harness>) => h.notifier.sent.flatMap((n) => n.facts.map(([, v]) => v));

describe('lifecycle events checked against the deployment, the clock and size limits', () => {
  it('accepts an event of its own account and region', async () => {
    const h = harness();

    expect(await launchWithArn(h, launchEvent())).toEqual({ status: 'waiting', phase: 'start' });
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it.each([
    ['region', (e: LifecycleSample) => Object.assign(e, { region: 'eu-west-1' })],
    ['account', (e: LifecycleSample) => Object.assign(e, { account: '210987654321' })],
  ])('rejects an event of another %s, names the field and parks nothing', async (field, change) => {
    const h = harness();

    const outcome = await launchWithArn(h, change(launchEvent()));

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining(`${field}: `) });
    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([['warning', 'lifecycle.event.invalid']]);
    expect(problems(h)[0]).toMatch(new RegExp(`^${field}: `));
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toEqual([]);
    expect(callLog).toEqual([]);
  });

  it('takes the account from field 5 of the function ARN', async () => {
    const h = harness();

    const outcome = await launchWithArn(h, launchEvent(), FUNCTION_ARN.replace('123456789012', '999999999999'));

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('999999999999') });
  });

  it.each([
    ['an hour in the future', 3600_000, 'time: 3598 s in the future'],
    ['49 hours old', -49 * 3600_000, 'time: older than a lifecycle hook can wait'],
  ])('rejects an event time %s', async (_, offset, problem) => {
    const h = harness();
    const event = launchEvent(INSTANCE, undefined, new Date(EVENT_TIME + offset).toISOString());

    expect(await h.launch(event)).toMatchObject({ status: 'rejected' });
    expect(problems(h)[0]).toContain(problem);
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toEqual([]);
  });

  it('clamps an event time a minute ahead (clock skew) to the arrival', async () => {
    const h = harness();
    const event = launchEvent(INSTANCE, undefined, new Date(h.clock.now() + 60_000).toISOString());

    await launchWithArn(h, event);

    const parked = JSON.parse(
      mocks.sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.MessageBody ?? '{}',
    ) as { payload: { action: { time: number }; lastHeartbeat: number } };
    expect(parked.payload.action.time).toBe(h.clock.now());
    expect(parked.payload.lastHeartbeat).toBe(h.clock.now());
  });

  it('continues a healthy launch whose event arrives 30 minutes late, heartbeating from the event time', async () => {
    const h = harness({ startAt: EVENT_TIME + 30 * 60_000 });

    await h.launch();
    await h.run();

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(mocks.asg).not.toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionResult: 'ABANDON',
    });
    // The hook's 300 s heartbeat timeout runs from the event: the first look sends a heartbeat at once.
    expect(mocks.asg.commandCalls(RecordLifecycleActionHeartbeatCommand).length).toBeGreaterThan(0);
  });

  it('gives a late launch at least half its healthy timeout before abandoning', async () => {
    const startAt = EVENT_TIME + 30 * 60_000;
    const h = harness({ startAt });
    instance({ health: 'unhealthy' });
    let abandonedAt = 0;
    mocks.asg.on(CompleteLifecycleActionCommand).callsFake(async () => {
      abandonedAt = h.clock.now();
      return {};
    });

    await h.launch();
    await h.run();

    expect(abandonedAt).toBe(startAt - (HEALTHY_TIMEOUT_S * 1000) / 2 + HEALTHY_TIMEOUT_S * 1000);
  });

  it.each([
    [
      'detail.LifecycleHookName',
      (e: LifecycleSample) => ({ ...e, detail: { ...e.detail, LifecycleHookName: 'h'.repeat(256) } }),
    ],
    [
      'detail.AutoScalingGroupName',
      (e: LifecycleSample) => ({ ...e, detail: { ...e.detail, AutoScalingGroupName: 'g'.repeat(256) } }),
    ],
    [
      'detail.NotificationMetadata',
      (e: LifecycleSample) => ({ ...e, detail: { ...e.detail, NotificationMetadata: 'm'.repeat(1024) } }),
    ],
    [
      'detail.LifecycleActionToken',
      (e: LifecycleSample) => ({ ...e, detail: { ...e.detail, LifecycleActionToken: 't'.repeat(37) } }),
    ],
    [
      'detail.EC2InstanceId',
      (e: LifecycleSample) => ({ ...e, detail: { ...e.detail, EC2InstanceId: `i-${'0'.repeat(18)}` } }),
    ],
    ['id', (e: LifecycleSample) => Object.assign(e, { id: 'x'.repeat(129) })],
    ['resources', (e: LifecycleSample) => Object.assign(e, { resources: Array(11).fill('arn:aws:autoscaling:x') })],
    ['resources[0]', (e: LifecycleSample) => Object.assign(e, { resources: ['r'.repeat(1601)] })],
    ['(root)', (e: LifecycleSample) => Object.assign(e, { padding: 'p'.repeat(300 * 1024) })],
  ])('rejects an oversized %s and names it', async (field, change) => {
    const h = harness();

    expect(await h.launch(change(launchEvent()))).toMatchObject({ status: 'rejected' });
    expect(problems(h)[0]?.startsWith(`${field}: `)).toBe(true);
    expect(callLog).toEqual([]);
  });

  it('caps what a rejection logs and notifies: at most 10 problems of at most 300 characters', async () => {
    const h = harness();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const log = new Logger({ serviceName: 'fleetpilot', logLevel: 'INFO' });
    const junk = 'x'.repeat(100_000);
    const sevens = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, 7]));
    const event = {
      ...sevens(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources']),
      detail: sevens(['LifecycleActionToken', 'AutoScalingGroupName', 'LifecycleHookName', 'EC2InstanceId', 'Origin']),
    };
    const huge = makeResumeHandler({ ...h.deps, log });
    try {
      await makeLifecycleHandler('launch', { ...h.deps, log })({ ...event, id: junk }, context());
      await huge(sqsEvent(JSON.stringify(envelope('dns.change', {}))), context());
    } finally {
      spy.mockRestore();
    }

    const facts = h.notifier.sent[0]?.facts ?? [];
    expect(facts.length).toBeLessThanOrEqual(11);
    expect(facts.at(-1)?.[1]).toMatch(/and \d+ more problem/);
    expect(Math.max(...problems(h).map((p) => p.length))).toBeLessThanOrEqual(300);
    expect(h.notifier.sent[0]?.correlationId.length).toBeLessThanOrEqual(128);
    expect(lines.join('').length).toBeLessThan(20_000);
  });
});

describe('resume handler (continuation queue)', () => {
  it.each([
    ['without Records', {}, /^Records: /],
    ['with Records: null', { Records: null }, /^Records: /],
    ['with Records: "x"', { Records: 'x' }, /^Records: /],
    ['with a record without body', { Records: [{ messageId: 'm-0' }] }, /^body: /],
    ['with a null record', { Records: [null] }, /^body: /],
  ])(
    'rejects an SQS event %s with a clear warning naming the field, no crash and nothing sent',
    async (_, event, field) => {
      const h = harness();

      const response = await makeResumeHandler(h.deps)(event, context());

      expect(response).toEqual({ batchItemFailures: [] });
      expect(h.notifier.sent.map((n) => n.kind)).toEqual(['lifecycle.event.invalid']);
      expect(h.notifier.sent[0]?.facts[0]?.[1]).toMatch(field);
      expect(callLog).toEqual([]);
      expect(mocks.sqs.calls()).toEqual([]);
    },
  );

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
