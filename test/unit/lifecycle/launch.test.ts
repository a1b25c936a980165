import {
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, Route53ServiceException } from '@aws-sdk/client-route-53';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { makeLifecycleHandler, makeResumeHandler } from '../../../functions/lifecycle/handlers';
import { type LifecycleSample, loadEvent, timedEvent } from '../../helpers/events';
import {
  harness,
  health,
  INSTANCE,
  instance,
  lifecycleState,
  mocks,
  QUEUE_URL,
  records,
  recordTags,
  resetMocks,
  routeSet,
  TG_GRPC,
  TG_HTTP,
  ZONE_INTERNAL,
  ZONE_PUBLIC,
} from './harness';

const launchEvent = () => timedEvent<LifecycleSample>('autoscaling-launch-lifecycle-action');

const mutatingCommands = [
  RegisterTargetsCommand,
  DeregisterTargetsCommand,
  ChangeResourceRecordSetsCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
] as const;

function sentCount(): number {
  return mutatingCommands.reduce(
    (n, command) =>
      n +
      [mocks.asg, mocks.ec2, mocks.elb, mocks.r53].reduce(
        (m, client) => m + client.commandCalls(command as never).length,
        0,
      ),
    0,
  );
}

function sqsEventFrom(body: string): SQSEvent {
  const sample = loadEvent<SQSEvent>('sqs-event');
  const record = sample.Records[0];
  if (!record) throw new Error('sqs-event.json has no record');
  return { Records: [{ ...record, body, messageId: 'resume-1' }] };
}

beforeEach(resetMocks);

describe('launch lifecycle action', () => {
  it('registers the instance, waits until healthy, writes every DNS name in one batch per zone, then continues', async () => {
    const h = harness();
    health('initial', 'initial', 'healthy');
    const handler = makeLifecycleHandler('launch', h.deps);

    const outcome = await handler(launchEvent(), h.context());

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, { TargetGroupArn: TG_GRPC });
    expect(mocks.r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 2);
    const batches = mocks.r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input);
    const internal = batches.find((b) => b.HostedZoneId === ZONE_INTERNAL);
    expect(internal?.ChangeBatch?.Changes?.map((c) => [c.Action, c.ResourceRecordSet?.Name])).toEqual([
      ['UPSERT', `${INSTANCE}.web.internal.example.com`],
      ['UPSERT', 'us-west-2a-10-0-1-23.web.internal.example.com'],
    ]);
    const publicBatch = batches.find((b) => b.HostedZoneId === ZONE_PUBLIC);
    expect(publicBatch?.ChangeBatch?.Changes?.[0]?.ResourceRecordSet?.ResourceRecords).toEqual([
      { Value: '203.0.113.7' },
    ]);
    expect(mocks.ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [INSTANCE],
      Tags: expect.arrayContaining([
        { Key: 'fleetpilot:dns:2', Value: `${ZONE_PUBLIC} ${INSTANCE}.web.example.com A 60 203.0.113.7` },
      ]),
    });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'my-asg',
      LifecycleHookName: 'my-lifecycle-hook',
      LifecycleActionToken: '87654321-4321-4321-4321-210987654321',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([['info', 'lifecycle.launch.continued']]);
  });

  it('writes DNS only after the target is healthy, and continues only after DNS is written', async () => {
    const h = harness();
    health('initial', 'healthy');
    const order: string[] = [];
    mocks.elb.on(DescribeTargetHealthCommand).callsFake(() => {
      order.push('health');
      return Promise.resolve({
        TargetHealthDescriptions: [
          { Target: { Id: INSTANCE }, TargetHealth: { State: order.length > 2 ? 'healthy' : 'initial' } },
        ],
      });
    });
    mocks.r53.on(ChangeResourceRecordSetsCommand).callsFake(() => {
      order.push('dns');
      return Promise.resolve({ ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date(0) } });
    });
    mocks.asg.on(CompleteLifecycleActionCommand).callsFake(() => {
      order.push('complete');
      return Promise.resolve({});
    });

    await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    const firstDns = order.indexOf('dns');
    expect(order.lastIndexOf('health')).toBeLessThan(firstDns);
    expect(order.at(-1)).toBe('complete');
  });

  it('abandons the hook, deregisters and removes the DNS records when the target never becomes healthy', async () => {
    const h = harness();
    health({
      state: 'unhealthy',
      reason: 'Target.ResponseCodeMismatch',
      description: 'Health checks failed with these codes: [500]',
    });
    // By the time the deadline passes, launch had tagged nothing; simulate records left by an earlier attempt.
    instance({ tags: recordTags() });
    records([
      routeSet(`${INSTANCE}.web.internal.example.com`, '10.0.1.23'),
      routeSet(`${INSTANCE}.web.example.com`, '203.0.113.7'),
    ]);

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'abandoned' });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(mocks.asg).not.toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionResult: 'CONTINUE',
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG_GRPC });
    const deletes = mocks.r53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .flatMap((c) => c.args[0].input.ChangeBatch?.Changes ?? []);
    expect(deletes.every((c) => c.Action === 'DELETE')).toBe(true);
    expect(deletes.map((c) => c.ResourceRecordSet?.Name).sort()).toEqual([
      `${INSTANCE}.web.example.com.`,
      `${INSTANCE}.web.internal.example.com.`,
    ]);
    expect(mocks.ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [INSTANCE] });
    const alert = h.notifier.sent.find((n) => n.kind === 'lifecycle.launch.abandoned');
    expect(alert?.severity).toBe('critical');
    const facts = Object.fromEntries(alert?.facts ?? []);
    expect(facts['Target group web-http']).toBe(
      'unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [500])',
    );
    expect(facts['Health check web-http']).toContain('HTTP /healthz expects 200');
    expect(facts.Reason).toContain('not healthy within 600 s');
    // The deadline is counted from the event, not from when the function started.
    expect(h.clock.now()).toBeGreaterThanOrEqual(Date.parse(launchEvent().time) + 600_000);
  });

  it('keeps the hook alive with heartbeats while it waits', async () => {
    const h = harness();
    const steps = Array.from({ length: 40 }, () => 'initial' as const);
    health(...steps, 'healthy');

    await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    // 400 s of waiting with a 300 s HeartbeatTimeout: at least one heartbeat, at most one per 150 s.
    const beats = mocks.asg.commandCalls(RecordLifecycleActionHeartbeatCommand).length;
    expect(beats).toBeGreaterThanOrEqual(1);
    expect(beats).toBeLessThanOrEqual(3);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
  });

  it('hands a long wait over to a later invocation before its budget runs out, and the resume finishes it', async () => {
    const h = harness();
    health('initial', 'initial', 'initial', 'initial', 'initial', 'healthy');
    // 45 s left: the 20 s safety margin leaves room for about two polls.
    const first = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context(45_000));

    expect(first).toEqual({ status: 'waiting', phase: 'await-healthy' });
    // A fresh heartbeat goes with every hand-over, so a slow or crashed next invocation still finds the hook alive.
    expect(mocks.asg).toHaveReceivedCommand(RecordLifecycleActionHeartbeatCommand);
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(mocks.sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: QUEUE_URL, DelaySeconds: 10 });
    const body = mocks.sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '';
    expect(JSON.parse(body)).toMatchObject({ phase: 'await-healthy', hops: 1, action: { instanceId: INSTANCE } });

    h.advance(10_000);
    const resumed = await makeResumeHandler(h.deps)(sqsEventFrom(body), h.context());

    expect(resumed).toEqual({ batchItemFailures: [] });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    // Registration happened once, in the first invocation.
    expect(mocks.elb).toHaveReceivedCommandTimes(RegisterTargetsCommand, 2);
    expect(h.notifier.sent.at(-1)?.facts).toContainEqual(['Invocations', '2']);
  });

  it('abandons a resumed wait whose deadline has passed', async () => {
    const h = harness();
    health('initial');
    await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context(45_000));
    const body = mocks.sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '';

    h.advance(700_000);
    await makeResumeHandler(h.deps)(sqsEventFrom(body), h.context());

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(h.notifier.sent.find((n) => n.severity === 'critical')?.summary).toContain('initial in web-http');
  });

  it('abandons with the reason when the instance stops being pending without running', async () => {
    const h = harness();
    instance({ state: 'terminated', privateIp: null, publicIp: null });

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toMatchObject({
      status: 'abandoned',
      reason: expect.stringContaining('is terminated instead of running'),
    });
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
  });

  it('abandons when a configured target group does not exist (an error retrying cannot fix)', async () => {
    const h = harness();
    mocks.elb
      .on(RegisterTargetsCommand, { TargetGroupArn: TG_GRPC })
      .rejects(new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }));

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'abandoned', reason: 'One or more target groups not found' });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG_HTTP });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
  });

  it('continues later through the queue, with back-off and a heartbeat, when throttling outlasts the SDK retries', async () => {
    const h = harness();
    const throttled = new Route53ServiceException({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    mocks.r53.on(ChangeResourceRecordSetsCommand).rejects(throttled);

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-healthy' });
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(mocks.asg).toHaveReceivedCommand(RecordLifecycleActionHeartbeatCommand);
    const sent = mocks.sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({ retries: 1, phase: 'await-healthy' });
    // First retry: the poll interval (10 s) plus a per-instance spread of up to another 10 s.
    expect(sent?.DelaySeconds).toBeGreaterThanOrEqual(10);
    expect(sent?.DelaySeconds).toBeLessThanOrEqual(20);
    expect(h.notifier.sent).toEqual([]);
  });

  it('backs off exponentially on repeated throttling, and spreads different instances apart', async () => {
    const h = harness();
    mocks.r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(
        new Route53ServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: {} }),
      );
    const delays: number[] = [];
    let body = '';
    await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());
    for (let i = 0; i < 4; i++) {
      const sent = mocks.sqs.commandCalls(SendMessageCommand).at(-1)?.args[0].input;
      delays.push(sent?.DelaySeconds ?? -1);
      body = sent?.MessageBody ?? '';
      await makeResumeHandler(h.deps)(sqsEventFrom(body), h.context());
    }

    expect(delays.slice(1).every((d, i) => d > (delays[i] ?? 0))).toBe(true);
    expect(delays[3]).toBeGreaterThanOrEqual(80);
    const other = timedEvent<LifecycleSample>('autoscaling-launch-lifecycle-action');
    other.detail.EC2InstanceId = 'i-0fedcba9876543210';
    mocks.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0fedcba9876543210',
              State: { Name: 'running', Code: 16 },
              PrivateIpAddress: '10.0.2.9',
              PublicIpAddress: '203.0.113.9',
              Placement: { AvailabilityZone: 'us-west-2b' },
            },
          ],
        },
      ],
    });
    mocks.elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: 'i-0fedcba9876543210' }, TargetHealth: { State: 'healthy' } }],
    });
    mocks.asg.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [
        {
          InstanceId: 'i-0fedcba9876543210',
          AutoScalingGroupName: 'my-asg',
          LifecycleState: 'Pending:Wait',
          AvailabilityZone: 'us-west-2b',
          HealthStatus: 'HEALTHY',
          ProtectedFromScaleIn: false,
        },
      ],
    });
    mocks.sqs.resetHistory();

    const outcome = await makeLifecycleHandler('launch', h.deps)(other, h.context());

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-healthy' });
    const otherDelay = mocks.sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.DelaySeconds;
    expect(otherDelay).toBeGreaterThanOrEqual(10);
    expect(otherDelay).not.toBe(delays[0]);
  });

  it('treats a duplicate delivery after completion as already done and changes nothing', async () => {
    const h = harness();
    lifecycleState('InService');

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toEqual({ status: 'already-done' });
    expect(sentCount()).toBe(0);
    expect(h.notifier.sent).toEqual([]);
  });

  it('treats "No active Lifecycle Action found" on completion as done when the instance went into service', async () => {
    const h = harness();
    const noAction = new AutoScalingServiceException({
      name: 'ValidationError',
      message: `No active Lifecycle Action found with instance ID ${INSTANCE}`,
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    mocks.asg.on(CompleteLifecycleActionCommand).rejects(noAction);
    // The guard sees Pending:Wait; a concurrent duplicate completes first, so the re-check sees InService.
    mocks.asg
      .on(DescribeAutoScalingInstancesCommand)
      .resolvesOnce({
        AutoScalingInstances: [
          {
            InstanceId: INSTANCE,
            LifecycleState: 'Pending:Wait',
            AutoScalingGroupName: 'my-asg',
            AvailabilityZone: 'us-west-2a',
            HealthStatus: 'HEALTHY',
            ProtectedFromScaleIn: false,
          },
        ],
      })
      .resolves({
        AutoScalingInstances: [
          {
            InstanceId: INSTANCE,
            LifecycleState: 'InService',
            AutoScalingGroupName: 'my-asg',
            AvailabilityZone: 'us-west-2a',
            HealthStatus: 'HEALTHY',
            ProtectedFromScaleIn: false,
          },
        ],
      });

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toEqual({ status: 'already-done' });
    expect(mocks.elb).not.toHaveReceivedCommand(DeregisterTargetsCommand);
  });

  it('leaves the instance to its terminate action when it is already terminating', async () => {
    const h = harness();
    lifecycleState('Terminating:Wait');

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(sentCount()).toBe(0);
  });

  it('only continues a launch into the warm pool: no target group or DNS change', async () => {
    const h = harness();
    lifecycleState('Warmed:Pending:Wait');

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      timedEvent('autoscaling-launch-lifecycle-action-warm-pool'),
      h.context(),
    );

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
    expect(mocks.r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(h.notifier.sent[0]?.kind).toBe('lifecycle.launch.warm-pool');
  });

  it('puts an instance leaving the warm pool fully into service', async () => {
    const h = harness();

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      timedEvent('autoscaling-launch-lifecycle-action-from-warm-pool'),
      h.context(),
    );

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mocks.elb).toHaveReceivedCommand(RegisterTargetsCommand);
    expect(mocks.r53).toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('puts an instance back into service after its root volume was replaced (same instance id)', async () => {
    const h = harness();

    const outcome = await makeLifecycleHandler('launch', h.deps)(
      timedEvent('autoscaling-launch-lifecycle-action-replace-root-volume'),
      h.context(),
    );

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, { Targets: [{ Id: INSTANCE }] });
    expect(h.notifier.sent[0]?.facts).toContainEqual(['Action', 'ReplaceRootVolume']);
  });

  it('abandons when a record needs a public IP the instance does not have', async () => {
    const h = harness();
    instance({ publicIp: null });

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'abandoned', reason: expect.stringContaining('has no publicIp') });
    expect(mocks.r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('in dry run makes no mutating call and reports each call it would have made', async () => {
    const h = harness({ dryRun: true });

    const outcome = await makeLifecycleHandler('launch', h.deps)(launchEvent(), h.context());

    expect(outcome).toEqual({ status: 'continued', dryRun: true });
    expect(sentCount()).toBe(0);
    const note = h.notifier.sent[0];
    expect(note?.title).toMatch(/^\[dry run\]/);
    const wouldHave = Object.fromEntries(note?.facts ?? [])['Dry run: would have'] ?? '';
    expect(wouldHave).toContain('RegisterTargets i-1234567890abcdef0 in web-http');
    expect(wouldHave).toContain('Route 53 UPSERT in ZPUBLIC1');
    expect(wouldHave).toContain('CompleteLifecycleAction i-1234567890abcdef0 CONTINUE');
  });
});
