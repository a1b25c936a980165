/**
 * The simulated EventBridge Scheduler (sim/scheduler.ts): when a schedule fires, against hand-computed UTC instants
 * across the 2026 DST changes (Scheduler user guide, "Schedule types": a time in the spring-forward gap is skipped,
 * one in the repeated fall-back hour runs once), and which schedules it finds in the stack.
 */
import { join } from 'node:path';
import { deriveStackValues } from '../../../deploy/stack-values';
import { RECONCILE_SCHEDULE, ruleScheduleId } from '../../../functions/schedule/deploy';
import { loadConfig } from '../../../shared/config/load';
import { createVirtualClock } from '../../../sim/clock';
import type { InvocationRecord } from '../../../sim/lambda';
import { nextFiring, ScheduleExpressionError, SimScheduler, schedulesOf } from '../../../sim/scheduler';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

/** Every firing from `from` (exclusive) up to `to`, as ISO strings. */
function firings(expression: string, timezone: string, from: string, to: string, origin = from): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (;;) {
    at = nextFiring({ expression, timezone }, at, Date.parse(origin));
    if (at > Date.parse(to)) return out;
    out.push(new Date(at).toISOString());
  }
}

describe('the simulated Scheduler', () => {
  it('skips 02:30 on the Berlin spring-forward day (2026-03-29) and runs it once on the fall-back day (2026-10-25)', () => {
    expect(firings('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // CET, UTC+1
      '2026-03-30T00:30:00.000Z', // CEST, UTC+2; 29 March 02:30 does not exist
    ]);
    expect(firings('cron(30 2 * * ? *)', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST); not again at 01:30Z (CET)
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('does not run a repeated fall-back time again when started inside the second pass of that hour', () => {
    // New York, 2026-11-01: 01:00–01:59 happens at 05:xxZ (EDT) and again at 06:xxZ (EST).
    expect(firings('cron(30 1 * * ? *)', 'America/New_York', '2026-11-01T06:10:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('follows New York across 2026-03-08 and Seoul (no DST) on the same days', () => {
    expect(
      firings('cron(0 8 ? * MON-FRI *)', 'America/New_York', '2026-03-05T00:00:00Z', '2026-03-10T00:00:00Z'),
    ).toEqual([
      '2026-03-05T13:00:00.000Z', // Thursday, EST
      '2026-03-06T13:00:00.000Z', // Friday, EST
      '2026-03-09T12:00:00.000Z', // Monday, EDT
    ]);
    expect(firings('cron(55 8 ? * MON-FRI *)', 'Asia/Seoul', '2026-03-05T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-05T23:55:00.000Z',
      '2026-03-08T23:55:00.000Z',
      '2026-03-09T23:55:00.000Z',
    ]);
  });

  it('runs a rate schedule every period from its creation', () => {
    expect(
      firings('rate(15 minutes)', 'UTC', '2026-03-08T05:10:00Z', '2026-03-08T05:40:00Z', '2026-03-08T05:07:00Z'),
    ).toEqual(['2026-03-08T05:22:00.000Z', '2026-03-08T05:37:00.000Z']);
    expect(() => nextFiring({ expression: 'at(2026-03-08T05:00:00)', timezone: 'UTC' }, 0, 0)).toThrow(
      ScheduleExpressionError,
    );
  });

  it('finds the scaling schedules and the AMI refresh schedules the stack declares, with their target functions', () => {
    const config = loadConfig(EXAMPLE);
    const stackValues = deriveStackValues(config, { configFile: 'x', service: 'fleetpilot', stage: 'sim' });
    const functions = ['scheduleScale', 'amiRefreshBake', 'siteCheck', 'certificatesAudit'].map((name) => ({
      name,
    })) as Parameters<typeof schedulesOf>[0]['functions'];

    const found = schedulesOf({ stackValues, functions });

    expect(found.filter((s) => s.functionName === 'scheduleScale').map((s) => s.name)).toEqual([
      RECONCILE_SCHEDULE,
      ruleScheduleId('web', 'business-hours'),
      ruleScheduleId('web', 'night'),
    ]);
    expect(found.filter((s) => s.functionName === 'amiRefreshBake').length).toBeGreaterThan(0);
    expect(found.find((s) => s.name === ruleScheduleId('web', 'night'))).toMatchObject({
      expression: 'cron(30 2 * * ? *)',
      timezone: 'Europe/Berlin',
      enabled: true,
    });
  });

  it('runs each firing once when started twice (a demo chapter and a scenario may both start it), none after stop', async () => {
    const clock = createVirtualClock({ start: '2026-01-05T09:00:00.000Z' });
    try {
      const payloads: unknown[] = [];
      const scheduler = new SimScheduler({
        lambda: {
          invokeDirect: async (fn, payload, requestId) => {
            payloads.push(payload);
            const now = Date.now();
            return {
              fn,
              trigger: 'direct',
              sourceId: requestId,
              attempt: 1,
              startedAt: now,
              endedAt: now,
              outcome: 'ok',
            };
          },
        },
        schedules: [
          {
            name: 'Every15',
            expression: 'rate(15 minutes)',
            timezone: 'UTC',
            enabled: true,
            functionName: 'scheduleScale',
            input: '{"at":"<aws.scheduler.scheduled-time>"}',
          },
        ],
        accountId: '123456789012',
        region: 'eu-west-1',
      });

      scheduler.start(clock.now());
      await clock.advance(10 * 60_000);
      scheduler.start(clock.now());
      const runningAfterSecondStart = scheduler.running;
      await clock.advance(25 * 60_000);
      scheduler.stop();
      await clock.advance(60 * 60_000);

      expect(runningAfterSecondStart).toBe(true);
      expect(scheduler.running).toBe(false);
      // Counted from the first start (09:00): 09:15 and 09:30, each once.
      expect(payloads).toEqual([{ at: '2026-01-05T09:15:00Z' }, { at: '2026-01-05T09:30:00Z' }]);
      expect(scheduler.runs.map((r: { record?: InvocationRecord }) => r.record?.outcome)).toEqual(['ok', 'ok']);
    } finally {
      clock.uninstall();
    }
  });
});
