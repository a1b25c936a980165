import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, Route53ServiceException } from '@aws-sdk/client-route-53';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { makeLifecycleHandler, makeResumeHandler } from '../../../functions/lifecycle/handlers';
import { type Progress, startProgress } from '../../../functions/lifecycle/progress';
import { loadEvent, timedEvent } from '../../helpers/events';
import {
  harness,
  INSTANCE,
  instance,
  lifecycleState,
  mocks,
  records,
  recordTags,
  resetMocks,
  routeSet,
} from './harness';

type Sample = { id: string; detail: Record<string, unknown>; [k: string]: unknown };

function sqsEvent(...bodies: string[]): SQSEvent {
  const record = loadEvent<SQSEvent>('sqs-event').Records[0];
  if (!record) throw new Error('sqs-event.json has no record');
  return { Records: bodies.map((body, i) => ({ ...record, body, messageId: `m-${i}` })) };
}

const allClients = () => [mocks.asg, mocks.ec2, mocks.elb, mocks.r53, mocks.sqs];
const totalCalls = () => allClients().reduce((n, c) => n + c.calls().length, 0);

beforeEach(resetMocks);

describe('lifecycle handlers at the boundary', () => {
  it('rejects an event without EC2InstanceId, names the field, changes nothing and sends a warning', async () => {
    const h = harness();
    const event = timedEvent<Sample>('autoscaling-launch-lifecycle-action');
    delete event.detail.EC2InstanceId;

    const outcome = await makeLifecycleHandler('launch', h.deps)(event, h.context());

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('detail.EC2InstanceId') });
    expect(totalCalls()).toBe(0);
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

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      timedEvent('autoscaling-terminate-lifecycle-action'),
      h.context(),
    );

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('is not a launch action') });
    expect(totalCalls()).toBe(0);
  });

  it('rejects an event whose time is not a timestamp (as in AWS samples with placeholders)', async () => {
    const h = harness();

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      loadEvent('autoscaling-launch-lifecycle-action'),
      h.context(),
    );

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('time') });
  });

  it('ignores autoscaling:TEST_NOTIFICATION without any AWS call or notification', async () => {
    const h = harness();

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      loadEvent('autoscaling-test-notification'),
      h.context(),
    );

    expect(outcome).toEqual({ status: 'ignored', reason: 'autoscaling:TEST_NOTIFICATION' });
    expect(totalCalls()).toBe(0);
    expect(h.notifier.sent).toEqual([]);
  });

  it('ignores a group that is not in the config', async () => {
    const h = harness();
    const event = timedEvent<Sample>('autoscaling-launch-lifecycle-action');
    event.detail.AutoScalingGroupName = 'someone-elses-asg';

    const outcome = await makeLifecycleHandler('launch', h.deps)(event, h.context());

    expect(outcome).toMatchObject({ status: 'ignored' });
    expect(totalCalls()).toBe(0);
    expect(h.notifier.sent).toEqual([]);
  });

  it('rethrows an error it cannot classify so Lambda retries and the dead-letter queue keeps it', async () => {
    const h = harness();
    mocks.asg.on(DescribeAutoScalingInstancesCommand).rejects(new Error('socket hang up'));

    await expect(
      makeLifecycleHandler('launch', h.deps)(timedEvent('autoscaling-launch-lifecycle-action'), h.context()),
    ).rejects.toThrow('socket hang up');
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
  });
});

describe('resume handler (continuation queue)', () => {
  it('reports a malformed continuation and lets the message go instead of redelivering it forever', async () => {
    const h = harness();

    const response = await makeResumeHandler(h.deps)(sqsEvent('{"v":1,"phase":"nowhere"}', 'not json'), h.context());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(h.notifier.sent.map((n) => n.kind)).toEqual(['lifecycle.event.invalid', 'lifecycle.event.invalid']);
    expect(h.notifier.sent[1]?.facts[0]?.[1]).toBe('body is not JSON');
    expect(totalCalls()).toBe(0);
  });

  const throttled = () =>
    new Route53ServiceException({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });

  const progressAt = (h: ReturnType<typeof harness>, phase: Progress['phase'], retries = 0): Progress => ({
    ...startProgress({
      eventId: 'e-1',
      time: h.clock.now(),
      region: 'us-west-2',
      account: '123456789012',
      transition: 'launch',
      groupName: 'my-asg',
      hookName: 'my-lifecycle-hook',
      instanceId: INSTANCE,
      token: 't-1',
      replaceRootVolume: false,
    }),
    phase,
    retries,
  });

  it('returns a continuation whose queued retries are used up as a batch item failure, for SQS to redeliver', async () => {
    const h = harness();
    mocks.r53.on(ChangeResourceRecordSetsCommand).rejects(throttled());

    const response = await makeResumeHandler(h.deps)(sqsEvent(JSON.stringify(progressAt(h, 'start', 8))), h.context());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(mocks.sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([['warning', 'lifecycle.launch.retrying']]);
  });

  it('reports a resumed wait whose hook timed out meanwhile, and cleans up what launch had done', async () => {
    const h = harness();
    lifecycleState(undefined);
    instance({ state: 'terminated', tags: recordTags() });
    records([routeSet(`${INSTANCE}.web.example.com`, '203.0.113.7')]);

    await makeResumeHandler(h.deps)(sqsEvent(JSON.stringify(progressAt(h, 'await-healthy'))), h.context());

    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([['critical', 'lifecycle.launch.expired']]);
    expect(mocks.elb).toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(mocks.r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZPUBLIC1',
      ChangeBatch: expect.objectContaining({ Changes: [expect.objectContaining({ Action: 'DELETE' })] }),
    });
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
    try {
      await makeLifecycleHandler('launch', { ...h.deps, log })(
        timedEvent('autoscaling-launch-lifecycle-action'),
        h.context(),
      );
    } finally {
      spy.mockRestore();
    }

    const handled = lines.map((l) => JSON.parse(l)).find((entry) => entry.message === 'lifecycle action handled');
    expect(handled).toMatchObject({
      fleetpilotService: 'web',
      asg: 'my-asg',
      instanceId: INSTANCE,
      eventId: timedEvent<{ id: string }>('autoscaling-launch-lifecycle-action').id,
      phase: 'start',
    });
  });
});
