import { CompleteLifecycleActionCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteTagsCommand } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { makeLifecycleHandler } from '../../../functions/lifecycle/handlers';
import { timedEvent } from '../../helpers/events';
import {
  harness,
  health,
  INSTANCE,
  instance,
  lifecycleState,
  mocks,
  records,
  recordTags,
  resetMocks,
  routeSet,
  TG_GRPC,
  TG_HTTP,
  ZONE_INTERNAL,
  ZONE_PUBLIC,
} from './harness';

const terminateEvent = () => timedEvent('autoscaling-terminate-lifecycle-action');

function deletedNames(): string[] {
  return mocks.r53
    .commandCalls(ChangeResourceRecordSetsCommand)
    .flatMap((c) => c.args[0].input.ChangeBatch?.Changes ?? [])
    .map((c) => `${c.Action} ${c.ResourceRecordSet?.Name}`)
    .sort();
}

beforeEach(() => {
  resetMocks();
  lifecycleState('Terminating:Wait');
  health('unused');
});

describe('terminate lifecycle action', () => {
  it('deregisters, removes the DNS records written at launch, waits for draining, then continues', async () => {
    const h = harness();
    instance({ tags: recordTags() });
    records([
      routeSet(`${INSTANCE}.web.internal.example.com`, '10.0.1.23'),
      routeSet('us-west-2a-10-0-1-23.web.internal.example.com', '10.0.1.23'),
      routeSet(`${INSTANCE}.web.example.com`, '203.0.113.7'),
    ]);
    health('draining', 'draining', 'unused');

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(outcome).toEqual({ status: 'continued', dryRun: false });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, {
      TargetGroupArn: TG_HTTP,
      Targets: [{ Id: INSTANCE }],
    });
    expect(mocks.elb).toHaveReceivedCommandWith(DeregisterTargetsCommand, { TargetGroupArn: TG_GRPC });
    expect(deletedNames()).toEqual([
      `DELETE ${INSTANCE}.web.example.com.`,
      `DELETE ${INSTANCE}.web.internal.example.com.`,
      'DELETE us-west-2a-10-0-1-23.web.internal.example.com.',
    ]);
    // One batch per zone.
    expect(
      mocks.r53
        .commandCalls(ChangeResourceRecordSetsCommand)
        .map((c) => c.args[0].input.HostedZoneId)
        .sort(),
    ).toEqual([ZONE_INTERNAL, ZONE_PUBLIC]);
    expect(mocks.ec2).toHaveReceivedCommandWith(DeleteTagsCommand, {
      Tags: [{ Key: 'fleetpilot:dns:0' }, { Key: 'fleetpilot:dns:1' }, { Key: 'fleetpilot:dns:2' }],
    });
    expect(mocks.asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, { LifecycleActionResult: 'CONTINUE' });
    // 2 polls while draining at a 10 s interval.
    expect(h.clock.now() - Date.parse(terminateEvent().time as string)).toBeGreaterThanOrEqual(20_000);
    expect(h.notifier.sent.map((n) => n.kind)).toEqual(['lifecycle.terminate.continued']);
  });

  it('deletes the remembered records even when the instance has lost its addresses', async () => {
    const h = harness();
    instance({ state: 'shutting-down', privateIp: null, publicIp: null, tags: recordTags() });
    records([routeSet(`${INSTANCE}.web.example.com`, '203.0.113.7')]);

    await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(deletedNames()).toEqual([`DELETE ${INSTANCE}.web.example.com.`]);
  });

  it('leaves a record alone when its value now belongs to someone else', async () => {
    const h = harness();
    instance({ tags: recordTags() });
    records([routeSet(`${INSTANCE}.web.internal.example.com`, '10.9.9.9')]);

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'continued' });
    expect(mocks.r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(h.notifier.sent[0]?.facts).toContainEqual([
      'DNS',
      `left ${INSTANCE}.web.internal.example.com alone: it no longer points to 10.0.1.23`,
    ]);
  });

  it('cleans up an instance whose launch never finished (no tags yet): deletes only records that hold its address', async () => {
    const h = harness();
    instance({});
    records([routeSet(`${INSTANCE}.web.internal.example.com`, '10.0.1.23')]);

    await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(mocks.elb).toHaveReceivedCommandTimes(DeregisterTargetsCommand, 2);
    expect(deletedNames()).toEqual([`DELETE ${INSTANCE}.web.internal.example.com.`]);
    expect(mocks.ec2).not.toHaveReceivedCommand(DeleteTagsCommand);
  });

  it('continues with a warning when draining outlasts its budget', async () => {
    const h = harness();
    health('draining');

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'continued' });
    expect(h.notifier.sent.map((n) => [n.severity, n.kind])).toEqual([
      ['warning', 'lifecycle.terminate.drain-timeout'],
      ['info', 'lifecycle.terminate.continued'],
    ]);
    expect(mocks.asg).toHaveReceivedCommand(RecordLifecycleActionHeartbeatCommand);
  });

  it('polls a long drain with back-off: 300 s of draining costs a handful of health checks, not thirty', async () => {
    const h = harness();
    const drainingFor =
      Date.parse(timedEvent<{ time: string }>('autoscaling-terminate-lifecycle-action').time) + 300_000;
    mocks.elb.on(DescribeTargetHealthCommand).callsFake(() =>
      Promise.resolve({
        TargetHealthDescriptions: [
          { Target: { Id: INSTANCE }, TargetHealth: { State: h.clock.now() < drainingFor ? 'draining' : 'unused' } },
        ],
      }),
    );

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(outcome).toMatchObject({ status: 'continued' });
    // Polls at 0, 10, 30, 70, 130, 190, 250, 310 s: eight per target group, two groups.
    expect(mocks.elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 16);
    expect(h.clock.now()).toBeLessThanOrEqual(drainingFor + 60_000);
  });

  it('hands a long drain over to a later invocation', async () => {
    const h = harness();
    health('draining');

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context(40_000));

    expect(outcome).toEqual({ status: 'waiting', phase: 'await-drained' });
    expect(mocks.sqs).toHaveReceivedCommand(SendMessageCommand);
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
  });

  it('handles the terminate half of a root volume replacement and leaves the instance id to the launch that follows', async () => {
    const h = harness();
    lifecycleState('ReplacingRootVolume:Wait');
    instance({ tags: recordTags() });
    records([routeSet(`${INSTANCE}.web.internal.example.com`, '10.0.1.23')]);

    const outcome = await makeLifecycleHandler('terminate', h.deps)(
      timedEvent('autoscaling-terminate-lifecycle-action-replace-root-volume'),
      h.context(),
    );

    expect(outcome).toMatchObject({ status: 'continued' });
    expect(mocks.elb).toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(h.notifier.sent[0]?.summary).toContain('root volume replacement continues');
  });

  it('ignores a stale terminate event for an instance that is back in service after its root volume was replaced', async () => {
    const h = harness();
    lifecycleState('InService');

    const outcome = await makeLifecycleHandler('terminate', h.deps)(
      timedEvent('autoscaling-terminate-lifecycle-action-replace-root-volume'),
      h.context(),
    );

    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('stale terminate action') });
    expect(mocks.elb).not.toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(mocks.r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('takes an instance going back to the warm pool out of service like any other', async () => {
    const h = harness();

    const outcome = await makeLifecycleHandler('terminate', h.deps)(
      timedEvent('autoscaling-terminate-lifecycle-action-to-warm-pool'),
      h.context(),
    );

    expect(outcome).toMatchObject({ status: 'continued' });
    expect(mocks.elb).toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(mocks.elb).not.toHaveReceivedCommand(RegisterTargetsCommand);
  });

  it('in dry run deregisters nothing and deletes nothing', async () => {
    const h = harness({ dryRun: true });
    instance({ tags: recordTags() });
    records([routeSet(`${INSTANCE}.web.internal.example.com`, '10.0.1.23')]);

    const outcome = await makeLifecycleHandler('terminate', h.deps)(terminateEvent(), h.context());

    expect(outcome).toEqual({ status: 'continued', dryRun: true });
    expect(mocks.elb).not.toHaveReceivedCommand(DeregisterTargetsCommand);
    expect(mocks.r53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    expect(mocks.asg).not.toHaveReceivedCommand(CompleteLifecycleActionCommand);
    expect(Object.fromEntries(h.notifier.sent[0]?.facts ?? [])['Dry run: would have']).toContain(
      `Route 53 DELETE in ${ZONE_INTERNAL}`,
    );
  });
});
