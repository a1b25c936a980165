/**
 * Whole lifecycle flows on the simulated account: real handlers, wired from serverless.yml, many events, virtual
 * time. Assertions are on the final state of the account and on the notifications.
 */
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { loadConfig, parseConfig } from '../../../shared/config/load';
import type { FleetpilotConfig } from '../../../shared/config/schema';
import { attachSim } from '../../../sim';
import { apps } from '../../../sim/apps';
import { checkInvariants } from '../../../sim/invariants';
import { type Simulation, type SimulationOptions, startSimulation } from '../../../sim/simulation';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const GROUP = 'web-asg';
const HOUR = 3_600_000;

let sim: Simulation | undefined;
afterEach(() => {
  sim?.stop();
  sim = undefined;
});

function start(options: Partial<SimulationOptions> & { config?: FleetpilotConfig } = {}): Simulation {
  sim = startSimulation({ config: options.config ?? loadConfig(EXAMPLE), seed: 11, initialCapacity: 2, ...options });
  return sim;
}

const inService = (s: Simulation) =>
  s.account.autoscaling
    .view()
    .flatMap((g) => g.instances)
    .filter((i) => i.lifecycleState === 'InService')
    .map((i) => i.id);

const aRecords = (s: Simulation) =>
  s.account.route53
    .view()
    .flatMap((z) => z.records)
    .filter((r) => r.Type === 'A')
    .map((r) => `${r.Name} ${r.ResourceRecords?.[0]?.Value}`);

/** What an operator would see at the end, without instance ids (they differ between runs). */
const finalState = (s: Simulation) => ({
  inService: inService(s).length,
  aRecords: aRecords(s).length,
  targets: (s.account.elbv2.view()[0]?.targets ?? []).map((t) => t.state).sort(),
  hooks: s.account.autoscaling.hookResults.map((r) => `${r.transition} ${r.result} ${r.by}`).sort(),
  notifications: kinds(s).sort(),
});

const kinds = (s: Simulation) => s.account.sns.published.map((m) => m.attributes.kind?.StringValue);

describe('lifecycle on the simulated account', () => {
  it('puts each launched instance in service: registered, healthy, named in DNS, hook continued, reported', async () => {
    const s = start();

    expect(await s.settle(HOUR)).toBe(true);

    const ids = inService(s);
    expect(ids).toHaveLength(2);
    const targets = s.account.elbv2.view()[0]?.targets ?? [];
    expect(targets.map((t) => [t.id, t.state]).sort()).toEqual(ids.map((id) => [id, 'healthy']).sort());
    for (const id of ids) {
      const instance = s.account.ec2.get(id);
      expect(aRecords(s)).toContain(`${id}.web.internal.example.com. ${instance?.privateIp}`);
    }
    expect(s.account.autoscaling.hookResults.map((r) => [r.result, r.by])).toEqual([
      ['CONTINUE', 'CompleteLifecycleAction'],
      ['CONTINUE', 'CompleteLifecycleAction'],
    ]);
    // Reported once each: on their own, or in one summary when both were answered in the same batch.
    expect(new Set(kinds(s))).toEqual(new Set(['lifecycle.launch.continued']));
    for (const id of ids) {
      expect(s.account.sns.published.filter((m) => m.message.includes(id))).toHaveLength(1);
    }
    expect(checkInvariants(s)).toEqual([]);
  });

  it('abandons an instance whose application never answers, cleans it up, alerts, and the group replaces it', async () => {
    const s = start({ initialCapacity: 0 });
    s.account.apps.nextLaunches(1, apps.broken('timeout'));
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);

    expect(await s.settle(4 * HOUR)).toBe(true);

    const abandoned = s.account.autoscaling.hookResults.find((r) => r.result === 'ABANDON');
    expect(abandoned?.by).toBe('CompleteLifecycleAction');
    const broken = abandoned?.instanceId ?? '';
    expect(s.account.ec2.get(broken)?.state).toBe('terminated');
    expect(aRecords(s).some((r) => r.includes(broken))).toBe(false);
    expect(s.account.elbv2.view()[0]?.targets.map((t) => t.id)).not.toContain(broken);
    // The launch function's alert (the load balancer in front of the target group also raises its target health alarm).
    const alert = s.account.sns.published.find((m) => m.attributes.kind?.StringValue === 'lifecycle.launch.abandoned');
    expect(alert?.attributes.severity?.StringValue).toBe('critical');
    const email = JSON.parse(alert?.message ?? '{}').email as string;
    expect(email).toContain(`Launch of ${broken} abandoned`);
    expect(email).toContain('Target.Timeout');
    expect(email).toContain('HTTP /healthz expects 200');
    // The launch function only started it: the 900 s wait was carried on by the resume function, look by look.
    const fns = s.lambda.invocations.filter((i) => i.instanceId === broken).map((i) => i.fn);
    expect(fns[0]).toBe('lifecycleLaunch');
    expect(fns.slice(1).every((fn) => fn === 'lifecycleResume')).toBe(true);
    expect(s.lambda.invocations.filter((i) => i.fn === 'lifecycleResume').length).toBeGreaterThanOrEqual(2);
    expect(inService(s)).toHaveLength(1);
    expect(inService(s)).not.toContain(broken);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('continues a slow instance after the wait was handed over to a later invocation', async () => {
    const config = loadConfig(EXAMPLE);
    const service = config.services[0];
    if (!service) throw new Error('example has no service');
    service.lifecycle.launch.healthyTimeoutSeconds = 1800;
    const s = start({ config, initialCapacity: 0 });
    s.account.apps.nextLaunches(1, apps.slow(1200));
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);

    expect(await s.settle(4 * HOUR)).toBe(true);

    const [first, ...rest] = s.lambda.invocations;
    expect([first?.fn, (first?.result as { status?: string })?.status]).toEqual(['lifecycleLaunch', 'waiting']);
    expect(rest.length).toBeGreaterThanOrEqual(1);
    // Later looks are resume invocations; the records went through the Route 53 writer; nothing failed.
    // (The stack's target health alarms going OK at the first minute invoke targetHealthAlarm, which reports nothing.)
    const lifecycleRest = rest.filter((i) => i.fn !== 'targetHealthAlarm');
    expect(new Set(lifecycleRest.map((i) => i.fn))).toEqual(new Set(['lifecycleResume', 'dnsWriter']));
    expect(rest.every((i) => i.outcome === 'ok')).toBe(true);
    expect(s.account.autoscaling.hookResults.map((r) => r.result)).toEqual(['CONTINUE']);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('on scale in deregisters, drains for the deregistration delay, removes DNS, then continues', async () => {
    const s = start({ deregistrationDelaySeconds: 120 });
    await s.settle(HOUR);
    const before = inService(s);
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);
    const asked = s.clock.now();

    expect(await s.settle(HOUR)).toBe(true);

    const gone = before.filter((id) => !inService(s).includes(id));
    expect(gone).toHaveLength(1);
    const terminate = s.account.autoscaling.hookResults.find(
      (r) => r.transition === 'autoscaling:EC2_INSTANCE_TERMINATING',
    );
    expect(terminate).toMatchObject({ instanceId: gone[0], result: 'CONTINUE', by: 'CompleteLifecycleAction' });
    expect((terminate?.at ?? 0) - asked).toBeGreaterThanOrEqual(120_000);
    expect(aRecords(s).some((r) => r.includes(gone[0] ?? '-'))).toBe(false);
    expect(kinds(s)).toContain('lifecycle.terminate.continued');
    expect(checkInvariants(s)).toEqual([]);
  });

  it('on scale in leaves alone a record of someone else that Route 53 lists after one of its own already gone', async () => {
    const s = start({ initialCapacity: 1 });
    await s.settle(HOUR);
    const [id] = inService(s);
    const ip = s.account.ec2.get(id ?? '')?.privateIp ?? '';
    const route53 = new Route53Client({ region: s.config.region });
    attachSim(route53, s.account);
    // Someone removed fleetpilot's name and made their own for the same address, which Route 53 lists right after it
    // (ListResourceRecordSets starts at the first name at or after StartRecordName).
    const own = {
      Name: `${id}.web.internal.example.com`,
      Type: 'A' as const,
      TTL: 60,
      ResourceRecords: [{ Value: ip }],
    };
    const foreign = { ...own, Name: `${id}-old.web.internal.example.com`, TTL: 300 };
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'Z0EXAMPLEPRIVATE01',
        ChangeBatch: {
          Changes: [
            { Action: 'DELETE', ResourceRecordSet: own },
            { Action: 'CREATE', ResourceRecordSet: foreign },
          ],
        },
      }),
    );

    s.account.autoscaling.setDesiredCapacity(GROUP, 0);
    expect(await s.settle(HOUR)).toBe(true);

    expect(s.account.ec2.get(id ?? '')?.state ?? 'terminated').toBe('terminated');
    expect(aRecords(s)).toEqual([`${id}-old.web.internal.example.com. ${ip}`]);
  });

  it('reaches the same final state when every event is delivered twice', async () => {
    const run = async (duplicateRate: number) => {
      const s = start();
      s.account.faults.eventDelivery({ duplicateRate });
      await s.settle(HOUR);
      s.account.autoscaling.setDesiredCapacity(GROUP, 3);
      await s.settle(HOUR);
      s.account.autoscaling.setDesiredCapacity(GROUP, 1);
      const settled = await s.settle(2 * HOUR);
      // How many times each answered launch was reported in service: a duplicate that was not recognised reports twice.
      const reportsPerLaunch = s.account.autoscaling.hookResults
        .filter((r) => r.transition === 'autoscaling:EC2_INSTANCE_LAUNCHING')
        .map(
          (r) =>
            s.account.sns.published.filter(
              (m) =>
                m.attributes.kind?.StringValue === 'lifecycle.launch.continued' && m.message.includes(r.instanceId),
            ).length,
        );
      const result = {
        settled,
        state: finalState(s),
        events: s.lambda.invocations.filter((i) => i.trigger === 'eventbridge').length,
        reportsPerLaunch,
        violations: checkInvariants(s),
      };
      s.stop();
      sim = undefined;
      return result;
    };

    const once = await run(0);
    const twice = await run(1);

    expect(once.settled && twice.settled).toBe(true);
    expect(twice.state).toEqual(once.state);
    expect(twice.state.inService).toBe(1);
    expect(twice.events).toBe(2 * once.events);
    expect(twice.reportsPerLaunch).toEqual(once.reportsPerLaunch);
    expect(twice.reportsPerLaunch.every((n) => n === 1)).toBe(true);
    expect([...once.violations, ...twice.violations]).toEqual([]);
  });

  it('keeps a continued launch in service when its notification cannot be published (topic deleted)', async () => {
    const s = start({ initialCapacity: 0 });
    const operations: string[] = [];
    s.account.onCall((call) => operations.push(call.operation));
    for (const arn of s.account.sns.topicArns()) s.account.sns.deleteTopic(arn);
    s.account.autoscaling.setDesiredCapacity(GROUP, 1);

    expect(await s.settle(HOUR)).toBe(true);

    expect(s.account.autoscaling.hookResults.map((r) => [r.result, r.by])).toEqual([
      ['CONTINUE', 'CompleteLifecycleAction'],
    ]);
    expect(inService(s)).toHaveLength(1);
    expect(s.account.sns.published).toEqual([]);
    // Nothing after CONTINUE undid it: still registered and healthy, its records in place.
    expect(operations).toContain('Publish');
    expect(operations).not.toContain('DeregisterTargets');
    expect(checkInvariants(s)).toEqual([]);
  });

  it('survives handlers that die mid-way: Lambda retries them and every hook still completes once', async () => {
    const s = start({ crashRate: 0.5 });
    await s.settle(2 * HOUR);
    s.account.autoscaling.setDesiredCapacity(GROUP, 4);
    await s.settle(2 * HOUR);
    s.account.autoscaling.setDesiredCapacity(GROUP, 2);

    expect(await s.settle(2 * HOUR)).toBe(true);

    expect(s.lambda.invocations.filter((i) => i.outcome === 'crash').length).toBeGreaterThan(0);
    expect(inService(s)).toHaveLength(2);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('absorbs throttling and server errors through SDK retries', async () => {
    const s = start();
    s.account.faults.throttle({ rate: 0.2 }).serverErrors({ service: 'elbv2', rate: 0.1, status: 503 });
    await s.settle(HOUR);
    s.account.autoscaling.setDesiredCapacity(GROUP, 3);

    expect(await s.settle(2 * HOUR)).toBe(true);

    expect(s.account.faults.calls.some((c) => c.outcome === 'Throttling')).toBe(true);
    expect(inService(s)).toHaveLength(3);
    expect(checkInvariants(s)).toEqual([]);
  });

  it('rejects a malformed lifecycle event on the bus with a warning and changes nothing in the account', async () => {
    const s = start();
    await s.settle(HOUR);
    const before = JSON.stringify({ zones: s.account.route53.view(), targets: s.account.elbv2.view() });
    const callsBefore = s.account.faults.calls.length;
    const event = structuredClone(s.account.emittedEvents()[0]);
    if (!event) throw new Error('no event emitted');
    const detail = event.detail as unknown as Record<string, unknown>;
    delete detail.LifecycleActionToken;

    s.account.events.emit({ ...event, id: 'malformed-1' });
    await s.settle(HOUR);

    const rejected = s.lambda.invocations.find((i) => i.sourceId === 'malformed-1');
    expect(rejected?.result).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('LifecycleActionToken'),
    });
    const calls = s.account.faults.calls.slice(callsBefore).map((c) => `${c.service}:${c.operation}`);
    expect(calls).toEqual(['sns:Publish']);
    expect(JSON.stringify({ zones: s.account.route53.view(), targets: s.account.elbv2.view() })).toEqual(before);
    expect(s.account.sns.published.at(-1)?.attributes.kind?.StringValue).toBe('lifecycle.event.invalid');
  });

  it('replays the same run from the same seed, faults included, and a different run from another seed', async () => {
    const run = async (seed: number) => {
      const s = start({ seed, crashRate: 0.3 });
      s.account.faults.throttle({ rate: 0.2 }).eventDelivery({ duplicateRate: 0.3, delayRate: 0.3, delayMs: 20_000 });
      await s.settle(HOUR);
      s.account.autoscaling.setDesiredCapacity(GROUP, 4);
      await s.settle(2 * HOUR);
      const snapshot = JSON.stringify(s.account.snapshot());
      const invocations = JSON.stringify(s.lambda.invocations);
      s.stop();
      sim = undefined;
      return { snapshot, invocations };
    };

    const first = await run(5);
    const again = await run(5);
    const other = await run(6);

    expect(again).toEqual(first);
    expect(other.snapshot).not.toEqual(first.snapshot);
  });

  it('changes nothing in dry run and reports what it would have done', async () => {
    const config = parseConfig(
      `${(await import('node:fs')).readFileSync(EXAMPLE, 'utf8').replace('dryRun: false', 'dryRun: true')}`,
      EXAMPLE,
    );
    const s = start({ config, initialCapacity: 1 });

    await s.settle(HOUR);

    expect(aRecords(s)).toEqual([]);
    expect(s.account.elbv2.view()[0]?.targets).toEqual([]);
    // Nothing answered the hook, so Auto Scaling applied its DefaultResult after the heartbeat timeout.
    expect(s.account.autoscaling.hookResults[0]?.by).toBe('DefaultResult');
    const note = JSON.parse(s.account.sns.published[0]?.message ?? '{}').email as string;
    expect(note).toContain('[dry run]');
    expect(note).toContain('would have');
    expect(note).toContain('CompleteLifecycleAction');
  });
});
