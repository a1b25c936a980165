/**
 * Simulated Amazon CloudWatch: metric alarms on the load balancers' target group metrics, evaluated over virtual time
 * from the simulated target health, with their state changes as EventBridge events.
 *
 * Modelled:
 * - Metrics (Elastic Load Balancing user guide, "CloudWatch metrics for your Application Load Balancer",
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html, and the
 *   Network Load Balancer page): `HealthyHostCount` and `UnHealthyHostCount` in `AWS/ApplicationELB` (or
 *   `AWS/NetworkELB` for a `net/` load balancer) with the dimensions `TargetGroup` (`targetgroup/<name>/<id>`) and
 *   `LoadBalancer` (`app/<name>/<id>`), one datapoint a minute while the target group is attached to that load balancer
 *   (the counts come from `MetricSource`, i.e. sim/elbv2.ts). Any other metric has no data.
 * - Alarms (CloudWatch user guide, "Using Amazon CloudWatch alarms",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html): evaluated every minute
 *   over the last EvaluationPeriods complete periods (aligned to multiples of Period); each period's datapoint is the
 *   Statistic (SampleCount, Average, Sum, Minimum, Maximum) of its samples; ALARM when at least DatapointsToAlarm
 *   (default EvaluationPeriods) datapoints breach the Threshold by the ComparisonOperator, otherwise OK.
 * - Missing data ("Configuring how CloudWatch alarms treat missing data",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html): `missing` (default):
 *   all missing → INSUFFICIENT_DATA; `ignore`: all missing → state kept; `breaching` / `notBreaching`: a missing
 *   datapoint counts as breaching / not breaching.
 * - States OK / ALARM / INSUFFICIENT_DATA; a new alarm starts in INSUFFICIENT_DATA ("Unchecked: Initial alarm
 *   creation") and is evaluated at the next minute; an update keeps the state (API reference, PutMetricAlarm).
 *   StateReason and StateReasonData in the form AWS writes them (see events/cloudwatch-alarm-state-change.json).
 * - Every change of state emits "CloudWatch Alarm State Change" (source aws.cloudwatch, resources the alarm ARN;
 *   CloudWatch user guide, "Alarm events and EventBridge",
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html) with alarmName,
 *   state, previousState and configuration (description, metrics[].metricStat) as in AWS's sample.
 * - Operations (CloudWatch API reference): PutMetricAlarm (Period 10, 20, 30 or a multiple of 60;
 *   EvaluationPeriods × Period at most one day; DatapointsToAlarm ≤ EvaluationPeriods), DescribeAlarms (AlarmNames or
 *   AlarmNamePrefix, StateValue, MaxRecords 1–100 default 50, NextToken), SetAlarmState (StateReasonData must be JSON:
 *   InvalidFormat; the next evaluation sets the state back if the data disagrees), DeleteAlarms; an unknown alarm is
 *   ResourceNotFound.
 *
 * Approximated: one sample a minute (the count at the end of the minute, stamped with the minute's start); with
 * partial missing data under `missing`/`ignore` the present datapoints decide (AWS may look further back); alarm
 * actions (SNS) are not run; metric math alarms, extended statistics and composite alarms are not modelled
 * (SimConfigError); error message texts other than the parameter checks are AWS's in practice, not documented ones.
 */
import {
  type AlarmHistoryItem,
  type DeleteAlarmsCommandInput,
  type DeleteAlarmsCommandOutput,
  type DescribeAlarmHistoryCommandInput,
  type DescribeAlarmHistoryCommandOutput,
  type DescribeAlarmsCommandInput,
  type DescribeAlarmsCommandOutput,
  type Dimension,
  InvalidFormatFault,
  InvalidNextToken,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  type MetricAlarm,
  MissingRequiredParameterException,
  type PutMetricAlarmCommandInput,
  type PutMetricAlarmCommandOutput,
  ResourceNotFound,
  type SetAlarmStateCommandInput,
  type SetAlarmStateCommandOutput,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  byCodeUnit,
  lookupIn,
  type OperationTable,
  type SimContext,
  type SimService,
  type TimerHandle,
} from './context';
import { SimConfigError, serviceError } from './errors';
import { awsEvent } from './events';

type CloudWatchOperations = {
  PutMetricAlarm: readonly [PutMetricAlarmCommandInput, PutMetricAlarmCommandOutput];
  DescribeAlarms: readonly [DescribeAlarmsCommandInput, DescribeAlarmsCommandOutput];
  SetAlarmState: readonly [SetAlarmStateCommandInput, SetAlarmStateCommandOutput];
  DeleteAlarms: readonly [DeleteAlarmsCommandInput, DeleteAlarmsCommandOutput];
  DescribeAlarmHistory: readonly [DescribeAlarmHistoryCommandInput, DescribeAlarmHistoryCommandOutput];
};

/** The current value of a metric, or undefined when it has no data now. */
export type MetricSource = (
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
) => number | undefined;

/** An alarm declared by the stack (an AWS::CloudWatch::Alarm's properties, in PutMetricAlarm's shape). */
export type MetricAlarmSpec = PutMetricAlarmCommandInput;

export type AlarmStateValue = StateValue;

type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
type Comparison =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';
type TreatMissing = 'missing' | 'ignore' | 'breaching' | 'notBreaching';

interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  at: number;
}

interface SimAlarm {
  name: string;
  arn: string;
  description?: string;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  statistic: Statistic;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: Comparison;
  treatMissingData: TreatMissing;
  actionsEnabled: boolean;
  alarmActions: string[];
  okActions: string[];
  insufficientDataActions: string[];
  configuredAt: number;
  /** The id of the alarm's one metric in its events' configuration. */
  metricId: string;
  state: AlarmState;
  transitionedAt: number;
}

/** One state update in an alarm's history (kept after the alarm is deleted, as CloudWatch keeps it). */
interface StateUpdate {
  alarm: string;
  at: number;
  from: AlarmState;
  to: AlarmState;
}

/** A datapoint of one period: its start and value. */
interface Datapoint {
  start: number;
  value: number;
}

/** The alarm state change event (CloudWatch user guide, "Alarm events and EventBridge"). */
export interface AlarmStateChangeDetail {
  alarmName: string;
  state: AlarmEventState;
  previousState: AlarmEventState;
  configuration: {
    description?: string;
    metrics: Array<{
      id: string;
      metricStat: {
        metric: { dimensions: Record<string, string>; name: string; namespace: string };
        period: number;
        stat: string;
      };
      returnData: boolean;
    }>;
  };
}

export interface AlarmEventState {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  timestamp: string;
}

const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const COMPARISONS: Record<Comparison, { words: string; breaches: (value: number, threshold: number) => boolean }> = {
  GreaterThanThreshold: { words: 'greater than', breaches: (v, t) => v > t },
  GreaterThanOrEqualToThreshold: { words: 'greater than or equal to', breaches: (v, t) => v >= t },
  LessThanThreshold: { words: 'less than', breaches: (v, t) => v < t },
  LessThanOrEqualToThreshold: { words: 'less than or equal to', breaches: (v, t) => v <= t },
};
const TREAT_MISSING: readonly TreatMissing[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const MINUTE = 60_000;
const DAY_S = 86_400;

/** A number as CloudWatch writes it in reasons (a Java double: `50.0`, `0.0666851903306472`). */
export const javaDouble = (value: number): string => (Number.isInteger(value) ? value.toFixed(1) : String(value));

/** CloudWatch's timestamp in state reason data and events: `2019-10-02T17:04:40.989+0000`. */
export const cloudWatchTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/** The date in a Threshold Crossed reason: `02/10/19 16:59:00` (day/month/year, UTC). */
const reasonDate = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
};

const plural = (count: number, one: string, many: string): string => (count === 1 ? one : many);

const statistic = (name: Statistic, samples: number[]): number => {
  switch (name) {
    case 'SampleCount':
      return samples.length;
    case 'Sum':
      return samples.reduce((sum, value) => sum + value, 0);
    case 'Average':
      return samples.reduce((sum, value) => sum + value, 0) / samples.length;
    case 'Minimum':
      return Math.min(...samples);
    case 'Maximum':
      return Math.max(...samples);
  }
};

const invalid = (message: string): Error => serviceError(InvalidParameterValueException, { message });
const notFound = (message: string): Error => serviceError(ResourceNotFound, { message });

export class CloudWatchService implements SimService {
  readonly name = 'cloudWatch' as const;
  private readonly alarms = new Map<string, SimAlarm>();
  /** Samples per metric key (namespace, name, sorted dimensions): [minute start, value]. */
  private readonly samples = new Map<string, Array<[number, number]>>();
  private ticker?: TimerHandle;
  private metricSource: MetricSource = () => undefined;

  constructor(
    readonly ctx: SimContext,
    alarms: MetricAlarmSpec[] = [],
  ) {
    for (const alarm of alarms) this.putMetricAlarm(alarm);
  }

  private readonly table: OperationTable<CloudWatchOperations> = {
    PutMetricAlarm: (input) => this.putMetricAlarm(input),
    DescribeAlarms: (input) => this.describeAlarms(input),
    SetAlarmState: (input) => this.setAlarmState(input),
    DeleteAlarms: (input) => this.deleteAlarms(input),
    DescribeAlarmHistory: (input) => this.describeAlarmHistory(input),
  };

  /** Every state update, oldest first. */
  private readonly history: StateUpdate[] = [];

  /**
   * DescribeAlarmHistory (CloudWatch API reference): items newest first unless ScanBy is TimestampAscending, filtered
   * by AlarmName, HistoryItemType (only StateUpdate items are kept here) and the StartDate/EndDate window; MaxRecords
   * 1-100 (default 50) with a NextToken. HistoryData is the JSON CloudWatch writes: version, oldState and newState
   * with stateValue, stateReason and stateReasonData; HistorySummary reads "Alarm updated from OK to ALARM".
   */
  private describeAlarmHistory(input: DescribeAlarmHistoryCommandInput): {
    AlarmHistoryItems: AlarmHistoryItem[];
    NextToken?: string;
  } {
    const max = input.MaxRecords ?? 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw invalid(`The parameter MaxRecords must be between 1 and 100.`);
    }
    if (
      input.HistoryItemType !== undefined &&
      ![
        'ConfigurationUpdate',
        'StateUpdate',
        'Action',
        'AlarmContributorStateUpdate',
        'AlarmContributorAction',
      ].includes(input.HistoryItemType)
    ) {
      throw invalid(`The parameter HistoryItemType must be one of ConfigurationUpdate, StateUpdate, Action.`);
    }
    const start = input.StartDate?.getTime() ?? Number.NEGATIVE_INFINITY;
    const end = input.EndDate?.getTime() ?? Number.POSITIVE_INFINITY;
    const items = this.history.filter(
      (h) =>
        (input.AlarmName === undefined || h.alarm === input.AlarmName) &&
        (input.HistoryItemType === undefined || input.HistoryItemType === 'StateUpdate') &&
        h.at >= start &&
        h.at <= end,
    );
    if (input.ScanBy !== 'TimestampAscending') items.reverse();
    const offset = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(offset) || offset < 0 || offset > items.length) {
      throw serviceError(InvalidNextToken, {
        message: 'The service returned an error with Error Code InvalidNextToken',
      });
    }
    const page = items.slice(offset, offset + max);
    const state = (a: AlarmState) => ({
      stateValue: a.value,
      stateReason: a.reason,
      ...(a.reasonData !== undefined ? { stateReasonData: parsedOrText(a.reasonData) } : {}),
    });
    return {
      AlarmHistoryItems: page.map((h) => ({
        AlarmName: h.alarm,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(h.at),
        HistoryItemType: 'StateUpdate',
        HistorySummary: `Alarm updated from ${h.from.value} to ${h.to.value}`,
        HistoryData: JSON.stringify({ version: '1.0', oldState: state(h.from), newState: state(h.to) }),
      })),
      ...(offset + max < items.length ? { NextToken: String(offset + max) } : {}),
    };
  }

  readonly operationHandler = lookupIn(this.table);

  // ---- sim-side API ----

  /** Where metric values come from (the account plugs in the load balancers' target health). */
  useMetricSource(source: MetricSource): void {
    this.metricSource = source;
  }

  /** The alarm's current state; undefined when there is no such alarm. */
  alarmState(name: string): AlarmStateValue | undefined {
    return this.alarms.get(name)?.state.value;
  }

  /** The alarm's current state with its reason (for assertions and timelines). */
  alarmStatus(name: string): { value: AlarmStateValue; reason: string; reasonData?: string } | undefined {
    const state = this.alarms.get(name)?.state;
    return state
      ? { value: state.value, reason: state.reason, ...(state.reasonData ? { reasonData: state.reasonData } : {}) }
      : undefined;
  }

  alarmNames(): string[] {
    return [...this.alarms.keys()].sort(byCodeUnit);
  }

  // ---- operations ----

  private putMetricAlarm(input: PutMetricAlarmCommandInput) {
    if (!input.AlarmName) {
      throw serviceError(MissingRequiredParameterException, { message: 'The parameter AlarmName is required.' });
    }
    if (input.Metrics !== undefined || input.ExtendedStatistic !== undefined || input.ThresholdMetricId !== undefined) {
      throw new SimConfigError(
        `alarm ${input.AlarmName}: metric math, extended statistics and anomaly detection are not modelled`,
      );
    }
    for (const [name, value] of [
      ['MetricName', input.MetricName],
      ['Namespace', input.Namespace],
      ['Statistic', input.Statistic],
      ['Period', input.Period],
      ['EvaluationPeriods', input.EvaluationPeriods],
      ['Threshold', input.Threshold],
      ['ComparisonOperator', input.ComparisonOperator],
    ] as const) {
      if (value === undefined) {
        throw serviceError(MissingRequiredParameterException, { message: `The parameter ${name} is required.` });
      }
    }
    const statisticName = input.Statistic as Statistic;
    if (!STATISTICS.includes(statisticName))
      throw invalid(`The parameter Statistic must be one of ${STATISTICS.join(', ')}.`);
    const comparison = input.ComparisonOperator as Comparison;
    if (!Object.hasOwn(COMPARISONS, comparison)) {
      throw invalid(`The parameter ComparisonOperator must be one of ${Object.keys(COMPARISONS).join(', ')}.`);
    }
    const period = Number(input.Period);
    if (
      !(
        period === 10 ||
        period === 20 ||
        period === 30 ||
        (Number.isInteger(period) && period > 0 && period % 60 === 0)
      )
    ) {
      throw invalid('The parameter Period must be 10, 20, 30 or a multiple of 60.');
    }
    const evaluationPeriods = Number(input.EvaluationPeriods);
    if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
      throw invalid('The parameter EvaluationPeriods must be at least 1.');
    }
    if (evaluationPeriods * period > DAY_S) {
      throw invalid('The evaluation period (EvaluationPeriods × Period) must not exceed 1 day.');
    }
    const datapointsToAlarm = input.DatapointsToAlarm ?? evaluationPeriods;
    if (!(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 1 && datapointsToAlarm <= evaluationPeriods)) {
      throw invalid('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
    }
    const treat = (input.TreatMissingData ?? 'missing') as TreatMissing;
    if (!TREAT_MISSING.includes(treat)) {
      throw invalid(`The parameter TreatMissingData must be one of ${TREAT_MISSING.join(', ')}.`);
    }
    const now = this.ctx.now();
    const existing = this.alarms.get(input.AlarmName);
    const alarm: SimAlarm = {
      name: input.AlarmName,
      arn: `arn:aws:cloudwatch:${this.ctx.region}:${this.ctx.accountId}:alarm:${input.AlarmName}`,
      ...(input.AlarmDescription !== undefined ? { description: input.AlarmDescription } : {}),
      namespace: input.Namespace ?? '',
      metricName: input.MetricName ?? '',
      dimensions: (input.Dimensions ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
      statistic: statisticName,
      period,
      evaluationPeriods,
      datapointsToAlarm,
      threshold: Number(input.Threshold),
      comparison,
      treatMissingData: treat,
      actionsEnabled: input.ActionsEnabled ?? true,
      alarmActions: [...(input.AlarmActions ?? [])],
      okActions: [...(input.OKActions ?? [])],
      insufficientDataActions: [...(input.InsufficientDataActions ?? [])],
      configuredAt: now,
      metricId: existing?.metricId ?? this.ctx.ids.uuid(),
      state: existing?.state ?? { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', at: now },
      transitionedAt: existing?.transitionedAt ?? now,
    };
    this.alarms.set(alarm.name, alarm);
    this.keepTicking();
    return {};
  }

  private describeAlarms(input: DescribeAlarmsCommandInput) {
    if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
      throw serviceError(InvalidParameterCombinationException, {
        message: 'AlarmNamePrefix and AlarmNames cannot be specified together.',
      });
    }
    const maxRecords = input.MaxRecords ?? 50;
    if (!(Number.isInteger(maxRecords) && maxRecords >= 1 && maxRecords <= 100)) {
      throw invalid('The parameter MaxRecords must be between 1 and 100.');
    }
    const types = input.AlarmTypes ?? ['MetricAlarm'];
    let selected = types.includes('MetricAlarm') ? [...this.alarms.values()] : [];
    if (input.AlarmNames?.length) {
      const names = input.AlarmNames;
      selected = selected.filter((alarm) => names.includes(alarm.name));
    }
    if (input.AlarmNamePrefix !== undefined) {
      const prefix = input.AlarmNamePrefix;
      selected = selected.filter((alarm) => alarm.name.startsWith(prefix));
    }
    if (input.StateValue !== undefined) selected = selected.filter((alarm) => alarm.state.value === input.StateValue);
    if (input.ActionPrefix !== undefined) {
      const prefix = input.ActionPrefix;
      selected = selected.filter((alarm) =>
        [...alarm.alarmActions, ...alarm.okActions, ...alarm.insufficientDataActions].some((a) => a.startsWith(prefix)),
      );
    }
    selected.sort((a, b) => byCodeUnit(a.name, b.name));
    let offset = 0;
    if (input.NextToken !== undefined) {
      offset = Number.parseInt(
        Buffer.from(input.NextToken, 'base64')
          .toString('utf8')
          .replace(/^alarms:/, ''),
        10,
      );
      if (!/^[A-Za-z0-9+/=]+$/.test(input.NextToken) || Number.isNaN(offset)) {
        throw serviceError(InvalidNextToken, { message: 'The service returned an invalid next token.' });
      }
    }
    const page = selected.slice(offset, offset + maxRecords);
    const next = offset + page.length;
    return {
      MetricAlarms: page.map((alarm) => this.toSdk(alarm)),
      CompositeAlarms: [],
      ...(next < selected.length ? { NextToken: Buffer.from(`alarms:${next}`).toString('base64') } : {}),
    };
  }

  private setAlarmState(input: SetAlarmStateCommandInput) {
    const alarm = this.alarms.get(input.AlarmName ?? '');
    if (!alarm) throw notFound(`Alarm ${input.AlarmName ?? ''} not found`);
    const value = input.StateValue;
    if (value !== 'OK' && value !== 'ALARM' && value !== 'INSUFFICIENT_DATA') {
      throw invalid('The parameter StateValue must be one of OK, ALARM, INSUFFICIENT_DATA.');
    }
    if (input.StateReason === undefined) {
      throw serviceError(MissingRequiredParameterException, { message: 'The parameter StateReason is required.' });
    }
    if (input.StateReasonData !== undefined) {
      try {
        JSON.parse(input.StateReasonData);
      } catch {
        throw serviceError(InvalidFormatFault, { message: 'The StateReasonData is not valid JSON.' });
      }
    }
    this.changeState(alarm, {
      value,
      reason: input.StateReason,
      ...(input.StateReasonData !== undefined ? { reasonData: input.StateReasonData } : {}),
      at: this.ctx.now(),
    });
    return {};
  }

  private deleteAlarms(input: DeleteAlarmsCommandInput) {
    const names = input.AlarmNames ?? [];
    if (names.length > 100) throw invalid('You can delete up to 100 alarms in one operation.');
    const missing = names.filter((name) => !this.alarms.has(name));
    if (missing.length > 0)
      throw notFound(`${missing.length} of the alarms in the request were not found: [${missing.join(', ')}]`);
    for (const name of names) this.alarms.delete(name);
    return {};
  }

  // ---- evaluation ----

  /** One tick a minute (on the minute) while there are alarms: sample the metrics alarms watch, then evaluate. */
  private keepTicking(): void {
    if (this.ticker !== undefined || this.alarms.size === 0) return;
    const now = this.ctx.now();
    const next = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    this.ticker = this.ctx.schedule(next - now, () => {
      this.ticker = undefined;
      this.sampleAll(next - MINUTE);
      for (const alarm of [...this.alarms.values()]) this.evaluate(alarm, next);
      this.keepTicking();
    });
  }

  private metricKey(namespace: string, metricName: string, dimensions: Record<string, string>): string {
    const dims = Object.entries(dimensions).sort(([a], [b]) => byCodeUnit(a, b));
    return JSON.stringify([namespace, metricName, dims]);
  }

  private dimensionMap(alarm: SimAlarm): Record<string, string> {
    return Object.fromEntries(alarm.dimensions.map((d) => [d.Name ?? '', d.Value ?? '']));
  }

  private sampleAll(minuteStart: number): void {
    const horizon = minuteStart - DAY_S * 1000 - MINUTE;
    const done = new Set<string>();
    for (const alarm of this.alarms.values()) {
      const dims = this.dimensionMap(alarm);
      const key = this.metricKey(alarm.namespace, alarm.metricName, dims);
      if (done.has(key)) continue;
      done.add(key);
      const value = this.metricSource(alarm.namespace, alarm.metricName, dims);
      const series = this.samples.get(key) ?? [];
      if (value !== undefined) series.push([minuteStart, value]);
      while (series.length > 0 && (series[0]?.[0] ?? 0) < horizon) series.shift();
      this.samples.set(key, series);
    }
  }

  /** The datapoints of the last EvaluationPeriods complete periods before `at`, oldest first (undefined = missing). */
  private datapoints(alarm: SimAlarm, at: number): Array<Datapoint | { start: number; value?: undefined }> {
    const periodMs = alarm.period * 1000;
    const end = Math.floor(at / periodMs) * periodMs;
    const series = this.samples.get(this.metricKey(alarm.namespace, alarm.metricName, this.dimensionMap(alarm))) ?? [];
    const points: Array<Datapoint | { start: number; value?: undefined }> = [];
    for (let index = alarm.evaluationPeriods; index >= 1; index--) {
      const start = end - index * periodMs;
      const values = series.filter(([t]) => t >= start && t < start + periodMs).map(([, v]) => v);
      points.push(values.length === 0 ? { start } : { start, value: statistic(alarm.statistic, values) });
    }
    return points;
  }

  private evaluate(alarm: SimAlarm, at: number): void {
    const points = this.datapoints(alarm, at);
    const rule = COMPARISONS[alarm.comparison];
    const present = points.filter((p): p is Datapoint => p.value !== undefined);
    const missing = points.length - present.length;
    const breaching = present.filter((p) => rule.breaches(p.value, alarm.threshold));
    const fine = present.filter((p) => !rule.breaches(p.value, alarm.threshold));
    const treat = alarm.treatMissingData;
    const breachCount = breaching.length + (treat === 'breaching' ? missing : 0);
    const fineCount = fine.length + (treat === 'notBreaching' ? missing : 0);
    const firstStart = points[0]?.start ?? at;
    const data = (recent: number[]) =>
      `{"version":"1.0","queryDate":"${cloudWatchTime(at)}","startDate":"${cloudWatchTime(firstStart)}","statistic":"${alarm.statistic}","period":${alarm.period},"recentDatapoints":[${recent.map(javaDouble).join(',')}],"threshold":${javaDouble(alarm.threshold)}}`;
    const recent = present.map((p) => p.value);
    if (present.length === 0 && (treat === 'missing' || treat === 'ignore')) {
      if (treat === 'ignore') return;
      this.changeState(alarm, {
        value: 'INSUFFICIENT_DATA',
        reason: `Insufficient Data: ${points.length} ${plural(points.length, 'datapoint was', 'datapoints were')} unknown.`,
        reasonData: data([]),
        at,
      });
      return;
    }
    const value: AlarmStateValue = breachCount >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
    const from = alarm.state.value;
    const minimum = value === 'ALARM' ? alarm.datapointsToAlarm : alarm.evaluationPeriods - alarm.datapointsToAlarm + 1;
    let reason: string;
    if (present.length === 0) {
      reason = `Threshold Crossed: no datapoints were received for ${points.length} ${plural(points.length, 'period', 'periods')} and ${missing} missing ${plural(missing, 'datapoint was', 'datapoints were')} treated as [${treat === 'breaching' ? 'Breaching' : 'NonBreaching'}].`;
    } else {
      const listed = (value === 'ALARM' ? breaching : fine).slice().reverse();
      const count = value === 'ALARM' ? breachCount : fineCount;
      reason =
        `Threshold Crossed: ${count} out of the last ${points.length} datapoints ` +
        `[${listed.map((p) => `${javaDouble(p.value)} (${reasonDate(p.start)})`).join(', ')}] ` +
        `${plural(count, 'was', 'were')} ${value === 'ALARM' ? '' : 'not '}${rule.words} the threshold (${javaDouble(alarm.threshold)}) ` +
        `(minimum ${minimum} ${plural(minimum, 'datapoint', 'datapoints')} for ${from} -> ${value} transition).`;
    }
    this.changeState(alarm, { value, reason, reasonData: data(recent), at });
  }

  /** Set a state; a change of value emits "CloudWatch Alarm State Change" (the same value only updates the reason). */
  private changeState(alarm: SimAlarm, state: AlarmState): void {
    const previous = alarm.state;
    if (previous.value === state.value) {
      if (previous.reason !== state.reason) alarm.state = { ...state, at: previous.at };
      return;
    }
    alarm.state = state;
    alarm.transitionedAt = state.at;
    this.history.push({ alarm: alarm.name, at: state.at, from: previous, to: state });
    const detail: AlarmStateChangeDetail = {
      alarmName: alarm.name,
      state: this.eventState(state),
      previousState: this.eventState(previous),
      configuration: {
        ...(alarm.description !== undefined ? { description: alarm.description } : {}),
        metrics: [
          {
            id: alarm.metricId,
            metricStat: {
              metric: { dimensions: this.dimensionMap(alarm), name: alarm.metricName, namespace: alarm.namespace },
              period: alarm.period,
              stat: alarm.statistic,
            },
            returnData: true,
          },
        ],
      },
    };
    this.ctx.events.emit(
      awsEvent(this.ctx, {
        source: 'aws.cloudwatch',
        detailType: 'CloudWatch Alarm State Change',
        resources: [alarm.arn],
        detail,
        at: state.at,
      }),
    );
  }

  private eventState(state: AlarmState): AlarmEventState {
    return {
      value: state.value,
      reason: state.reason,
      ...(state.reasonData !== undefined ? { reasonData: state.reasonData } : {}),
      timestamp: cloudWatchTime(state.at),
    };
  }

  private toSdk(alarm: SimAlarm): MetricAlarm {
    return {
      AlarmName: alarm.name,
      AlarmArn: alarm.arn,
      ...(alarm.description !== undefined ? { AlarmDescription: alarm.description } : {}),
      AlarmConfigurationUpdatedTimestamp: new Date(alarm.configuredAt),
      ActionsEnabled: alarm.actionsEnabled,
      OKActions: [...alarm.okActions],
      AlarmActions: [...alarm.alarmActions],
      InsufficientDataActions: [...alarm.insufficientDataActions],
      StateValue: alarm.state.value,
      StateReason: alarm.state.reason,
      ...(alarm.state.reasonData !== undefined ? { StateReasonData: alarm.state.reasonData } : {}),
      StateUpdatedTimestamp: new Date(alarm.state.at),
      StateTransitionedTimestamp: new Date(alarm.transitionedAt),
      MetricName: alarm.metricName,
      Namespace: alarm.namespace,
      Statistic: alarm.statistic,
      Dimensions: alarm.dimensions.map((d) => ({ ...d })),
      Period: alarm.period,
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparison,
      TreatMissingData: alarm.treatMissingData,
    };
  }
}

/** StateReasonData is JSON text; history items carry it parsed (kept as text if it is not JSON). */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
