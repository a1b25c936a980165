import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  InvalidTargetException,
  RegisterTargetsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { apps } from '../../../sim';
import { type Harness, rejectionOf, startAccount } from './harness';

describe('simulated ELBv2 target groups', () => {
  let h: Harness;
  let arn: string;
  let instanceId: string;

  beforeEach(() => {
    h = startAccount({
      targetGroups: [
        {
          name: 'web',
          healthCheck: {
            intervalSeconds: 10,
            healthyThreshold: 3,
            unhealthyThreshold: 2,
            path: '/health',
            matcher: '200-299',
          },
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
  });
  afterEach(() => h.done());

  const health = async (id = instanceId) => {
    const out = await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: id }] }));
    return out.TargetHealthDescriptions?.[0]?.TargetHealth;
  };

  it('keeps a new target initial until HealthyThresholdCount checks one interval apart have passed, then healthy', async () => {
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    expect(await health()).toEqual({
      State: 'initial',
      Reason: 'Elb.RegistrationInProgress',
      Description: 'Target registration is in progress',
    });

    await h.clock.advance(10_000);
    expect(await health()).toMatchObject({ State: 'initial', Reason: 'Elb.InitialHealthChecking' });

    await h.clock.advance(19_999);
    expect((await health())?.State).toBe('initial');

    await h.clock.advance(1);
    expect(await health()).toEqual({ State: 'healthy' });
  });

  it('marks a target whose app answers 502 unhealthy with Target.ResponseCodeMismatch after UnhealthyThresholdCount checks', async () => {
    h.account.apps.set(instanceId, apps.broken(502));
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(20_000);
    expect(await health()).toEqual({
      State: 'unhealthy',
      Reason: 'Target.ResponseCodeMismatch',
      Description: 'Health checks failed with these codes: [502]',
    });
  });

  it('reports Target.Timeout for an app that never answers', async () => {
    h.account.apps.set(instanceId, apps.broken('timeout'));
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(20_000);
    expect(await health()).toMatchObject({ State: 'unhealthy', Reason: 'Target.Timeout' });
  });

  it('turns a slow app healthy only once it answers, counting consecutive successes from then', async () => {
    h.account.apps.set(instanceId, apps.slow(45));
    await h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    await h.clock.advance(40_000);
    expect(await health()).toMatchObject({ State: 'unhealthy', Reason: 'Target.FailedHealthChecks' });
    // Checks at 50 s, 60 s, 70 s succeed: healthy at 70 s.
    await h.clock.advance(29_000);
    expect((await health())?.State).toBe('unhealthy');
    await h.clock.advance(1_000);
    expect((await health())?.State).toBe('healthy');
  });

  it('drains a deregistered target for the deregistration delay, then reports it not registered', async () => {
    h.account.elbv2.register(arn, instanceId, undefined, { healthy: true });
    await h.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] }));
    expect(await health()).toEqual({
      State: 'draining',
      Reason: 'Target.DeregistrationInProgress',
      Description: 'Target deregistration is in progress',
    });
    await h.clock.advance(59_999);
    expect((await health())?.State).toBe('draining');
    await h.clock.advance(1);
    expect(await health()).toEqual({
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
    const all = await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(all.TargetHealthDescriptions).toEqual([]);
  });

  it('refuses to register a stopped instance with InvalidTargetException', async () => {
    h.account.ec2.stop(instanceId);
    await h.clock.advance(30_000);
    const error = await rejectionOf(
      h.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: instanceId }] })),
    );
    expect(error).toBeInstanceOf(InvalidTargetException);
    expect(error.message).toBe(
      `The following targets are not in a running state and cannot be registered: '${instanceId}'`,
    );
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('reports Target.InvalidState for a registered instance that stops', async () => {
    h.account.elbv2.register(arn, instanceId, undefined, { healthy: true });
    h.account.ec2.stop(instanceId);
    await h.clock.advance(30_000);
    expect(await health()).toMatchObject({ State: 'unused', Reason: 'Target.InvalidState' });
  });

  it('describes the group with its health-check settings, and rejects unknown groups', async () => {
    const out = await h.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web'] }));
    expect(out.TargetGroups?.[0]).toMatchObject({
      TargetGroupArn: arn,
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200-299' },
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 2,
      HealthCheckTimeoutSeconds: 5,
      Port: 80,
      Protocol: 'HTTP',
      TargetType: 'instance',
    });
    expect(out.TargetGroups?.[0]?.LoadBalancerArns).toHaveLength(1);
    const error = await rejectionOf(h.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })));
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
  });
});
