/**
 * A readable account of a simulation: one line per action in virtual time, the notifications as an e-mail reader
 * sees them, and a summary. Colour only on a terminal (and never with NO_COLOR).
 */
import { styleText } from 'node:util';
import type { CallRecord, SimAccount } from './account';
import { type SimEvent, subjectOf } from './events';
import type { InvocationRecord } from './lambda';
import type { PublishedMessage } from './sns';

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
  /** AMI refresh, counted from the calls the account answered and the events it emitted. */
  ami: AmiSummary;
  /** CloudWatch alarm state changes (events), and how many went into ALARM. */
  alarms: { changes: number; toAlarm: number };
  /** Scheduled scaling notifications, by kind (schedule.capacity.changed / deferred / clipped / failed). */
  schedule: { changed: number; deferred: number; clipped: number; failed: number };
}

export interface AmiSummary {
  images: { baked: number; available: number; failed: number; rejected: number; retired: number };
  snapshotsDeleted: number;
  versions: { created: number; defaultMoved: number };
  refreshes: { started: number; checkpoints: number; outcomes: Record<string, number> };
}

/** Instance refresh events that end a refresh, by detail-type, and the outcome they count as. */
const REFRESH_OUTCOMES: Record<string, string> = {
  'EC2 Auto Scaling Instance Refresh Succeeded': 'succeeded',
  'EC2 Auto Scaling Instance Refresh Failed': 'failed',
  'EC2 Auto Scaling Instance Refresh Cancelled': 'cancelled',
  'EC2 Auto Scaling Instance Refresh Rollback Succeeded': 'rolled back',
  'EC2 Auto Scaling Instance Refresh Rollback Failed': 'rollback failed',
};

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
    ami: {
      images: { baked: 0, available: 0, failed: 0, rejected: 0, retired: 0 },
      snapshotsDeleted: 0,
      versions: { created: 0, defaultMoved: 0 },
      refreshes: { started: 0, checkpoints: 0, outcomes: {} },
    },
    alarms: { changes: 0, toAlarm: 0 },
    schedule: { changed: 0, deferred: 0, clipped: 0, failed: 0 },
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
    const result = record.result as
      | { status?: string; kind?: string; reason?: string; batchItemFailures?: unknown[] }
      | undefined;
    if (record.outcome !== 'ok') this.summary.failedInvocations += 1;
    const what =
      record.outcome === 'ok'
        ? result?.status !== undefined
          ? [result.status, result.kind, result.reason && `(${result.reason})`].filter(Boolean).join(' ')
          : `${result?.batchItemFailures?.length ?? 0} batch item failure(s)`
        : `${record.outcome}: ${record.error ?? ''}`;
    const style: Style = record.outcome === 'ok' ? 'cyan' : 'red';
    this.line(
      style,
      record.fn,
      `${[record.instanceId, what].filter(Boolean).join(' ')}${record.attempt > 1 ? ` (attempt ${record.attempt})` : ''}`,
    );
  };

  private onEvent(event: SimEvent): void {
    const id = subjectOf(event) ?? '';
    const type = event['detail-type'];
    const detail = event.detail as unknown as Record<string, unknown>;
    const ami = this.summary.ami;
    let extra = '';
    if (type === 'EC2 AMI State Change') {
      extra = ` ${String(detail.State)}${detail.ErrorMessage ? ` (${String(detail.ErrorMessage)})` : ''}`;
      if (detail.State === 'available') ami.images.available += 1;
      if (detail.State === 'failed') ami.images.failed += 1;
    } else if (type === 'CloudWatch Alarm State Change') {
      const state = (key: string) => String((detail[key] as { value?: unknown } | undefined)?.value);
      extra = ` ${state('previousState')} -> ${state('state')}`;
      this.summary.alarms.changes += 1;
      if (state('state') === 'ALARM') this.summary.alarms.toAlarm += 1;
    } else if (type === 'EC2 Auto Scaling Instance Refresh Checkpoint Reached') {
      ami.refreshes.checkpoints += 1;
      extra = ` at ${String(detail.CheckpointPercentage)}%, pause ${String(detail.CheckpointDelay)} s`;
    } else {
      const outcome = REFRESH_OUTCOMES[type];
      if (outcome) ami.refreshes.outcomes[outcome] = (ami.refreshes.outcomes[outcome] ?? 0) + 1;
    }
    this.line('magenta', 'EventBridge', `${type} ${id}${extra}`);
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
                ResourceRecordSet: {
                  Name: string;
                  Type?: string;
                  ResourceRecords?: { Value: string }[];
                  AliasTarget?: { DNSName?: string };
                };
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
              (c) =>
                `${c.Action} ${c.ResourceRecordSet.Name} ${c.ResourceRecordSet.AliasTarget ? `${c.ResourceRecordSet.Type ?? ''} alias ${c.ResourceRecordSet.AliasTarget.DNSName ?? ''}` : (c.ResourceRecordSet.ResourceRecords?.[0]?.Value ?? '')}`,
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
        const kind = /^schedule\.capacity\.(changed|deferred|clipped|failed)$/.exec(
          String((input.MessageAttributes as Record<string, { StringValue?: string }>)?.kind?.StringValue),
        )?.[1] as keyof Summary['schedule'] | undefined;
        if (kind) this.summary.schedule[kind] += 1;
        this.line(
          severity === 'critical' ? 'red' : severity === 'warning' ? 'yellow' : 'blue',
          'SNS',
          String(input.Subject),
        );
        break;
      }
      case 'ec2:CreateImage':
        this.summary.ami.images.baked += 1;
        this.line(
          'green',
          'CreateImage',
          `${input.Name} from ${input.InstanceId}${input.NoReboot ? ' (no reboot)' : ' (reboot)'}`,
        );
        break;
      case 'ec2:CreateLaunchTemplateVersion':
        this.summary.ami.versions.created += 1;
        this.line(
          'green',
          'CreateLaunchTemplateVersion',
          `${input.LaunchTemplateId ?? input.LaunchTemplateName} from version ${input.SourceVersion ?? '-'}: ImageId ${
            (input.LaunchTemplateData as { ImageId?: string } | undefined)?.ImageId ?? '?'
          }`,
        );
        break;
      case 'ec2:ModifyLaunchTemplate':
        if (input.DefaultVersion !== undefined) this.summary.ami.versions.defaultMoved += 1;
        this.line(
          'green',
          'ModifyLaunchTemplate',
          `${input.LaunchTemplateId ?? input.LaunchTemplateName} default version -> ${input.DefaultVersion}`,
        );
        break;
      case 'autoScaling:StartInstanceRefresh': {
        this.summary.ami.refreshes.started += 1;
        const desired = input.DesiredConfiguration as
          | { LaunchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string } }
          | undefined;
        const prefs = (input.Preferences ?? {}) as {
          MinHealthyPercentage?: number;
          CheckpointPercentages?: number[];
          AutoRollback?: boolean;
          AlarmSpecification?: { Alarms?: string[] };
        };
        const template = desired?.LaunchTemplate;
        this.line(
          'green',
          'StartInstanceRefresh',
          `${input.AutoScalingGroupName} -> ${template?.LaunchTemplateId ?? template?.LaunchTemplateName ?? '?'} version ${
            template?.Version ?? '?'
          } (min healthy ${prefs.MinHealthyPercentage ?? 90}%${
            prefs.CheckpointPercentages ? `, checkpoints ${prefs.CheckpointPercentages.join('/')}%` : ''
          }${prefs.AutoRollback ? ', auto rollback' : ''}${
            prefs.AlarmSpecification?.Alarms ? ` on ${prefs.AlarmSpecification.Alarms.join(', ')}` : ''
          })`,
        );
        break;
      }
      case 'ec2:CreateTags': {
        const tags = (input.Tags as { Key?: string; Value?: string }[] | undefined) ?? [];
        const resources = (input.Resources as string[] | undefined) ?? [];
        if (!resources.some((r) => r.startsWith('ami-'))) break;
        if (tags.some((t) => t.Key === 'fleetpilot:rejected' && t.Value === 'true')) {
          this.summary.ami.images.rejected += 1;
        }
        this.line(
          'yellow',
          'CreateTags',
          `${resources.join(', ')} ${tags.map((t) => `${t.Key}=${t.Value}`).join(' ')}`,
        );
        break;
      }
      case 'ec2:DeregisterImage':
        this.summary.ami.images.retired += 1;
        this.line('yellow', 'DeregisterImage', String(input.ImageId));
        break;
      case 'ec2:DeleteSnapshot':
        this.summary.ami.snapshotsDeleted += 1;
        this.line('yellow', 'DeleteSnapshot', String(input.SnapshotId));
        break;
      case 'sqs:SendMessage':
        this.line('dim', 'SQS', `wait handed over, next check in ${input.DelaySeconds} s`);
        break;
      default:
        break;
    }
  }

  /** The notifications as an e-mail client shows them (subject, then the `email` body). */
  /** Every notification as an e-mail reader sees it; `after` adds lines after one (e.g. its Slack rendering). */
  printEmails(after?: (message: PublishedMessage) => string[] | undefined): void {
    for (const message of this.account.sns.published) {
      const bodies = JSON.parse(message.message) as { email?: string; default: string };
      this.options.write('');
      this.options.write(this.paint('bold', `Subject: ${message.subject ?? ''}`));
      this.options.write(`Date:    ${new Date(message.publishedAt).toUTCString()}`);
      this.options.write('');
      for (const line of (bodies.email ?? bodies.default).split('\n')) this.options.write(`  ${line}`);
      const more = after?.(message);
      if (more) {
        this.options.write('');
        for (const line of more) this.options.write(line);
      }
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
      ...this.amiRows(),
      ...(s.alarms.changes > 0
        ? [['Alarm state changes', `${s.alarms.changes} (${s.alarms.toAlarm} into ALARM)`] as [string, string]]
        : []),
      ...(Object.values(s.schedule).some((n) => n > 0)
        ? [
            [
              'Scheduled scaling',
              `${s.schedule.changed} changes, ${s.schedule.deferred} deferred, ${s.schedule.clipped} clipped, ${s.schedule.failed} failed`,
            ] as [string, string],
          ]
        : []),
      ['Invocations', `${s.invocations} (${s.failedInvocations} failed and retried)`],
      ['AWS calls', `${s.awsCalls} (${s.throttled} throttled)`],
      ['Invariants', violations.length === 0 ? 'all hold' : `${violations.length} VIOLATED`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.options.write(`  ${k.padEnd(width)}  ${v}`);
    for (const v of violations) this.options.write(this.paint('red', `  ! ${v}`));
  }

  /** The AMI refresh rows of the summary, when the run did any AMI work. */
  private amiRows(): [string, string][] {
    const { images, snapshotsDeleted, versions, refreshes } = this.summary.ami;
    const outcomes = Object.entries(refreshes.outcomes);
    if (images.baked + images.available + versions.created + refreshes.started + outcomes.length === 0) return [];
    return [
      [
        'Images',
        `${images.baked} baked, ${images.available} available, ${images.failed} failed, ${images.rejected} rejected, ${images.retired} retired (${snapshotsDeleted} snapshots deleted)`,
      ],
      ['Template versions', `${versions.created} created, default moved ${versions.defaultMoved} time(s)`],
      [
        'Instance refreshes',
        `${refreshes.started} started, ${refreshes.checkpoints} checkpoint(s); ${
          outcomes.map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'none ended'
        }`,
      ],
    ];
  }

  private line(style: Style, who: string, what: string): void {
    const elapsed = this.account.clock.now() - this.startedAt;
    const stamp = `T+${String(Math.floor(elapsed / 3_600_000)).padStart(2, '0')}:${String(Math.floor(elapsed / 60_000) % 60).padStart(2, '0')}:${String(Math.floor(elapsed / 1000) % 60).padStart(2, '0')}`;
    this.options.write(`${this.paint('dim', stamp)}  ${this.paint(style, who.padEnd(27))} ${what}`);
  }

  private paint(style: Style, text: string): string {
    return this.options.colour ? styleText(style, text) : text;
  }
}

const targets = (input: Record<string, unknown>) =>
  ((input.Targets as { Id: string }[] | undefined) ?? []).map((t) => t.Id).join(', ');
const tgName = (arn: unknown) => String(arn).split('/')[1] ?? String(arn);
