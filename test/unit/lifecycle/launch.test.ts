import {
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2ServiceException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { DnsRequest } from '../../../shared/dns/request';
import {
  answerOf,
  callLog,
  DNS_QUEUE_URL,
  dnsRequests,
  EVENT_TIME,
  HEALTHY_THRESHOLD_S,
  HEALTHY_TIMEOUT_S,
  harness,
  INSTANCE,
  instance,
  launchEvent,
  mocks,
  mutatingCalls,
  POLL_S,
  parkedMessages,
  QUEUE_URL,
  TG_GRPC,
  TG_HTTP,
  ZONE_INTERNAL,
  ZONE_PUBLIC,
} from './harness';

const throttled = () =>
  new ElasticLoadBalancingV2ServiceException({
    name: 'Throttling',
    message: 'Rate exceeded',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

/** Auto Scaling's answer for an action that is no longer pending (an error code the SDK has no class for). */
const noActiveAction = () =>
  new AutoScalingServiceException({
    name: 'ValidationError',
    message: `No active Lifecycle Action found with instance ID ${INSTANCE}`,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

const lastParked = () => {
  const m = parkedMessages().at(-1);
  if (!m) throw new Error('nothing was parked');
  return m;
};
const lastDnsRequest = (): DnsRequest => {
  const r = dnsRequests().at(-1);
  if (!r) throw new Error('no DNS request was sent');
  return r;
};
const kinds = (h: ReturnType<typeof harness>) => h.notifier.sent.map((n) => [n.severity, n.kind]);

describe('launch: one step per invocation, parked in the continuation queue in between', () => {
  it('parks a pending instance, registers it once running, asks the writer after it is healthy, continues after the answer', async () => {
    const h = harness();
    instance({ ec2: 'pending', health: undefined });

    // 1. The event: the instance is still pending → parked for one poll interval, nothing changed.
    expect(await h.launch()).toEqual({ status: 'waiting', phase: 'await-running' });
    expect(parkedMessages()).toEqual([
      {
        queueUrl: QUEUE_URL,
        delaySeconds: POLL_S,
        envelope: expect.objectContaining({ v: 1, kind: 'lifecycle.step', hops: 1, retries: 0 }),
      },
    ]);
    expect(mutatingCalls()).toEqual([]);

    // 2. Running now → registered in both target groups, parked until the healthy threshold can have passed.
    instance({ ec2: 'running', health: 'initial' });
    h.clock.advance(POLL_S * 1000);
    await h.resume(JSON.stringify(lastParked().envelope));
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, { TargetGroupArn: TG_GRPC });
    expect(lastParked()).toMatchObject({ delaySeconds: HEALTHY_THRESHOLD_S, envelope: { hops: 2 } });
    expect(lastParked().envelope.payload).toMatchObject({ phase: 'await-healthy' });
    expect(mocks.elb).not.toHaveReceivedCommand(DescribeTargetHealthCommand);

    // 3. Healthy → a heartbeat (the action is still ours), the records remembered in tags, then one request to the
    //    Route 53 writer carrying where to answer; no completion yet.
    instance({ health: 'healthy' });
    h.clock.advance(HEALTHY_THRESHOLD_S * 1000);
    const parkedBefore = parkedMessages().length;
    await h.resume(JSON.stringify(lastParked().envelope));
    expect(callLog.filter((c) => ['RecordLifecycleActionHeartbeat', 'CreateTags'].includes(c))).toEqual([
      'RecordLifecycleActionHeartbeat',
      'CreateTags',
    ]);
    expect(mocks.ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [INSTANCE],
      Tags: [
        { Key: 'fleetpilot:dns:0', Value: `${ZONE_INTERNAL} ${INSTANCE}.web.internal.example.com A 60 10.0.1.23` },
        {
          Key: 'fleetpilot:dns:1',
          Value: `${ZONE_INTERNAL} us-west-2a-10-0-1-23.web.internal.example.com A 60 10.0.1.23`,
        },
        { Key: 'fleetpilot:dns:2', Value: `${ZONE_PUBLIC} ${INSTANCE}.web.example.com A 60 203.0.113.7` },
      ],
    });
    expect(mocks.sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: DNS_QUEUE_URL });
    const request = lastDnsRequest();
    expect(request.changes.map((c) => [c.action, c.zoneId, c.name, c.values])).toEqual([
      ['UPSERT', ZONE_INTERNAL, `${INSTANCE}.web.internal.example.com`, ['10.0.1.23']],
      ['UPSERT', ZONE_INTERNAL, 'us-west-2a-10-0-1-23.web.internal.example.com', ['10.0.1.23']],
      ['UPSERT', ZONE_PUBLIC, `${INSTANCE}.web.example.com`, ['203.0.113.7']],
    ]);
    expect(request.answerTo).toMatchObject({
      queueUrl: QUEUE_URL,
      envelope: { kind: 'lifecycle.step', payload: { phase: 'complete' } },
    });
    expect(parkedMessages()).toHaveLength(parkedBefore);
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);

    // 4. The writer's answer → CONTINUE and one info notification.
    await h.resume(answerOf(request));
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'my-asg',
      LifecycleHookName: 'my-lifecycle-hook',
      LifecycleActionToken: `token-${INSTANCE}`,
      InstanceId: INSTANCE,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(kinds(h)).toEqual([['info', 'lifecycle.launch.continued']]);
    expect(h.notifier.sent[0]?.title).toBe(`Instance ${INSTANCE} is in service`);
    expect(h.notifier.sent[0]?.facts).toContainEqual([
      'DNS',
      `${INSTANCE}.web.example.com A 203.0.113.7 (zone ${ZONE_PUBLIC})`,
    ]);
  });

  it('abandons with cleanup when the writer answers that Route 53 refused a record', async () => {
    const h = harness();
    await h.launch();
    await h.run({ until: () => dnsRequests().length > 0 });
    const request = lastDnsRequest();

    await h.resume(
      answerOf(request, {
        applied: request.changes.slice(0, 2).map((c) => c.name),
        gone: [],
        foreign: [],
        failed: [{ name: `${INSTANCE}.web.example.com`, reason: 'InvalidChangeBatch: RRSet of type CNAME exists' }],
      }),
    );

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(mocks.asg).not.toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleActionResult: 'CONTINUE',
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG_GRPC });
    const cleanup = lastDnsRequest();
    expect(cleanup.changes.map((c) => [c.action, c.name])).toEqual(request.changes.map((c) => ['DELETE', c.name]));
    expect(cleanup.answerTo).toBeUndefined();
    expect(kinds(h)).toEqual([['critical', 'lifecycle.launch.abandoned']]);
    expect(h.notifier.sent[0]?.facts).toContainEqual(['Reason', expect.stringContaining('RRSet of type CNAME exists')]);
  });

  it('abandons at event time + healthyTimeoutSeconds (not later) with the target-health reason and the health check', async () => {
    // The first invocation runs 290 s after the event (a slow delivery): the deadline still counts from the event.
    const h = harness({ startAt: EVENT_TIME + 290_000 });
    instance({
      health: {
        state: 'unhealthy',
        reason: 'Target.ResponseCodeMismatch',
        description: 'Health checks failed with these codes: [502]',
      },
    });
    let abandonedAt = 0;
    const heartbeats: number[] = [];
    mocks.asg.on(CompleteLifecycleActionCommand).callsFake(async () => {
      abandonedAt = h.clock.now();
      return {};
    });
    mocks.asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(async () => {
      heartbeats.push(h.clock.now());
      return {};
    });

    await h.launch();
    await h.run();

    expect(abandonedAt).toBe(EVENT_TIME + HEALTHY_TIMEOUT_S * 1000);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG_HTTP });
    expect(dnsRequests()).toEqual([]);
    // The hook (HeartbeatTimeout 300 s) was kept alive: no gap of 300 s without a heartbeat since the event.
    const beats = [EVENT_TIME, ...heartbeats, abandonedAt];
    expect(Math.max(...beats.slice(1).map((t, i) => t - (beats[i] ?? 0)))).toBeLessThan(300_000);
    expect(kinds(h)).toEqual([['critical', 'lifecycle.launch.abandoned']]);
    const facts = h.notifier.sent[0]?.facts ?? [];
    expect(facts).toContainEqual([
      'Target group web-http',
      'unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [502])',
    ]);
    expect(facts).toContainEqual([
      'Health check web-http',
      'HTTP /healthz expects 200 on port 80, every 10 s, healthy after 3 passes',
    ]);
    expect(facts).toContainEqual(['Waited', `${HEALTHY_TIMEOUT_S} s`]);
    expect(h.notifier.sent[0]?.summary).toContain(`was not healthy within ${HEALTHY_TIMEOUT_S} s`);
  });

  it('abandons with the reason when the instance stops being pending without running', async () => {
    const h = harness();
    instance({ ec2: 'pending' });
    await h.launch();
    instance({ ec2: 'terminated' });

    await h.run();

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
    expect(h.notifier.sent[0]?.facts).toContainEqual(['EC2 state', 'terminated']);
  });

  it('abandons when a configured target group does not exist (an error retrying cannot fix)', async () => {
    const h = harness();
    mocks.elb
      .on(RegisterTargetsCommand, { TargetGroupArn: TG_GRPC })
      .rejects(new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }));

    await h.launch();

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(h.notifier.sent[0]?.facts).toContainEqual(['Error', 'TargetGroupNotFoundException']);
    expect(parkedMessages()).toEqual([]);
  });

  it('abandons when a record needs a public IP the instance does not have', async () => {
    const h = harness();
    instance({ publicIp: undefined });

    await h.launch();
    await h.run();

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'ABANDON' });
    expect(dnsRequests()).toEqual([]);
    expect(h.notifier.sent[0]?.facts).toContainEqual(['Reason', expect.stringContaining('has no publicIp')]);
  });

  it('parks a running instance without registering it when the invocation has no time left', async () => {
    const h = harness();

    const outcome = await h.launch(launchEvent(), 10_000);

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-running' });
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
    expect(lastParked().delaySeconds).toBe(0);
  });
});

describe('launch: retryable errors', () => {
  it('parks with exponential back-off and retries counted in the envelope, then rethrows after 8', async () => {
    const h = harness();
    await h.launch();
    mocks.elb.on(DescribeTargetHealthCommand).rejects(throttled());
    const delays: number[] = [];
    for (let retry = 1; retry <= 8; retry++) {
      const parked = lastParked();
      h.clock.advance(parked.delaySeconds * 1000);
      const response = await h.resume(JSON.stringify(parked.envelope));
      expect(response).toEqual({ batchItemFailures: [] });
      expect(lastParked().envelope.retries).toBe(retry);
      delays.push(lastParked().delaySeconds);
    }
    const sentBefore = mocks.sqs.commandCalls(SendMessageBatchCommand).length;

    const response = await h.resume(JSON.stringify(lastParked().envelope));

    // Base poll interval × 2^retries, plus a per-instance spread of up to the same again.
    delays.forEach((d, i) => {
      const base = Math.min(450, POLL_S * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(base);
      expect(d).toBeLessThanOrEqual(2 * base);
    });
    // Growing until the base reaches its cap (half of SQS's 900 s maximum delay).
    expect(delays.slice(1, 6).every((d, i) => d > (delays[i] ?? 0))).toBe(true);
    expect(Math.max(...delays)).toBeLessThanOrEqual(900);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(sentBefore);
    expect(kinds(h)).toEqual([['warning', 'lifecycle.launch.retrying']]);
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });

  it('spreads the retries of different instances apart, and resets the count once a step succeeds', async () => {
    const h = harness();
    const other = 'i-0fedcba9876543210';
    instance({}, other);
    await h.launch();
    await h.launch(launchEvent(other));
    mocks.elb
      .on(DescribeTargetHealthCommand)
      .rejectsOnce(throttled())
      .callsFake(async () => ({ TargetHealthDescriptions: [] }));
    const parked = parkedMessages();
    h.clock.advance(HEALTHY_THRESHOLD_S * 1000);

    await h.resume(...parked.map((m) => JSON.stringify(m.envelope)));

    const retried = parkedMessages().slice(parked.length);
    expect(retried.map((m) => m.envelope.retries)).toEqual([1, 1]);
    const [a, b] = retried.map((m) => m.delaySeconds);
    expect(a).not.toBe(b);
    for (const d of [a, b]) expect(d).toBeGreaterThanOrEqual(POLL_S);

    h.clock.advance(20_000);
    await h.resume(...retried.map((m) => JSON.stringify(m.envelope)));
    expect(
      parkedMessages()
        .slice(parked.length + 2)
        .map((m) => m.envelope.retries),
    ).toEqual([0, 0]);
  });
});

describe('launch: who answers the action', () => {
  it('decides "warm pool" from the Auto Scaling state (Warmed:Pending:Wait), not the event Destination', async () => {
    const h = harness();
    instance({ lifecycle: 'Warmed:Pending:Wait' });

    const outcome = await h.launch(); // AWS's sample says Destination: AutoScalingGroup

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mutatingCalls()).toEqual(['CompleteLifecycleAction']);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(kinds(h)).toEqual([['info', 'lifecycle.launch.warm-pool']]);
  });

  it('gives the full launch to an instance Auto Scaling puts in service, whatever the event says (Destination WarmPool)', async () => {
    const h = harness();

    await h.launch(launchEvent(INSTANCE, 'autoscaling-launch-lifecycle-action-warm-pool'));
    await h.run();

    expect(mocks.elb).toHaveReceivedCommand(RegisterTargetsCommand);
    expect(dnsRequests()).toHaveLength(1);
    expect(kinds(h)).toEqual([['info', 'lifecycle.launch.continued']]);
  });

  it.each([
    ['an instance leaving the warm pool', 'autoscaling-launch-lifecycle-action-from-warm-pool'],
    [
      'an instance whose root volume was replaced (same instance id)',
      'autoscaling-launch-lifecycle-action-replace-root-volume',
    ],
  ])('puts %s fully into service', async (_, sample) => {
    const h = harness();

    await h.launch(launchEvent(INSTANCE, sample));
    await h.run();

    expect(mocks.elb).toHaveReceivedCommandTimes(RegisterTargetsCommand, 2);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleHookName: 'my-launch-lifecycle-hook',
      LifecycleActionResult: 'CONTINUE',
    });
  });

  it('skips an instance Auto Scaling places in another group and changes nothing', async () => {
    const h = harness();
    instance({ group: 'someone-elses-asg' });

    const outcome = await h.launch();

    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('belongs to group someone-elses-asg'),
    });
    expect(mutatingCalls()).toEqual([]);
    expect(parkedMessages()).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it('treats a duplicate delivery after completion as already done and changes nothing', async () => {
    const h = harness();
    instance({ lifecycle: 'InService' });

    expect(await h.launch()).toEqual({ status: 'already-done' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('answers the launch half of a root volume replacement in Pending:Wait, where the user guide says it waits', async () => {
    const h = harness();
    instance({ lifecycle: 'Pending:Wait' });

    const outcome = await h.launch(launchEvent(INSTANCE, 'autoscaling-launch-lifecycle-action-replace-root-volume'));

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-healthy' });
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, { Targets: [{ Id: INSTANCE }] });
  });

  it('does not act on a launch action while the instance waits in ReplacingRootVolume:Wait (the terminate half)', async () => {
    const h = harness();
    instance({ lifecycle: 'ReplacingRootVolume:Wait' });

    const outcome = await h.launch(launchEvent(INSTANCE, 'autoscaling-launch-lifecycle-action-replace-root-volume'));

    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('leaves the instance to its terminate action when it is already terminating', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Wait' });

    expect(await h.launch()).toMatchObject({ status: 'skipped' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('treats "No active Lifecycle Action found" on completion as done when the instance went into service', async () => {
    const h = harness();
    await h.launch();
    await h.run({ until: () => dnsRequests().length > 0 });
    mocks.asg.on(CompleteLifecycleActionCommand).rejects(noActiveAction());
    instance({ lifecycle: 'InService' });

    await h.run();

    expect(h.notifier.sent).toEqual([]);
    expect(mocks.elb).not.toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(dnsRequests()).toHaveLength(1);
  });

  it('reports a launch whose hook timed out before the answer, and cleans up what it had done', async () => {
    const h = harness();
    await h.launch();
    await h.run({ until: () => dnsRequests().length > 0 });
    mocks.asg.on(CompleteLifecycleActionCommand).rejects(noActiveAction());
    instance({ group: undefined, lifecycle: undefined, ec2: 'terminated' });

    await h.run();

    expect(kinds(h)).toEqual([['critical', 'lifecycle.launch.expired']]);
    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(lastDnsRequest().changes.map((c) => c.action)).toEqual(['DELETE', 'DELETE', 'DELETE']);
  });
});

describe('launch: dry run', () => {
  it('makes no mutating call, asks the writer nothing, and lists what it would have done', async () => {
    const h = harness({ dryRun: true });

    const outcome = await h.launch();

    expect(outcome).toEqual({ status: 'continued', dryRun: true });
    expect(mutatingCalls()).toEqual([]);
    expect(dnsRequests()).toEqual([]);
    const n = h.notifier.sent[0];
    expect(n?.title).toBe(`[dry run] Instance ${INSTANCE} is in service`);
    const wouldHave = n?.facts.find(([k]) => k === 'Dry run: would have')?.[1] ?? '';
    for (const call of [
      `RegisterTargets ${INSTANCE} in web-http`,
      `RegisterTargets ${INSTANCE} in web-grpc`,
      `CreateTags ${INSTANCE}`,
      `Route 53 UPSERT ${INSTANCE}.web.example.com A 203.0.113.7 in ${ZONE_PUBLIC}`,
      `CompleteLifecycleAction ${INSTANCE} CONTINUE`,
    ]) {
      expect(wouldHave).toContain(call);
    }
  });
});

describe('launch: batches share their reads', () => {
  const ids = [1, 2, 3, 4].map((n) => `i-0${n}3456789abcdef00`);

  it('looks at N pending instances with one DescribeInstances and registers them with one call per target group', async () => {
    const h = harness();
    for (const id of ids) instance({ ec2: 'pending' }, id);
    for (const id of ids) await h.launch(launchEvent(id));
    const parked = parkedMessages();
    expect(parked).toHaveLength(ids.length);
    for (const id of ids) instance({ ec2: 'running' }, id);
    mocks.ec2.resetHistory();
    mocks.elb.resetHistory();
    h.clock.advance(POLL_S * 1000);

    await h.resume(...parked.map((m) => JSON.stringify(m.envelope)));

    expect(mocks.ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(mocks.elb).toHaveReceivedCommandTimes(RegisterTargetsCommand, 2);
    expect(mocks.elb).toHaveReceivedCommandWith(RegisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: ids.map((Id) => ({ Id })),
    });
  });

  it('looks at N actions waiting in the same target groups with one DescribeTargetHealth per target group', async () => {
    const h = harness();
    for (const id of ids) instance({}, id);
    for (const id of ids) await h.launch(launchEvent(id));
    const parked = parkedMessages();
    mocks.elb.resetHistory();
    h.clock.advance(HEALTHY_THRESHOLD_S * 1000);

    await h.resume(...parked.map((m) => JSON.stringify(m.envelope)));

    expect(mocks.elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 2);
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_HTTP });
    expect(mocks.elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: TG_GRPC });
    expect(dnsRequests().map((r) => r.changes[0]?.name)).toEqual(ids.map((id) => `${id}.web.internal.example.com`));
    // The requests travel together: one SendMessageBatch to the writer's queue.
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand, { QueueUrl: DNS_QUEUE_URL })).toHaveLength(1);
  });

  it('sends one summary notification for several launches continued in one batch', async () => {
    const h = harness();
    for (const id of ids) instance({}, id);
    for (const id of ids) await h.launch(launchEvent(id));
    await h.resume(...parkedMessages().map((m) => JSON.stringify(m.envelope)));

    await h.resume(...dnsRequests().map((r) => answerOf(r)));

    expect(mocks.asg).toHaveReceivedCommandTimes(CompleteLifecycleActionCommand, ids.length);
    expect(h.notifier.sent).toHaveLength(1);
    expect(h.notifier.sent[0]).toMatchObject({
      severity: 'info',
      kind: 'lifecycle.launch.continued',
      title: `${ids.length} instances of web are in service`,
    });
    expect(h.notifier.sent[0]?.facts.map(([k]) => k).slice(0, ids.length)).toEqual(ids);
  });
});
