/**
 * Target health diagnosis end to end on the simulated account: the load balancer's health checks (sim ELBv2) fail for
 * a reason, UnHealthyHostCount goes to CloudWatch, the stack's `unhealthy` alarm fires after 3 minutes, and
 * targetHealthAlarm explains the reason code it reads back from AWS. Then the stack-wide failures: the security group
 * rule that lets the load balancer in is removed (every target Target.Timeout), and every application fails at once
 * (systemic): diagnosed as such, and the `persistent` alarm's remedy is refused (no SetInstanceHealth).
 */
import { apps } from '../../../sim/apps';
import { LOAD_BALANCER_SECURITY_GROUP, TARGET_PORT } from '../../../sim/simulation';
import { type HealthSim, HOUR, MINUTE, startHealthSim } from '../../helpers/target-health-sim';

jest.setTimeout(120_000);

let h: HealthSim | undefined;
afterEach(() => {
  h?.sim.stop();
  h = undefined;
});

/** Break the first instance's application; run until the diagnosis is sent; its e-mail text. */
async function diagnosisOf(s: HealthSim, behaviour: Parameters<typeof s.sim.account.apps.set>[1]): Promise<string> {
  const victim = s.inService()[0] ?? '';
  s.sim.account.apps.set(victim, behaviour);
  expect(await s.until(() => s.notices('target-health.alarm.diagnosed').length > 0, 10 * MINUTE)).toBe(true);
  const [diagnosis] = s.notices('target-health.alarm.diagnosed');
  return diagnosis ? s.text(diagnosis) : '';
}

describe('target health diagnosis on the simulated account', () => {
  it.each([
    [
      '404 on the health-check path',
      'Target.ResponseCodeMismatch',
      'The application answers, but not on the health-check path: /healthz returned 404',
      apps.broken(404),
    ],
    [
      'a 502 there',
      'Target.ResponseCodeMismatch',
      'The application answers on /healthz but fails there (HTTP 502)',
      apps.broken(502),
    ],
    [
      'no answer in time',
      'Target.Timeout',
      'does not answer the health check on port 80 (/healthz) within 5 s; the security groups let the load balancer in',
      apps.broken('timeout'),
    ],
    ['a refused connection', 'Target.FailedHealthChecks', 'could not connect to port 80', apps.slow(24 * 3600)],
  ])(
    'explains %s (%s) for the one failing instance, as a warning: the others serve',
    async (what, code, words, behaviour) => {
      h = await startHealthSim(`health-${code}-${what}`);
      const text = await diagnosisOf(h, behaviour);
      expect(text).toContain(`(${code}:`);
      expect(text).toContain(words);
      expect(text).toContain('1 of 4 targets are unhealthy: the others serve.');
      expect(text).toMatch(/Alarm: +fleetpilot-sim-web-web-http-0123456789abcdef-unhealthy \(Threshold Crossed\)\n/);
      expect(h.notices('target-health.alarm.diagnosed')[0]?.attributes.severity?.StringValue).toBe('warning');
      expect(h.sim.account.cloudWatch.alarmState(h.alarms.unhealthy)).toBe('ALARM');
    },
  );

  it('lists a target still in its first health checks (Elb.InitialHealthChecking) next to the failing one', async () => {
    // Slow checks (every 30 s, healthy after 10): a new instance stays in `initial` for about 5 minutes.
    h = await startHealthSim('health-initial', {
      initialCapacity: 3,
      healthCheck: {
        path: '/healthz',
        intervalSeconds: 30,
        healthyThreshold: 10,
        unhealthyThreshold: 2,
        matcher: '200',
      },
    });
    const s = h;
    const victim = s.inService()[0] ?? '';
    s.sim.account.apps.set(victim, apps.broken(404));
    await s.sim.clock.advance(90_000);
    s.sim.account.autoscaling.setDesiredCapacity(s.group, 4);
    expect(await s.until(() => s.notices('target-health.alarm.diagnosed').length > 0, 10 * MINUTE)).toBe(true);
    const [diagnosis] = s.notices('target-health.alarm.diagnosed');
    const text = diagnosis ? s.text(diagnosis) : '';
    expect(text).toMatch(/: initial \(Elb\.InitialHealthChecking/);
    expect(text).toContain('still running its first health checks (10 passing checks 30 s apart, about 300 s)');
    expect(text).toContain("fleetpilot's launch hook waits for it to become healthy");
    expect(text).toContain('Target.ResponseCodeMismatch');
  });

  it('says the security group blocks the health check when the rule admitting the load balancer is removed, and replaces nothing', async () => {
    h = await startHealthSim('health-security-group');
    const s = h;
    const before = s.inService();
    const removed = s.sim.account.ec2.securityGroups.revokeIngress('default', {
      protocol: 'tcp',
      port: TARGET_PORT,
      sourceGroup: LOAD_BALANCER_SECURITY_GROUP,
    });
    expect(removed).toBe(1);
    expect(await s.until(() => s.notices('target-health.remedy.refused').length > 0, 20 * MINUTE)).toBe(true);

    const [diagnosis] = s.notices('target-health.alarm.diagnosed');
    const text = diagnosis ? s.text(diagnosis) : '';
    expect(diagnosis?.attributes.severity?.StringValue).toBe('critical');
    expect(text).toContain(
      '4 of 4 targets are unhealthy: the security group blocks the health check for every one of them.',
    );
    for (const id of before) expect(text).toContain(`${id}:80: unhealthy (Target.Timeout`);
    expect(text).toContain('The security group blocks the health check');
    const [refused] = s.notices('target-health.remedy.refused');
    expect(refused ? s.text(refused) : '').toContain('systemic: 4 of 4 targets unhealthy');
    expect(s.notices('target-health.remedy.applied')).toEqual([]);
    expect(await s.userHealthChecks()).toBe(0);
    expect(s.inService()).toEqual(before);
  });

  it('calls a failure of every application at once systemic and refuses to replace them', async () => {
    h = await startHealthSim('health-systemic');
    const s = h;
    const before = s.inService();
    for (const id of before) s.sim.account.apps.set(id, apps.broken(500));
    expect(await s.until(() => s.notices('target-health.remedy.refused').length > 0, 20 * MINUTE)).toBe(true);

    const [diagnosis] = s.notices('target-health.alarm.diagnosed');
    expect(diagnosis?.attributes.severity?.StringValue).toBe('critical');
    expect(diagnosis ? s.text(diagnosis) : '').toContain(
      '4 of 4 targets are unhealthy (more than 50 %): the cause is shared',
    );
    const [refused] = s.notices('target-health.remedy.refused');
    expect(refused?.attributes.severity?.StringValue).toBe('critical');
    expect(refused ? s.text(refused) : '').toContain('replacing them would not help');
    // An hour on: still nothing replaced (the persistent alarm stays in ALARM and sends no new event).
    await s.sim.clock.advance(HOUR);
    expect(await s.userHealthChecks()).toBe(0);
    expect(s.inService()).toEqual(before);
    expect(s.notices('target-health.remedy.applied')).toEqual([]);
  });
});
