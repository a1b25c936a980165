import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DnsRequest } from '../../../shared/dns/request';
import {
  answerOf,
  DRAIN_TIMEOUT_S,
  dnsRequests,
  harness,
  INSTANCE,
  instance,
  mocks,
  mutatingCalls,
  parkedMessages,
  QUEUE_URL,
  recordTags,
  TG_GRPC,
  TG_HTTP,
  terminateEvent,
  ZONE_INTERNAL,
  ZONE_PUBLIC,
} from './harness';

const kinds = (h: ReturnType<typeof harness>) => h.notifier.sent.map((n) => [n.severity, n.kind]);
const onlyDnsRequest = (): DnsRequest => {
  const requests = dnsRequests();
  expect(requests).toHaveLength(1);
  return requests[0] as DnsRequest;
};
const deletes = (r: DnsRequest) => r.changes.map((c) => [c.action, c.zoneId, c.name, c.ttl, c.values]);

const REMEMBERED = [
  ['DELETE', ZONE_INTERNAL, `${INSTANCE}.web.internal.example.com`, 60, ['10.0.1.23']],
  ['DELETE', ZONE_INTERNAL, 'us-west-2a-10-0-1-23.web.internal.example.com', 60, ['10.0.1.23']],
  ['DELETE', ZONE_PUBLIC, `${INSTANCE}.web.example.com`, 60, ['203.0.113.7']],
];

describe('terminate lifecycle action', () => {
  it('deregisters, asks the writer to DELETE the remembered records, waits for draining, then continues', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Wait', tags: recordTags(), health: 'draining' });

    const outcome = await h.terminate();

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-drained' });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_GRPC,
      Targets: [{ Id: INSTANCE }],
    });
    const request = onlyDnsRequest();
    expect(deletes(request)).toEqual(REMEMBERED);
    expect(request.answerTo).toMatchObject({ queueUrl: QUEUE_URL, envelope: { kind: 'lifecycle.step' } });
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);

    // The writer's answer; the target drains for 25 s more.
    const drainedAt = h.clock.now() + 25_000;
    instance({ health: (_arn, now) => (now < drainedAt ? 'draining' : undefined) });
    await h.resume(
      answerOf(request, {
        applied: [`${INSTANCE}.web.internal.example.com`, 'us-west-2a-10-0-1-23.web.internal.example.com'],
        gone: [],
        foreign: [`${INSTANCE}.web.example.com`],
        failed: [],
      }),
    );
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    await h.run();

    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleHookName: 'my-lifecycle-hook',
      LifecycleActionToken: `token-${INSTANCE}`,
      LifecycleActionResult: 'CONTINUE',
    });
    expect(h.clock.now()).toBeGreaterThanOrEqual(drainedAt);
    expect(kinds(h)).toEqual([['info', 'lifecycle.terminate.continued']]);
    const facts = h.notifier.sent[0]?.facts ?? [];
    expect(facts).toContainEqual(['DNS', `removed ${INSTANCE}.web.internal.example.com A 10.0.1.23`]);
    expect(facts).toContainEqual(['DNS', `left ${INSTANCE}.web.example.com alone: it no longer points to 203.0.113.7`]);
    expect(h.notifier.sent[0]?.summary).toContain('2 DNS record(s) removed');
  });

  it('deletes the remembered records even when the instance has lost its addresses', async () => {
    const h = harness();
    instance({
      lifecycle: 'Terminating:Wait',
      ec2: 'shutting-down',
      privateIp: undefined,
      publicIp: undefined,
      tags: recordTags(),
    });

    await h.terminate();

    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
  });

  it('cleans up an instance whose launch never finished (no tags yet): asks to delete the records its addresses give', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Wait' });

    await h.terminate();

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
    expect(mutatingCalls()).not.toContain('DeleteTags');
  });

  it('ignores planted and unparseable fleetpilot:dns:* tags: not deleted, not fatal, reported', async () => {
    const h = harness();
    instance({
      lifecycle: 'Terminating:Wait',
      privateIp: undefined,
      publicIp: undefined,
      tags: [
        ...recordTags(),
        { Key: 'fleetpilot:dns:3', Value: `${ZONE_PUBLIC} www.example.com A 60 203.0.113.7` },
        {
          Key: 'fleetpilot:dns:4',
          Value: `${ZONE_INTERNAL} i-0ffffffffffffffff.web.internal.example.com A 60 10.0.1.99`,
        },
        { Key: 'fleetpilot:dns:5', Value: 'not a record at all' },
        { Key: 'fleetpilot:dns:6', Value: `ZOTHERZONE ${INSTANCE}.web.example.com A 60 203.0.113.7` },
      ],
    });

    await h.terminate();
    await h.run();

    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(kinds(h)).toEqual([['info', 'lifecycle.terminate.continued']]);
    const ignored = (h.notifier.sent[0]?.facts ?? []).filter(([, v]) => v.startsWith('ignored tag'));
    expect(ignored.map(([, v]) => v.split('=')[0])).toEqual([
      'ignored tag fleetpilot:dns:3',
      'ignored tag fleetpilot:dns:4',
      'ignored tag fleetpilot:dns:5',
      'ignored tag fleetpilot:dns:6',
    ]);
  });

  it('polls a long drain with back-off: 10, 20, 40, then every 60 s', async () => {
    const h = harness();
    const start = h.clock.now();
    const drainedAt = start + 200_000;
    instance({
      lifecycle: 'Terminating:Wait',
      tags: recordTags(),
      health: (_arn, now) => (now < drainedAt ? 'draining' : undefined),
    });

    await h.terminate();
    await h.run();

    expect(parkedMessages().map((m) => m.delaySeconds)).toEqual([10, 20, 40, 60, 60, 60]);
    // Looks at 0, 10, 30, 70, 130, 190 and 250 s, each one DescribeTargetHealth per target group.
    expect(mocks.elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 14);
    expect(h.clock.now() - start).toBe(250_000);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    expect(kinds(h)).toEqual([['info', 'lifecycle.terminate.continued']]);
  });

  it('continues with a warning when draining outlasts drainTimeoutSeconds, counted from the terminate', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Wait', tags: recordTags(), health: 'draining' });
    const start = h.clock.now();
    let continuedAt = 0;
    mocks.asg.on(CompleteLifecycleActionCommand).callsFake(async () => {
      continuedAt = h.clock.now();
      return {};
    });

    await h.terminate();
    await h.run();

    expect(continuedAt - start).toBe(DRAIN_TIMEOUT_S * 1000);
    expect(kinds(h)).toEqual([
      ['warning', 'lifecycle.terminate.drain-timeout'],
      ['info', 'lifecycle.terminate.continued'],
    ]);
    expect(h.notifier.sent[1]?.summary).toContain(`still draining after ${DRAIN_TIMEOUT_S} s`);
  });

  it('handles the terminate half of a root volume replacement and leaves the instance id to the launch that follows', async () => {
    const h = harness();
    instance({ lifecycle: 'ReplacingRootVolume:Wait', tags: recordTags(), health: undefined });

    await h.terminate(terminateEvent(INSTANCE, 'autoscaling-terminate-lifecycle-action-replace-root-volume'));
    await h.run();

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      LifecycleHookName: 'my-terminate-lifecycle-hook',
      LifecycleActionResult: 'CONTINUE',
    });
    expect(h.notifier.sent[0]?.summary).toContain('root volume replacement continues');
  });

  it('ignores a stale terminate event for an instance that is back in service after its root volume was replaced', async () => {
    const h = harness();
    instance({ lifecycle: 'InService', tags: recordTags() });

    const outcome = await h.terminate(
      terminateEvent(INSTANCE, 'autoscaling-terminate-lifecycle-action-replace-root-volume'),
    );

    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('stale terminate action') });
    expect(mutatingCalls()).toEqual([]);
    expect(dnsRequests()).toEqual([]);
    expect(h.notifier.sent).toEqual([]);
  });

  it.each(['ReplacingRootVolume:Proceed', 'RootVolumeReplaced', 'Pending', 'Pending:Wait'])(
    'ignores the terminate half of a root volume replacement redelivered while the instance is %s',
    async (lifecycle) => {
      const h = harness();
      instance({ lifecycle, tags: recordTags() });

      const outcome = await h.terminate(
        terminateEvent(INSTANCE, 'autoscaling-terminate-lifecycle-action-replace-root-volume'),
      );

      expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('stale terminate action') });
      expect(mutatingCalls()).toEqual([]);
      expect(dnsRequests()).toEqual([]);
    },
  );

  it('still cleans up after an instance on its way out for good whose hook was already answered (Terminating:Proceed)', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Proceed', tags: recordTags(), health: undefined });

    await h.terminate();

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
  });

  it('skips a standalone instance (no group holds it, no aws:autoscaling:groupName tag) and changes nothing', async () => {
    const h = harness();
    instance({ group: undefined, lifecycle: undefined, tags: [{ Key: 'Name', Value: 'hand-made' }] });

    const outcome = await h.terminate();

    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('is not an instance of group my-asg'),
    });
    expect(mutatingCalls()).toEqual([]);
    expect(dnsRequests()).toEqual([]);
  });

  it('cleans up an instance its group already let go (hook timed out) when Auto Scaling launched it for this group', async () => {
    const h = harness();
    instance({ group: undefined, lifecycle: undefined, tags: recordTags() });

    await h.terminate();

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
  });

  it('skips an instance that Auto Scaling places in another group', async () => {
    const h = harness();
    instance({ group: 'someone-elses-asg', lifecycle: 'Terminating:Wait', tags: recordTags() });

    expect(await h.terminate()).toMatchObject({ status: 'skipped' });
    expect(mutatingCalls()).toEqual([]);
  });

  it('takes an instance going back to the warm pool out of service like any other', async () => {
    const h = harness();
    instance({ lifecycle: 'Terminating:Wait', tags: recordTags(), health: undefined });

    await h.terminate(terminateEvent(INSTANCE, 'autoscaling-terminate-lifecycle-action-to-warm-pool'));
    await h.run();

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(deletes(onlyDnsRequest())).toEqual(REMEMBERED);
    expect(h.notifier.sent[0]?.summary).toContain('returning to the warm pool');
  });

  it('in dry run deregisters nothing, asks the writer nothing, and lists what it would have done', async () => {
    const h = harness({ dryRun: true });
    instance({ lifecycle: 'Terminating:Wait', tags: recordTags(), health: 'draining' });

    const outcome = await h.terminate();

    expect(outcome).toEqual({ status: 'continued', dryRun: true });
    expect(mutatingCalls()).toEqual([]);
    expect(dnsRequests()).toEqual([]);
    const wouldHave = h.notifier.sent[0]?.facts.find(([k]) => k === 'Dry run: would have')?.[1] ?? '';
    expect(wouldHave).toContain(`DeregisterTargets ${INSTANCE} from web-http`);
    expect(wouldHave).toContain(`Route 53 DELETE ${INSTANCE}.web.example.com A 203.0.113.7`);
    expect(wouldHave).toContain(`CompleteLifecycleAction ${INSTANCE} CONTINUE`);
  });
});
