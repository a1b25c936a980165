/**
 * A readable account of a simulation: one line per action in virtual time, the notifications as an e-mail reader
 * sees them, and a summary. Colour only on a terminal (and never with NO_COLOR).
 */
import { styleText } from 'node:util';
import type { CallRecord, SimAccount } from './account';
import { type SimEvent, subjectOf } from './events';
import type { InvocationRecord } from './lambda';

type Style = Parameters<typeof styleText>[0];

export interface TimelineOptions {
  colour: boolean;
  write: (line: string) => void;
}

export interface Summary {
  hooks: { continue: number; abandon: number; byDefaultResult: number };
  recordsWritten: number;
  recordsRemoved: number;
  registrations: number;
  deregistrations: number;
  notifications: Record<'info' | 'warning' | 'critical', number>;
  invocations: number;
  failedInvocations: number;
  awsCalls: number;
  throttled: number;
}

export class Timeline {
  private readonly startedAt: number;
  readonly summary: Summary = {
    hooks: { continue: 0, abandon: 0, byDefaultResult: 0 },
    recordsWritten: 0,
    recordsRemoved: 0,
    registrations: 0,
    deregistrations: 0,
    notifications: { info: 0, warning: 0, critical: 0 },
    invocations: 0,
    failedInvocations: 0,
    awsCalls: 0,
    throttled: 0,
  };

  constructor(
    private readonly account: SimAccount,
    private readonly options: TimelineOptions,
  ) {
    this.startedAt = account.clock.now();
    account.onEvent((event) => this.onEvent(event));
    account.onCall((call) => this.onCall(call));
  }

  heading(text: string): void {
    this.options.write('');
    this.options.write(this.paint('bold', `== ${text}`));
  }

  note(text: string): void {
    this.line('dim', 'scenario', text);
  }

  onInvocation = (record: InvocationRecord): void => {
    this.summary.invocations += 1;
    const result = record.result as { status?: string; reason?: string; batchItemFailures?: unknown[] } | undefined;
    if (record.outcome !== 'ok') this.summary.failedInvocations += 1;
    const what =
      record.outcome === 'ok'
        ? (result?.status ?? `${result?.batchItemFailures?.length ?? 0} batch item failure(s)`)
        : `${record.outcome}: ${record.error ?? ''}`;
    const style: Style = record.outcome === 'ok' ? 'cyan' : 'red';
    this.line(
      style,
      record.fn,
      `${record.instanceId ?? ''} ${what}${record.attempt > 1 ? ` (attempt ${record.attempt})` : ''}`,
    );
  };

  private onEvent(event: SimEvent): void {
    const id = subjectOf(event) ?? '';
    this.line('magenta', 'EventBridge', `${event['detail-type']} ${id}`);
  }

  private onCall(call: CallRecord): void {
    this.summary.awsCalls += 1;
    if (call.outcome !== 'ok') {
      if (/Throttl|RequestLimitExceeded|Rate/.test(call.outcome)) this.summary.throttled += 1;
      this.line('yellow', `${call.service}:${call.operation}`, `refused: ${call.outcome}`);
      return;
    }
    const input = call.input as Record<string, unknown>;
    switch (`${call.service}:${call.operation}`) {
      case 'elbv2:RegisterTargets':
        this.summary.registrations += 1;
        this.line('green', 'RegisterTargets', `${targets(input)} in ${tgName(input.TargetGroupArn)}`);
        break;
      case 'elbv2:DeregisterTargets':
        this.summary.deregistrations += 1;
        this.line('yellow', 'DeregisterTargets', `${targets(input)} from ${tgName(input.TargetGroupArn)}`);
        break;
      case 'route53:ChangeResourceRecordSets': {
        const changes =
          (
            input.ChangeBatch as {
              Changes?: {
                Action: string;
                ResourceRecordSet: { Name: string; ResourceRecords?: { Value: string }[] };
              }[];
            }
          )?.Changes ?? [];
        for (const c of changes) {
          if (c.Action === 'DELETE') this.summary.recordsRemoved += 1;
          else this.summary.recordsWritten += 1;
        }
        this.line(
          'green',
          'Route 53',
          changes
            .map(
              (c) => `${c.Action} ${c.ResourceRecordSet.Name} ${c.ResourceRecordSet.ResourceRecords?.[0]?.Value ?? ''}`,
            )
            .join(', '),
        );
        break;
      }
      case 'autoScaling:CompleteLifecycleAction': {
        const result = String(input.LifecycleActionResult);
        if (result === 'ABANDON') this.summary.hooks.abandon += 1;
        else this.summary.hooks.continue += 1;
        this.line(result === 'ABANDON' ? 'red' : 'green', 'CompleteLifecycleAction', `${input.InstanceId} ${result}`);
        break;
      }
      case 'autoScaling:RecordLifecycleActionHeartbeat':
        this.line('dim', 'Heartbeat', String(input.InstanceId));
        break;
      case 'sns:Publish': {
        const severity = String(
          (input.MessageAttributes as Record<string, { StringValue?: string }>)?.severity?.StringValue,
        );
        if (severity === 'info' || severity === 'warning' || severity === 'critical')
          this.summary.notifications[severity] += 1;
        this.line(
          severity === 'critical' ? 'red' : severity === 'warning' ? 'yellow' : 'blue',
          'SNS',
          String(input.Subject),
        );
        break;
      }
      case 'sqs:SendMessage':
        this.line('dim', 'SQS', `wait handed over, next check in ${input.DelaySeconds} s`);
        break;
      default:
        break;
    }
  }

  /** The notifications as an e-mail client shows them (subject, then the `email` body). */
  printEmails(): void {
    for (const message of this.account.sns.published) {
      const bodies = JSON.parse(message.message) as { email?: string; default: string };
      this.options.write('');
      this.options.write(this.paint('bold', `Subject: ${message.subject ?? ''}`));
      this.options.write(`Date:    ${new Date(message.publishedAt).toUTCString()}`);
      this.options.write('');
      for (const line of (bodies.email ?? bodies.default).split('\n')) this.options.write(`  ${line}`);
    }
  }

  printSummary(violations: string[]): void {
    const s = this.summary;
    const rows: [string, string][] = [
      ['Virtual time', `${Math.round((this.account.clock.now() - this.startedAt) / 60_000)} min`],
      ['Hooks completed', `${s.hooks.continue} CONTINUE, ${s.hooks.abandon} ABANDON`],
      ['Target registrations', `${s.registrations} registered, ${s.deregistrations} deregistered`],
      ['DNS records', `${s.recordsWritten} written, ${s.recordsRemoved} removed`],
      [
        'Notifications',
        `${s.notifications.info} info, ${s.notifications.warning} warning, ${s.notifications.critical} critical`,
      ],
      ['Invocations', `${s.invocations} (${s.failedInvocations} failed and retried)`],
      ['AWS calls', `${s.awsCalls} (${s.throttled} throttled)`],
      ['Invariants', violations.length === 0 ? 'all hold' : `${violations.length} VIOLATED`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.options.write(`  ${k.padEnd(width)}  ${v}`);
    for (const v of violations) this.options.write(this.paint('red', `  ! ${v}`));
  }

  private line(style: Style, who: string, what: string): void {
    const elapsed = this.account.clock.now() - this.startedAt;
    const stamp = `T+${String(Math.floor(elapsed / 3_600_000)).padStart(2, '0')}:${String(Math.floor(elapsed / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(elapsed / 1000) % 60).padStart(2, '0')}`;
    this.options.write(`${this.paint('dim', stamp)}  ${this.paint(style, who.padEnd(24))} ${what}`);
  }

  private paint(style: Style, text: string): string {
    return this.options.colour ? styleText(style, text) : text;
  }
}

const targets = (input: Record<string, unknown>) =>
  ((input.Targets as { Id: string }[] | undefined) ?? []).map((t) => t.Id).join(', ');
const tgName = (arn: unknown) => String(arn).split('/')[1] ?? String(arn);
