import { DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TargetGroupSpec, TargetTransition } from '../../../sim/elbv2';
import { type Harness, startAccount } from './harness';

/** Health checks run on each target group's own timeline, not on the caller's. */
describe('simulated ELBv2 health-check timeline', () => {
  let h: Harness;
  afterEach(() => h.done());

  const start = (groups: TargetGroupSpec[], seed = 42) => {
    h = startAccount({ seed, targetGroups: groups });
    const instanceId = h.account.ec2.launch({
      subnetId: 'subnet-0aaa',
      imageId: 'ami-1',
      instanceType: 't3.micro',
      alreadyRunning: true,
    }).id;
    const seen: TargetTransition[] = [];
    h.account.elbv2.onTargetState((t) => seen.push(t));
    return { instanceId, seen };
  };
  const web = (phase?: number): TargetGroupSpec => ({
    name: 'web',
    healthCheck: { intervalSeconds: 10, healthyThreshold: 3, unhealthyThreshold: 2 },
    ...(phase === undefined ? {} : { healthCheckPhaseSeconds: phase }),
  });
  const state = async (arn: string, id: string) =>
    (await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: id }] })))
      .TargetHealthDescriptions?.[0]?.TargetHealth?.State;

  it('checks a target registered mid-interval at the group’s next tick, not one interval after registration', async () => {
    const { instanceId, seen } = start([web(0)]);
    const arn = h.account.elbv2.arnOf('web');
    const t0 = h.clock.now();
    await h.clock.advance(4_000);

    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(5_999);
    const beforeFirstTick = await state(arn, instanceId);
    await h.clock.advance(20_001);

    expect(beforeFirstTick).toBe('initial');
    expect(seen.map((t) => `${t.to}@${(t.at - t0) / 1000}`)).toEqual(['initial@4', 'healthy@30']);
  });

  it('lets a poller see the change only at its next poll after the check (detection delay)', async () => {
    const { instanceId, seen } = start([web(3)]);
    const arn = h.account.elbv2.arnOf('web');
    const t0 = h.clock.now();

    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    const polls: string[] = [];
    for (let poll = 1; poll <= 3; poll++) {
      await h.clock.advance(10_000);
      polls.push(`${(h.clock.now() - t0) / 1000}:${await state(arn, instanceId)}`);
    }

    expect(seen.find((t) => t.to === 'healthy')?.at).toBe(t0 + 23_000);
    expect(polls).toEqual(['10:initial', '20:initial', '30:healthy']);
  });

  it('draws each group’s phase from the seed: groups are not aligned with each other, and a seed repeats its run', async () => {
    const healthyAt = async (seed: number) => {
      const { instanceId, seen } = start([web(), { ...web(), name: 'api' }], seed);
      const t0 = h.clock.now();
      for (const name of ['web', 'api']) {
        await h.elbv2.send(
          new RegisterTargetsCommand({ TargetGroupArn: h.account.elbv2.arnOf(name), Targets: [{ Id: instanceId }] }),
        );
      }
      await h.clock.advance(40_000);
      const at = ['web', 'api'].map(
        (name) => (seen.find((t) => t.arn === h.account.elbv2.arnOf(name) && t.to === 'healthy')?.at ?? 0) - t0,
      );
      h.done();
      return at;
    };

    const first = await healthyAt(42);
    const again = await healthyAt(42);
    h = startAccount({});

    expect(first).toEqual(again);
    expect(first[0]).not.toBe(first[1]);
    for (const at of first) expect(at).toBeGreaterThan(20_000);
    for (const at of first) expect(at).toBeLessThanOrEqual(30_000);
  });
});
