import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { apps } from '../../../sim';
import type { TargetTransition } from '../../../sim/elbv2';
import { type Harness, startAccount } from './harness';

describe('simulated ELBv2 target state observation (onTargetState)', () => {
  let h: Harness;
  let arn: string;
  let instanceId: string;
  let seen: TargetTransition[];
  let unsubscribe: () => void;

  beforeEach(() => {
    h = startAccount({
      targetGroups: [
        {
          name: 'web',
          healthCheck: { intervalSeconds: 10, healthyThreshold: 3, unhealthyThreshold: 2 },
          deregistrationDelaySeconds: 60,
          // The group's health-check timeline ticks at 10 s, 20 s, ... after the start: exact instants below.
          healthCheckPhaseSeconds: 0,
        },
      ],
    });
    arn = h.account.elbv2.arnOf('web');
    instanceId = h.account.ec2.launch({
      subnetId: 'subnet-0aaa',
      imageId: 'ami-1',
      instanceType: 't3.micro',
      alreadyRunning: true,
    }).id;
    seen = [];
    unsubscribe = h.account.elbv2.onTargetState((t) => seen.push(t));
  });
  afterEach(() => h.done());

  const path = () => seen.map((t) => `${t.from}>${t.to}@${(t.at - (seen[0]?.at ?? 0)) / 1000}`);

  it('reports registration, the move to healthy, draining and removal with their virtual times', async () => {
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(40_000);
    await h.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(61_000);

    expect(path()).toEqual([
      'unregistered>initial@0',
      'initial>healthy@30',
      'healthy>draining@40',
      'draining>unregistered@100',
    ]);
    expect(seen.every((t) => t.arn === arn && t.id === instanceId)).toBe(true);
  });

  it('reports state changes only, not a new reason within the same state', async () => {
    h.account.apps.set(instanceId, apps.broken(500));
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(60_000);

    expect(path()).toEqual(['unregistered>initial@0', 'initial>unhealthy@20']);
  });

  it('stops reporting after unsubscribe', async () => {
    unsubscribe();
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(40_000);

    expect(seen).toEqual([]);
  });
});
