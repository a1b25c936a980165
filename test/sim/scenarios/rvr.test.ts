/**
 * Root-volume replacement (issue 7, defect 9) on the simulated account: the real handlers answer both halves of a
 * replacement of an in-service instance, and a late or redelivered terminate half never takes the instance out of
 * service once its hook is no longer pending (Auto Scaling user guide, "Replace root volumes during instance refresh":
 * terminate hook at ReplacingRootVolume:Wait, launch hook at Pending:Wait after RootVolumeReplaced → Pending).
 */
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import type { SimEvent } from '../../../sim';
import type { CallRecord } from '../../../sim/account';
import { checkInvariants } from '../../../sim/invariants';
import { type Simulation, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

const start = (): Simulation => {
  sim = startSimulation({
    config: loadConfig(EXAMPLE),
    seed: 17,
    initialCapacity: 1,
    deregistrationDelaySeconds: 30,
  });
  return sim;
};

const stateOf = (s: Simulation, id: string) =>
  s.account.autoscaling
    .view()
    .flatMap((g) => g.instances)
    .find((i) => i.id === id)?.lifecycleState;

const aRecords = (s: Simulation) =>
  s.account.route53
    .view()
    .flatMap((z) => z.records)
    .filter((r) => r.Type === 'A')
    .map((r) => `${r.Name} ${r.ResourceRecords?.[0]?.Value}`)
    .sort();

const targets = (s: Simulation) =>
  s.account.elbv2
    .view()
    .flatMap((g) => g.targets.map((t) => `${g.name} ${t.id} ${t.state}`))
    .sort();

const rvrTerminate = (s: Simulation, id: string): SimEvent => {
  const event = s.account
    .emittedEvents()
    .find(
      (e) =>
        e['detail-type'] === 'EC2 Instance-terminate Lifecycle Action' &&
        e.detail.EC2InstanceId === id &&
        'Action' in e.detail &&
        e.detail.Action === 'ReplaceRootVolume',
    );
  if (!event) throw new Error(`no root-volume replacement terminate event for ${id}`);
  return event;
};

/** A group of one in-service instance (launched through fleetpilot), and that instance's id. */
const inServiceInstance = async (s: Simulation): Promise<string> => {
  expect(await s.settle(HOUR)).toBe(true);
  const id = s.account.autoscaling.view()[0]?.instances[0]?.id;
  if (!id) throw new Error('no instance');
  return id;
};

/** Mutating calls the account answered (reads left out). */
const mutations = (calls: CallRecord[]) =>
  calls
    .filter((c) => !/^(Describe|List|Get|Receive|Send|Delete(Message)|Change(MessageVisibility))/.test(c.operation))
    .filter((c) => c.operation !== 'Publish' && c.operation !== 'RecordLifecycleActionHeartbeat')
    .map((c) => `${c.service}:${c.operation}`);

describe('root-volume replacement on the simulated account', () => {
  it('answers both halves: the instance ends InService, registered, healthy and named, both hooks completed by fleetpilot', async () => {
    const s = start();
    const id = await inServiceInstance(s);
    const addresses = [s.account.ec2.get(id)?.privateIp, s.account.ec2.get(id)?.publicIp];
    const recordsBefore = aRecords(s);
    const hooksBefore = s.account.autoscaling.hookResults.length;

    s.account.autoscaling.replaceRootVolume(GROUP, id, { imageId: 'ami-0patched', rebootMs: 60_000 });
    expect(await s.settle(2 * HOUR)).toBe(true);

    expect(stateOf(s, id)).toBe('InService');
    expect(s.account.ec2.get(id)?.imageId).toBe('ami-0patched');
    expect([s.account.ec2.get(id)?.privateIp, s.account.ec2.get(id)?.publicIp]).toEqual(addresses);
    expect(
      s.account.autoscaling.hookResults.slice(hooksBefore).map((r) => [r.transition, r.result, r.by, r.instanceId]),
    ).toEqual([
      ['autoscaling:EC2_INSTANCE_TERMINATING', 'CONTINUE', 'CompleteLifecycleAction', id],
      ['autoscaling:EC2_INSTANCE_LAUNCHING', 'CONTINUE', 'CompleteLifecycleAction', id],
    ]);
    expect(targets(s).every((t) => t.startsWith('web-') && t.includes(id) && t.endsWith('healthy'))).toBe(true);
    expect(targets(s).length).toBeGreaterThan(0);
    expect(aRecords(s)).toEqual(recordsBefore);
    const kinds = s.account.sns.published.map((m) => m.attributes.kind?.StringValue);
    expect(kinds.slice(-2)).toEqual(['lifecycle.terminate.continued', 'lifecycle.launch.continued']);
    expect(checkInvariants(s)).toEqual([]);
  });

  // Old behaviour guarded against: startTerminate skipped only launching/in-service states, so a terminate delivered
  // while the instance was ReplacingRootVolume:Proceed or RootVolumeReplaced deregistered it and deleted its records.
  it('ignores the terminate half redelivered after its hook was answered (root volume being replaced): nothing changes', async () => {
    const s = start();
    const id = await inServiceInstance(s);
    s.account.autoscaling.replaceRootVolume(GROUP, id, { rebootMs: 180_000 });
    expect(await s.clock.runUntil(() => stateOf(s, id) === 'ReplacingRootVolume:Proceed', HOUR)).toBe(true);
    const calls: CallRecord[] = [];
    s.account.onCall((call) => calls.push(call));

    s.account.events.emit({ ...structuredClone(rvrTerminate(s, id)), id: 'late-rvr-terminate' });
    expect(await s.clock.runUntil(() => stateOf(s, id) !== 'ReplacingRootVolume:Proceed', HOUR)).toBe(true);

    // Until the launch half starts, the late terminate is the only thing fleetpilot could act on: it must not.
    expect(mutations(calls)).toEqual([]);
    expect(s.lambda.invocations.some((i) => i.sourceId === 'late-rvr-terminate')).toBe(true);
    expect(await s.settle(2 * HOUR)).toBe(true);
    expect(stateOf(s, id)).toBe('InService');
    expect(checkInvariants(s)).toEqual([]);
  });

  it('ignores a duplicate of the terminate half delivered after the instance is back in service: nothing changes', async () => {
    const s = start();
    const id = await inServiceInstance(s);
    s.account.autoscaling.replaceRootVolume(GROUP, id);
    expect(await s.settle(2 * HOUR)).toBe(true);
    const before = { records: aRecords(s), targets: targets(s) };
    const calls: CallRecord[] = [];
    s.account.onCall((call) => calls.push(call));

    s.account.events.emit({ ...structuredClone(rvrTerminate(s, id)), id: 'duplicate-rvr-terminate' });
    expect(await s.settle(HOUR)).toBe(true);

    expect(s.lambda.invocations.some((i) => i.sourceId === 'duplicate-rvr-terminate')).toBe(true);
    expect(mutations(calls)).toEqual([]);
    expect({ records: aRecords(s), targets: targets(s) }).toEqual(before);
    expect(stateOf(s, id)).toBe('InService');
    expect(checkInvariants(s)).toEqual([]);
  });
});
