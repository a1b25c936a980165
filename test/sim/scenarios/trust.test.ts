/**
 * Issue 7, a scenario per defect already fixed this session, on the simulated account with crafted events and planted
 * state. Each test names the old behaviour it guards against (the description of it).
 */
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { loadConfig } from '../../../shared/config/load';
import { attachSim } from '../../../sim';
import type { CallRecord } from '../../../sim/account';
import type { LaunchLifecycleActionEvent } from '../../../sim/events';
import { checkInvariants } from '../../../sim/invariants';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;
const INTERNAL = 'Z0EXAMPLEPRIVATE01';

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const start = (initialCapacity: number): Simulation => {
  sim = startSimulation({ config: loadConfig(EXAMPLE), seed: 23, initialCapacity, deregistrationDelaySeconds: 30 });
  return sim;
};

const aRecords = (s: Simulation) =>
  s.account.route53
    .view()
    .flatMap((z) => z.records.map((r) => ({ zone: z.id, ...r })))
    .filter((r) => r.Type === 'A')
    .map((r) => `${r.zone} ${r.Name} ${r.ResourceRecords?.[0]?.Value}`);

const targetIds = (s: Simulation) => s.account.elbv2.view().flatMap((g) => g.targets.map((t) => t.id));

const firstEvent = (
  s: Simulation,
  detailType: 'EC2 Instance-launch Lifecycle Action' | 'EC2 Instance-terminate Lifecycle Action',
): LaunchLifecycleActionEvent => {
  const event = s.account.emittedEvents().find((e) => e['detail-type'] === detailType);
  if (!event) throw new Error(`no ${detailType} event`);
  return structuredClone(event) as LaunchLifecycleActionEvent;
};

/** A running instance that no Auto Scaling group holds (someone's hand-made server in the same subnets). */
const standalone = (s: Simulation) => {
  const subnetId = s.account.ec2.list()[0]?.subnetId ?? '';
  return s.account.ec2.launch({
    subnetId,
    imageId: 'ami-0handmade000001',
    instanceType: 't3.micro',
    tags: { Name: 'hand-made' },
    alreadyRunning: true,
  });
};

const callsDuring = async (s: Simulation, act: () => Promise<void>): Promise<CallRecord[]> => {
  const calls: CallRecord[] = [];
  const stop = s.account.onCall((call) => calls.push(call));
  await act();
  stop();
  return calls;
};

const inputNames = (calls: CallRecord[], operation: string) =>
  calls.filter((c) => c.operation === operation).map((c) => JSON.stringify(c.input));

describe('issue 7 defects on the simulated account', () => {
  // Defect 2. Old behaviour: startLaunch never asked Auto Scaling which group holds the instance, so it registered a
  // standalone instance in the service's target groups, wrote its DNS names and answered the hook.
  it('defect 2: a launch event naming the group but a standalone instance registers nothing, names nothing, answers no hook', async () => {
    const s = start(1);
    expect(await s.settle(HOUR)).toBe(true);
    const stranger = standalone(s);
    const event = firstEvent(s, 'EC2 Instance-launch Lifecycle Action');
    event.id = 'crafted-launch';
    event.detail.EC2InstanceId = stranger.id;
    event.detail.LifecycleActionToken = '11111111-2222-3333-4444-555555555555';

    const calls = await callsDuring(s, async () => {
      s.account.events.emit(event);
      expect(await s.settle(HOUR)).toBe(true);
    });

    expect(s.lambda.invocations.some((i) => i.sourceId === 'crafted-launch')).toBe(true);
    expect(targetIds(s)).not.toContain(stranger.id);
    expect(aRecords(s).some((r) => r.includes(stranger.id) || r.endsWith(` ${stranger.privateIp}`))).toBe(false);
    expect(inputNames(calls, 'CompleteLifecycleAction')).toEqual([]);
    expect(inputNames(calls, 'RegisterTargets')).toEqual([]);
    expect(inputNames(calls, 'CreateTags')).toEqual([]);
    expect(checkInvariants(s)).toEqual([]);
  });

  // Defect 2. Old behaviour: startTerminate deregistered any instance the event named.
  it('defect 2: a terminate event naming a standalone instance deregisters nothing', async () => {
    const s = start(1);
    expect(await s.settle(HOUR)).toBe(true);
    const stranger = standalone(s);
    const arn = s.account.elbv2.view()[0]?.arn ?? '';
    s.account.elbv2.register(arn, stranger.id, undefined, { healthy: true });
    const event = firstEvent(s, 'EC2 Instance-launch Lifecycle Action');
    const terminate = {
      ...event,
      id: 'crafted-terminate',
      'detail-type': 'EC2 Instance-terminate Lifecycle Action' as const,
      detail: {
        ...event.detail,
        EC2InstanceId: stranger.id,
        // The terminate hook fleetpilot owns (config), so that only the instance check stands in the way.
        LifecycleHookName: s.config.services[0]?.lifecycle.hooks.terminate[0] ?? '',
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' as const,
        Origin: 'AutoScalingGroup' as const,
        Destination: 'EC2' as const,
      },
    };

    const calls = await callsDuring(s, async () => {
      s.account.events.emit(terminate);
      await s.settle(HOUR);
    });

    expect(s.lambda.invocations.some((i) => i.sourceId === 'crafted-terminate')).toBe(true);
    expect(inputNames(calls, 'DeregisterTargets')).toEqual([]);
    expect(inputNames(calls, 'ChangeResourceRecordSets')).toEqual([]);
    expect(s.account.elbv2.view()[0]?.targets.find((t) => t.id === stranger.id)?.state).toBe('healthy');
  });

  // Defect 4. Old behaviour: terminate deleted whatever the fleetpilot:dns:* tags named (a planted tag removed a record
  // fleetpilot never wrote, in a configured zone or in any zone IAM allowed), and a tag that did not parse threw before
  // deregistration, so the hook was continued with no drain and the instance's own records stayed.
  it('defect 4: planted and unparseable record tags delete nothing foreign, and the drain and DNS clean-up still happen', async () => {
    const s = start(1);
    expect(await s.settle(HOUR)).toBe(true);
    const ids = s.account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];
    const ip = (id: string) => s.account.ec2.get(id)?.privateIp ?? '';
    // Records someone else owns, with the instances' own addresses (so a value check alone would not protect them):
    // one in a configured zone with a name no pattern produces, one in a zone outside the config.
    const a = (name: string, values: string[]) => ({
      Name: name,
      Type: 'A' as const,
      TTL: 300,
      ResourceRecords: values.map((Value) => ({ Value })),
    });
    const outsider = s.account.route53.createZone({
      name: 'corp.example.net',
      private: true,
      records: [a('payroll.corp.example.net', [ip(ids[0] ?? '')])],
    });
    const route53 = new Route53Client({ region: s.config.region });
    attachSim(route53, s.account);
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: INTERNAL,
        ChangeBatch: {
          Changes: [{ Action: 'CREATE', ResourceRecordSet: a('db.web.internal.example.com', [ip(ids[0] ?? '')]) }],
        },
      }),
    );
    for (const id of ids) {
      const tags = s.account.ec2.get(id)?.tags;
      tags?.set('fleetpilot:dns:9', `${INTERNAL} db.web.internal.example.com A 300 ${ip(id)}`);
      tags?.set('fleetpilot:dns:10', `${outsider} payroll.corp.example.net A 300 ${ip(id)}`);
      tags?.set('fleetpilot:dns:11', 'not a record at all');
    }

    s.account.autoscaling.setDesiredCapacity(GROUP, 0);
    expect(await s.settle(2 * HOUR)).toBe(true);

    // The instance drained and gone, every record fleetpilot wrote removed, every foreign record still there.
    expect(s.account.autoscaling.view()[0]?.instances).toEqual([]);
    expect(targetIds(s)).toEqual([]);
    expect(aRecords(s).sort()).toEqual(
      [
        `${INTERNAL} db.web.internal.example.com. ${ip(ids[0] ?? '')}`,
        `${outsider} payroll.corp.example.net. ${ip(ids[0] ?? '')}`,
      ].sort(),
    );
    const terminates = s.account.autoscaling.hookResults.filter(
      (r) => r.transition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    expect(terminates.map((r) => r.by)).toEqual(['CompleteLifecycleAction']);
    const report = s.account.sns.published
      .filter((m) => m.attributes.kind?.StringValue === 'lifecycle.terminate.continued')
      .map((m) => m.message)
      .join('\n');
    expect(report).toContain('drained; 2 DNS record(s) removed');
    expect(report).toContain('ignored tag fleetpilot:dns:9');
    expect(report).toContain('ignored tag fleetpilot:dns:10');
    expect(report).toContain('ignored tag fleetpilot:dns:11');
  });

  // Defect 5. Old behaviour: an event with Destination WarmPool was believed, so an instance Auto Scaling held in plain
  // Pending:Wait was CONTINUEd into service unregistered, without DNS and without a health check.
  it('defect 5: Destination WarmPool on an instance in plain Pending:Wait still gets the full launch', async () => {
    const s = start(0);
    s.account.faults.eventDelivery({ dropRate: 1 });
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);
    expect(await s.clock.runUntil(() => s.account.autoscaling.pendingActions().length === 1, HOUR)).toBe(true);
    s.account.faults.eventDelivery({});
    const event = firstEvent(s, 'EC2 Instance-launch Lifecycle Action');
    event.id = 'crafted-warm-pool';
    event.detail.Destination = 'WarmPool';

    s.account.events.emit(event);
    expect(await s.settle(HOUR)).toBe(true);

    const id = event.detail.EC2InstanceId;
    expect(s.lambda.invocations.some((i) => i.sourceId === 'crafted-warm-pool')).toBe(true);
    expect(s.account.elbv2.view().every((g) => g.targets.some((t) => t.id === id && t.state === 'healthy'))).toBe(true);
    expect(aRecords(s)).toContain(`${INTERNAL} ${id}.web.internal.example.com. ${s.account.ec2.get(id)?.privateIp}`);
    expect(s.account.autoscaling.hookResults.map((r) => [r.result, r.by])).toEqual([
      ['CONTINUE', 'CompleteLifecycleAction'],
    ]);
    expect(checkInvariants(s)).toEqual([]);
  });
});
