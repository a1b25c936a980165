/**
 * The CloudWatch alarms fleetpilot deploys per watched target group, derived from the config alone, so deploy.ts
 * (the AWS::CloudWatch::Alarm resources and the rule's alarm names) and the handler (is this alarm ours, and what
 * does it watch?) agree without sharing any state.
 *
 * Metrics (ELB user guide, "CloudWatch metrics for your Application Load Balancer" / "... Network Load Balancer"):
 * `UnHealthyHostCount` and `HealthyHostCount` in `AWS/ApplicationELB` (or `AWS/NetworkELB`), per `TargetGroup` and
 * `LoadBalancer`; the dimension values are the ARNs' final parts, `targetgroup/<name>/<id>` and `app/<name>/<id>`.
 * ELB sends them in 60-second intervals.
 */
import type { FleetpilotConfig, ServiceConfig } from '../../shared/config/schema';
import type { TargetHealthConfig } from './config';

/** The three alarms: unhealthy targets, too few healthy targets, and (remediation only) a long-lasting unhealthy target. */
export type AlarmRole = 'unhealthy' | 'healthy-low' | 'persistent';

export interface WatchedGroup {
  service: ServiceConfig & { targetHealth: TargetHealthConfig };
  targetGroupArn: string;
  loadBalancerArn: string;
  /** `targetgroup/<name>/<id>`: CloudWatch's TargetGroup dimension. */
  targetGroupDimension: string;
  /** `app/<name>/<id>` or `net/<name>/<id>`: CloudWatch's LoadBalancer dimension. */
  loadBalancerDimension: string;
  namespace: 'AWS/ApplicationELB' | 'AWS/NetworkELB';
  minHealthy: number;
}

export interface AlarmSpec {
  name: string;
  role: AlarmRole;
  group: WatchedGroup;
  description: string;
  metricName: 'UnHealthyHostCount' | 'HealthyHostCount';
  /**
   * Minimum for the unhealthy count (the condition held through the whole minute, not one sample), Maximum for the
   * healthy count (even the best sample of the minute was below the minimum).
   */
  statistic: 'Minimum' | 'Maximum';
  /** One-minute periods: ELB's own reporting interval, so every datapoint is one report. */
  period: 60;
  /** N of N minutes: the condition held for N consecutive minutes. */
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  /**
   * ELB reports these metrics only while it has something to report; no data says nothing about health. The
   * unhealthy alarms treat a gap as "not breaching" (a gap ends a run, so a remedy needs T unbroken minutes); the
   * healthy-count alarm keeps its state ("missing") rather than guess in either direction.
   */
  treatMissingData: 'notBreaching' | 'missing';
}

export type WatchedService = ServiceConfig & { targetHealth: TargetHealthConfig };

export function watchedServices(config: FleetpilotConfig): WatchedService[] {
  return config.services.filter((s): s is WatchedService => s.targetHealth !== undefined);
}

export function watchedGroups(config: FleetpilotConfig): WatchedGroup[] {
  return watchedServices(config).flatMap((service) =>
    service.targetHealth.targetGroups.map((w) => {
      const loadBalancerDimension = w.loadBalancer.split(':loadbalancer/')[1] ?? '';
      return {
        service,
        targetGroupArn: w.targetGroup,
        loadBalancerArn: w.loadBalancer,
        targetGroupDimension: w.targetGroup.split(':').pop() ?? '',
        loadBalancerDimension,
        namespace: loadBalancerDimension.startsWith('net/') ? 'AWS/NetworkELB' : 'AWS/ApplicationELB',
        minHealthy: w.minHealthy ?? service.targetHealth.alarms.minHealthy,
      } satisfies WatchedGroup;
    }),
  );
}

/**
 * CloudWatch alarm names are unique per account and region and at most 255 characters (CloudWatch API reference,
 * PutMetricAlarm, AlarmName), so two stages of one config in one account need different names: the stage is part of it.
 */
export const ALARM_NAME_MAX = 255;

/** An alarm name that CloudWatch would refuse (longer than ALARM_NAME_MAX). */
export class AlarmNameTooLongError extends Error {
  override readonly name = 'AlarmNameTooLongError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `<service>-<target group name>-<target group id>-<role>`: the part of an alarm name shared by every stage. */
export function alarmKey(group: WatchedGroup, role: AlarmRole): string {
  const [, name, id] = group.targetGroupDimension.split('/');
  return `${group.service.name}-${name}-${id}-${role}`;
}

/** `fleetpilot-<stage>-<service>-<target group name>-<target group id>-<role>`: unique per stage, group and role. */
export function alarmName(stage: string, group: WatchedGroup, role: AlarmRole): string {
  const name = `fleetpilot-${stage}-${alarmKey(group, role)}`;
  if (name.length > ALARM_NAME_MAX) {
    throw new AlarmNameTooLongError(
      `alarm name "${name}" has ${name.length} characters; CloudWatch takes at most ${ALARM_NAME_MAX} (shorten the stage or the service name)`,
    );
  }
  return name;
}

/** Every alarm the config asks for, named for `stage`. */
export function alarmSpecs(config: FleetpilotConfig, stage: string): AlarmSpec[] {
  return watchedGroups(config).flatMap((group) => {
    const { alarms, remediation } = group.service.targetHealth;
    const tg = group.targetGroupDimension.split('/')[1];
    const specs: AlarmSpec[] = [
      {
        name: alarmName(stage, group, 'unhealthy'),
        role: 'unhealthy',
        group,
        description: `fleetpilot: a target of ${tg} (service ${group.service.name}) unhealthy for ${alarms.unhealthyMinutes} min`,
        metricName: 'UnHealthyHostCount',
        statistic: 'Minimum',
        period: 60,
        evaluationPeriods: alarms.unhealthyMinutes,
        datapointsToAlarm: alarms.unhealthyMinutes,
        threshold: 0,
        comparison: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
      },
    ];
    if (group.minHealthy > 0) {
      specs.push({
        name: alarmName(stage, group, 'healthy-low'),
        role: 'healthy-low',
        group,
        description: `fleetpilot: fewer than ${group.minHealthy} healthy targets in ${tg} (service ${group.service.name}) for ${alarms.unhealthyMinutes} min`,
        metricName: 'HealthyHostCount',
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: alarms.unhealthyMinutes,
        datapointsToAlarm: alarms.unhealthyMinutes,
        threshold: group.minHealthy,
        comparison: 'LessThanThreshold',
        treatMissingData: 'missing',
      });
    }
    if (remediation.enabled) {
      specs.push({
        name: alarmName(stage, group, 'persistent'),
        role: 'persistent',
        group,
        description: `fleetpilot: a target of ${tg} (service ${group.service.name}) unhealthy for ${remediation.afterMinutes} min; may replace it`,
        metricName: 'UnHealthyHostCount',
        statistic: 'Minimum',
        period: 60,
        evaluationPeriods: remediation.afterMinutes,
        datapointsToAlarm: remediation.afterMinutes,
        threshold: 0,
        comparison: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
      });
    }
    return specs;
  });
}

export function alarmByName(config: FleetpilotConfig, stage: string, name: string): AlarmSpec | undefined {
  return alarmSpecs(config, stage).find((a) => a.name === name);
}
