/**
 * Simulated Amazon EventBridge Scheduler: runs the AWS::Scheduler::Schedule resources the stack declares (read from
 * the wiring's stack values, i.e. what the capabilities' deploy.ts put in serverless.yml's resources) in virtual
 * time, and invokes their Lambda targets with their Input.
 *
 * Modelled (Scheduler user guide, "Schedule types", https://docs.aws.amazon.com/scheduler/latest/UserGuide/
 * schedule-types.html, and "Adding context attributes"):
 * - `cron(...)` in `ScheduleExpressionTimezone` (UTC without one). The cron is read and mapped to instants with the
 *   same code the product uses (functions/schedule/cron-expression.ts on croner, zone.ts on luxon), so the simulated
 *   Scheduler and the calendar agree by construction; tests then check both against hand-computed instants. A wall
 *   time that the spring-forward gap removes is skipped; one the fall-back hour repeats runs once (the first).
 * - `rate(N minutes|hours|days)`: every N units from the moment the runner starts.
 * - FlexibleTimeWindow OFF: invoked at the scheduled minute; State DISABLED schedules never run.
 * - The Input with `<aws.scheduler.scheduled-time>` (seconds, UTC, `Z`), `<aws.scheduler.schedule-arn>`,
 *   `<aws.scheduler.execution-id>` and `<aws.scheduler.attempt-number>` substituted.
 * Approximated: the target is invoked directly (one attempt, the outcome recorded); Scheduler's RetryPolicy and
 * Lambda's asynchronous retries are not replayed. `drop` lets a scenario lose an invocation, as a delivery that never
 * arrives.
 */
import { WallCron, wallAt } from '../functions/schedule/cron-expression';
import { instantOf } from '../functions/schedule/zone';
import { isoSeconds } from './context';
import type { InvocationRecord, LocalLambda } from './lambda';
import type { Wiring } from './wiring';

export interface SimSchedule {
  /** The resource's logical id (the schedule's name here). */
  name: string;
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The target function's key in serverless.yml. */
  functionName: string;
  input: string;
}

export interface ScheduledRun {
  schedule: string;
  /** The scheduled instant (epoch ms). */
  at: number;
  dropped: boolean;
  record?: InvocationRecord;
}

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The schedules the stack declares, with their targets resolved to functions of the wiring. */
export function schedulesOf(wiring: Pick<Wiring, 'stackValues' | 'functions'>): SimSchedule[] {
  const byLogicalId = new Map(
    wiring.functions.map((fn) => [`${fn.name.charAt(0).toUpperCase()}${fn.name.slice(1)}LambdaFunction`, fn.name]),
  );
  return Object.entries(wiring.stackValues.resources)
    .filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule')
    .map(([name, r]) => {
      const p = r.Properties ?? {};
      const target = p.Target as { Arn?: { 'Fn::GetAtt'?: [string, string] }; Input?: string };
      const logicalId = target.Arn?.['Fn::GetAtt']?.[0] ?? '';
      const functionName = byLogicalId.get(logicalId);
      if (!functionName) throw new ScheduleExpressionError(`schedule ${name}: target ${logicalId} is not a function`);
      return {
        name,
        expression: String(p.ScheduleExpression),
        timezone: String(p.ScheduleExpressionTimezone ?? 'UTC'),
        enabled: p.State !== 'DISABLED',
        functionName,
        input: target.Input ?? '{}',
      };
    });
}

/** The first instant strictly after `after` at which the schedule fires (rate schedules count from `origin`). */
export function nextFiring(
  schedule: Pick<SimSchedule, 'expression' | 'timezone'>,
  after: number,
  origin: number,
): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule.expression);
  if (rate) {
    const period = Number(rate[1]) * (RATE_UNITS[rate[2] ?? ''] ?? Number.NaN);
    if (!(period > 0)) throw new ScheduleExpressionError(`bad rate ${schedule.expression}`);
    return origin + (Math.floor((after - origin) / period) + 1) * period;
  }
  if (!schedule.expression.startsWith('cron(')) {
    throw new ScheduleExpressionError(`${schedule.expression}: only cron() and rate() schedules are simulated`);
  }
  const cron = new WallCron(schedule.expression);
  let wall = cron.next(wallAt(new Date(after), schedule.timezone));
  // A wall time in the DST gap has no instant (skipped); in the repeated hour the first instant is the one, so a
  // wall time whose instant is already past is not run again.
  for (let guard = 0; wall && guard < 100_000; guard++) {
    const at = instantOf(wall, schedule.timezone);
    if (at && at.getTime() > after) return at.getTime();
    wall = cron.next(wall);
  }
  throw new ScheduleExpressionError(`${schedule.expression} never fires again`);
}

export interface SimSchedulerOptions {
  lambda: Pick<LocalLambda, 'invokeDirect'>;
  schedules: SimSchedule[];
  accountId: string;
  region: string;
  /** Lose this invocation (a delivery that never arrives). */
  drop?: (schedule: SimSchedule, at: number) => boolean;
  onRun?: (run: ScheduledRun) => void;
}

/** Runs the schedules on the (virtual) global timers from `start()` until `stop()`. */
export class SimScheduler {
  readonly runs: ScheduledRun[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private executions = 0;
  private origin = 0;
  private started = false;

  constructor(private readonly options: SimSchedulerOptions) {}

  get schedules(): readonly SimSchedule[] {
    return this.options.schedules;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.started;
  }

  /** Arms every enabled schedule; a second call while running changes nothing (no schedule runs twice). */
  start(now: number = Date.now()): this {
    if (this.started) return this;
    this.started = true;
    this.origin = now;
    for (const schedule of this.options.schedules) if (schedule.enabled) this.arm(schedule, now);
    return this;
  }

  stop(): void {
    this.started = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(schedule: SimSchedule, after: number): void {
    const at = nextFiring(schedule, after, this.origin);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.arm(schedule, at);
        void this.fire(schedule, at);
      },
      Math.max(0, at - Date.now()),
    );
    this.timers.add(timer);
  }

  private async fire(schedule: SimSchedule, at: number): Promise<void> {
    const run: ScheduledRun = { schedule: schedule.name, at, dropped: this.options.drop?.(schedule, at) ?? false };
    this.runs.push(run);
    if (!run.dropped) {
      const executionId = `sim${(++this.executions).toString(16).padStart(12, '0')}`;
      const arn = `arn:aws:scheduler:${this.options.region}:${this.options.accountId}:schedule/default/${schedule.name}`;
      const text = schedule.input
        .replaceAll('<aws.scheduler.scheduled-time>', isoSeconds(at))
        .replaceAll('<aws.scheduler.schedule-arn>', arn)
        .replaceAll('<aws.scheduler.execution-id>', executionId)
        .replaceAll('<aws.scheduler.attempt-number>', '1');
      run.record = await this.options.lambda.invokeDirect(schedule.functionName, JSON.parse(text), executionId);
    }
    this.options.onRun?.(run);
  }
}
