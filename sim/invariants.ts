/**
 * What must hold after any scenario has settled, whatever faults were injected. Each check returns readable
 * violations (empty when it holds); `checkInvariants` runs them all.
 */
import { recordsFor } from '../functions/lifecycle/dns';
import type { FleetpilotConfig } from '../shared/config/schema';
import type { SimAccount } from './account';
import type { LocalLambda } from './lambda';

export interface InvariantInput {
  account: SimAccount;
  lambda: LocalLambda;
  config: FleetpilotConfig;
}

/** Every lifecycle action was answered by fleetpilot exactly once: none pending, none left to its DefaultResult. */
export function everyActionCompletedOnce({ account }: InvariantInput): string[] {
  const violations: string[] = [];
  for (const pending of account.autoscaling.pendingActions()) {
    violations.push(`lifecycle action of ${pending.instanceId} (${pending.hook}) is still pending`);
  }
  const byToken = new Map<string, number>();
  for (const result of account.autoscaling.hookResults) {
    byToken.set(result.token, (byToken.get(result.token) ?? 0) + 1);
    if (result.by === 'DefaultResult') {
      violations.push(
        `lifecycle action of ${result.instanceId} (${result.hook}) timed out to its DefaultResult ${result.result}`,
      );
    }
  }
  for (const [token, count] of byToken) {
    if (count > 1) violations.push(`lifecycle action ${token} completed ${count} times`);
  }
  return violations;
}

/** No A record in a configured zone points at an address that no in-service instance holds. */
export function noRecordForGoneInstances({ account, config }: InvariantInput): string[] {
  const zoneIds = new Set(Object.values(config.hostedZones).map((z) => z.id));
  const inService = inServiceInstances(account);
  const liveAddresses = new Set(inService.flatMap((i) => [i.privateIp, i.publicIp].filter(Boolean)));
  const violations: string[] = [];
  for (const zone of account.route53.view()) {
    if (!zoneIds.has(zone.id)) continue;
    for (const record of zone.records) {
      if (record.Type !== 'A') continue;
      for (const value of record.ResourceRecords ?? []) {
        if (!liveAddresses.has(value.Value)) {
          violations.push(`${record.Name} A ${value.Value} points at no in-service instance`);
        }
      }
    }
  }
  return violations;
}

/** Every in-service instance is healthy in each of its service's target groups and has all its DNS names. */
export function everyInServiceInstanceRegisteredAndNamed({ account, config }: InvariantInput): string[] {
  const violations: string[] = [];
  const groups = account.elbv2.view();
  const zones = account.route53.view();
  for (const service of config.services) {
    const group = account.autoscaling.view().find((g) => g.name === service.autoScalingGroup);
    for (const member of group?.instances.filter((i) => i.lifecycleState === 'InService') ?? []) {
      const instance = account.ec2.get(member.id);
      if (!instance) continue;
      for (const arn of service.targetGroups) {
        const target = groups.find((g) => g.arn === arn)?.targets.find((t) => t.id === member.id);
        if (target?.state !== 'healthy') {
          violations.push(`${member.id} is InService but ${target?.state ?? 'not registered'} in ${arn.split('/')[1]}`);
        }
      }
      const wanted = recordsFor(config, service, service.autoScalingGroup, {
        instanceId: instance.id,
        privateIp: instance.privateIp,
        ...(instance.publicIp ? { publicIp: instance.publicIp } : {}),
        az: instance.availabilityZone,
      });
      for (const record of wanted) {
        const found = zones
          .find((z) => z.id === record.zoneId)
          ?.records.find((r) => r.Name === `${record.name}.` && r.Type === 'A');
        if (!found?.ResourceRecords?.some((v) => v.Value === record.value)) {
          violations.push(`${member.id} is InService but ${record.name} does not point at ${record.value}`);
        }
      }
    }
  }
  return violations;
}

/** Every abandoned launch and every event that ended in a dead-letter queue was reported on the topic. */
export function everyFailureNotified({ account, lambda }: InvariantInput): string[] {
  const violations: string[] = [];
  const messages = account.sns.published;
  const mentions = (instanceId: string, severities: string[]) =>
    messages.some(
      (m) => severities.includes(m.attributes.severity?.StringValue ?? '') && m.message.includes(instanceId),
    );
  for (const result of account.autoscaling.hookResults) {
    if (result.result === 'ABANDON' && !mentions(result.instanceId, ['critical'])) {
      violations.push(`the ABANDON of ${result.instanceId} sent no critical notification`);
    }
  }
  for (const dead of lambda.deadLetters) {
    const id = JSON.stringify(dead.payload).match(/i-[0-9a-f]{8,17}/)?.[0];
    if (id && !mentions(id, ['warning', 'critical'])) {
      violations.push(`${dead.fn} dead-lettered ${dead.sourceId} (${id}) without a notification`);
    }
  }
  return violations;
}

export const invariants = {
  everyActionCompletedOnce,
  noRecordForGoneInstances,
  everyInServiceInstanceRegisteredAndNamed,
  everyFailureNotified,
} as const;

export function checkInvariants(input: InvariantInput): string[] {
  return Object.entries(invariants).flatMap(([name, check]) => check(input).map((v) => `${name}: ${v}`));
}

function inServiceInstances(account: SimAccount) {
  const ids = new Set(
    account.autoscaling
      .view()
      .flatMap((g) => g.instances)
      .filter((i) => i.lifecycleState === 'InService')
      .map((i) => i.id),
  );
  return account.ec2.list().filter((i) => ids.has(i.id) && i.state === 'running');
}
