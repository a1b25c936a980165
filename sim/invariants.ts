/**
 * What must hold after any scenario has settled, whatever faults were injected. Each check returns readable
 * violations (empty when it holds); `checkInvariants` runs them all.
 *
 * The checks compute what should be true from the config and the simulated account alone, with their own small
 * code: they never call fleetpilot's helpers (functions/, shared/ other than the config's types), so a bug in a
 * helper cannot make the product and its invariant agree on a wrong answer.
 */
import type { DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import type { FleetpilotConfig, ServiceConfig } from '../shared/config/schema';
import type { SimAccount } from './account';
import type { SimInstance } from './ec2';
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

/**
 * No A record in a configured zone outlives the instance it was written for: each value is an address an in-service
 * instance holds, and a name that one of the services' patterns can produce is one an in-service instance of that
 * service should have (so a record of a terminated instance is found even when its address was reused).
 */
export function noRecordForGoneInstances({ account, config }: InvariantInput): string[] {
  const zoneIds = new Set(Object.values(config.hostedZones).map((z) => z.id));
  const inService = inServiceInstances(account);
  const liveAddresses = new Set(inService.flatMap((i) => [i.privateIp, i.publicIp].filter(Boolean)));
  const wantedNames = new Set(
    config.services.flatMap((service) =>
      inServiceOf(account, service).flatMap((instance) =>
        expectedRecords(config, service, instance).flatMap((r) => ('problem' in r ? [] : [`${r.zoneId} ${r.name}`])),
      ),
    ),
  );
  const shapes = config.services.flatMap((service) =>
    service.dns.records.map((record) => ({
      service: service.name,
      zoneId: config.hostedZones[record.zone]?.id,
      shape: nameShape(record.name, service),
    })),
  );
  const violations: string[] = [];
  for (const zone of account.route53.view()) {
    if (!zoneIds.has(zone.id)) continue;
    for (const record of zone.records) {
      if (record.Type !== 'A') continue;
      const name = normaliseName(record.Name ?? '');
      for (const value of record.ResourceRecords ?? []) {
        if (!liveAddresses.has(value.Value)) {
          violations.push(`${record.Name} A ${value.Value} points at no in-service instance`);
        }
      }
      const owner = shapes.find((s) => s.zoneId === zone.id && s.shape.test(name));
      if (owner && !wantedNames.has(`${zone.id} ${name}`)) {
        violations.push(`${record.Name} has the shape of a ${owner.service} name but no in-service instance owns it`);
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
    for (const instance of inServiceOf(account, service)) {
      for (const arn of service.targetGroups) {
        const target = groups.find((g) => g.arn === arn)?.targets.find((t) => t.id === instance.id);
        if (target?.state !== 'healthy') {
          violations.push(
            `${instance.id} is InService but ${target?.state ?? 'not registered'} in ${arn.split('/')[1]}`,
          );
        }
      }
      for (const wanted of expectedRecords(config, service, instance)) {
        if ('problem' in wanted) {
          violations.push(`${instance.id} is InService but ${wanted.problem}`);
          continue;
        }
        const found = zones
          .find((z) => z.id === wanted.zoneId)
          ?.records.find((r) => r.Type === 'A' && normaliseName(r.Name ?? '') === wanted.name);
        const values = (found?.ResourceRecords ?? []).map((v) => v.Value);
        if (values.length !== 1 || values[0] !== wanted.value) {
          violations.push(
            `${instance.id} is InService but ${wanted.name} points at ${values.length > 0 ? values.join(',') : 'nothing'}, not ${wanted.value}`,
          );
        } else if (found?.TTL !== wanted.ttl) {
          violations.push(`${instance.id} is InService but ${wanted.name} has TTL ${found?.TTL}, not ${wanted.ttl}`);
        }
      }
    }
  }
  return violations;
}

/** No target group a service names holds a target that is not an in-service instance of that service's group. */
export function noTargetForGoneInstances({ account, config }: InvariantInput): string[] {
  const violations: string[] = [];
  const groups = account.elbv2.view();
  for (const service of config.services) {
    const members = new Set(inServiceOf(account, service).map((i) => i.id));
    for (const arn of service.targetGroups) {
      for (const target of groups.find((g) => g.arn === arn)?.targets ?? []) {
        if (!members.has(target.id)) {
          violations.push(
            `${target.id} is ${target.state} in ${arn.split('/')[1]} but not InService in ${service.name}`,
          );
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

/**
 * No image was deregistered while something used it: at the moment of each DeregisterImage, no instance launched from
 * it was alive (launched and not yet terminated) and no group used a launch template version on it. A group's
 * versions at a moment are rebuilt from its refreshes: the configuration it had before each refresh that later
 * succeeded, else the one it has now, plus the desired one of any refresh active then. Versions are resolved to
 * images through the account's launch templates (a version's data never changes).
 *
 * Approximated: an instance the account has forgotten (an hour after its termination) is not seen; `$Default` and
 * `$Latest` resolve to what they name now.
 */
export function noImageInUseDeregistered({ account }: InvariantInput): string[] {
  const violations: string[] = [];
  const groups = account.autoscaling.view().map((g) => g.name);
  const history = account.autoscaling.refreshes.history();
  for (const { imageId, at } of account.ec2.images.deregistrations) {
    const alive = account.ec2
      .list()
      .filter(
        (i) => i.imageId === imageId && i.launchTime <= at && (i.terminatedAt === undefined || i.terminatedAt > at),
      );
    for (const instance of alive) {
      violations.push(`${imageId} was deregistered at ${iso(at)} while ${instance.id} ran on it`);
    }
    for (const group of groups) {
      const refreshes = history.filter((r) => r.groupName === group).sort((a, b) => a.startTime - b.startTime);
      const laterSuccess = refreshes.find((r) => r.status === 'Successful' && (r.endTime ?? Infinity) > at);
      const used = [laterSuccess?.previous ?? currentTemplate(account, group)];
      for (const r of refreshes) {
        if (r.desired && r.startTime <= at && (r.endTime === undefined || r.endTime > at)) used.push(r.desired);
      }
      for (const spec of used) {
        if (spec && imageOfVersion(account, spec.id, spec.version) === imageId) {
          violations.push(
            `${imageId} was deregistered at ${iso(at)} while ${group} used ${spec.id} version ${spec.version} on it`,
          );
        }
      }
    }
  }
  return violations;
}

/**
 * During every instance refresh the group kept at least MinHealthyPercentage of its desired capacity (rounded up)
 * healthy (Auto Scaling API reference, RefreshPreferences.MinHealthyPercentage), checked on the lowest healthy count
 * the refresh saw. A batch is at least one instance (user guide, "How an instance refresh works": at 100 % the
 * refresh replaces one instance at a time), so the floor is never above desired − 1.
 */
export function refreshKeptMinHealthy({ account }: InvariantInput): string[] {
  const violations: string[] = [];
  for (const refresh of account.autoscaling.refreshes.history()) {
    const low = refresh.lowestHealthy;
    if (!low) continue;
    const floor = Math.min(Math.ceil((low.desired * refresh.minHealthyPercentage) / 100), Math.max(0, low.desired - 1));
    if (low.healthy < floor) {
      violations.push(
        `refresh ${refresh.id} of ${refresh.groupName} had ${low.healthy} healthy of ${low.desired} at ${iso(low.at)} (${low.phase}), below MinHealthyPercentage ${refresh.minHealthyPercentage} (at least ${floor})`,
      );
    }
  }
  return violations;
}

export const invariants = {
  everyActionCompletedOnce,
  noRecordForGoneInstances,
  everyInServiceInstanceRegisteredAndNamed,
  noTargetForGoneInstances,
  everyFailureNotified,
  noImageInUseDeregistered,
  refreshKeptMinHealthy,
} as const;

export function checkInvariants(input: InvariantInput): string[] {
  return Object.entries(invariants).flatMap(([name, check]) => check(input).map((v) => `${name}: ${v}`));
}

type ExpectedRecord = { zoneId: string; name: string; value: string; ttl: number } | { problem: string };

/**
 * The records the config asks for, rendered here from the pattern strings and the simulated instance's own facts
 * (README "Name placeholders": each placeholder is replaced by the instance's fact; DNS names compare without case
 * and without the trailing dot).
 */
function expectedRecords(config: FleetpilotConfig, service: ServiceConfig, instance: SimInstance): ExpectedRecord[] {
  const facts: Record<string, string | undefined> = {
    instanceId: instance.id,
    privateIp: instance.privateIp,
    privateIpDashed: instance.privateIp.split('.').join('-'),
    publicIp: instance.publicIp,
    publicIpDashed: instance.publicIp?.split('.').join('-'),
    az: instance.availabilityZone,
    asgName: service.autoScalingGroup,
    service: service.name,
  };
  return service.dns.records.map((record) => {
    const zone = config.hostedZones[record.zone];
    const value = record.value === 'publicIp' ? instance.publicIp : instance.privateIp;
    if (!zone) return { problem: `zone key ${record.zone} of ${record.name} is not in the config` };
    if (!value) return { problem: `it has no ${record.value} for ${record.name}` };
    let missing = '';
    const name = record.name.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const fact = facts[key];
      if (fact === undefined) missing = whole;
      return fact ?? whole;
    });
    if (missing) return { problem: `it has no fact for ${missing} in ${record.name}` };
    return { zoneId: zone.id, name: normaliseName(name), value, ttl: record.ttl ?? service.dns.ttl };
  });
}

/** A pattern as a regular expression over rendered names: each placeholder matches what its fact can look like. */
function nameShape(pattern: string, service: ServiceConfig): RegExp {
  const octets = '\\d{1,3}';
  const kinds: Record<string, string> = {
    instanceId: 'i-[0-9a-f]{8,17}',
    privateIp: `${octets}(?:\\.${octets}){3}`,
    publicIp: `${octets}(?:\\.${octets}){3}`,
    privateIpDashed: `${octets}(?:-${octets}){3}`,
    publicIpDashed: `${octets}(?:-${octets}){3}`,
    az: '[a-z]{2}(?:-[a-z]+)+-\\d[a-z]',
    asgName: escapeRegExp(service.autoScalingGroup.toLowerCase()),
    service: escapeRegExp(service.name.toLowerCase()),
  };
  const body = pattern
    .replace(/\.$/, '')
    .split(/(\{\w+\})/)
    .map((part) => {
      const key = /^\{(\w+)\}$/.exec(part)?.[1];
      return (key !== undefined ? kinds[key] : undefined) ?? escapeRegExp(part.toLowerCase());
    })
    .join('');
  return new RegExp(`^${body}$`);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The launch template and version a group uses now (DescribeAutoScalingGroups of the simulated account). */
function currentTemplate(account: SimAccount, group: string): { id: string; version: string } | undefined {
  const describe = account.autoscaling.operationHandler('DescribeAutoScalingGroups');
  const out = describe?.({ AutoScalingGroupNames: [group] }) as DescribeAutoScalingGroupsCommandOutput | undefined;
  const spec = out?.AutoScalingGroups?.[0]?.LaunchTemplate;
  return spec?.LaunchTemplateId ? { id: spec.LaunchTemplateId, version: spec.Version ?? '$Default' } : undefined;
}

/** The image a launch template version names, read from the template itself; undefined if there is none. */
function imageOfVersion(account: SimAccount, templateId: string, version: string): string | undefined {
  const template = account.ec2.launchTemplates.byId(templateId);
  if (!template) return undefined;
  const number =
    version === '$Default' ? template.defaultVersion : version === '$Latest' ? template.latestVersion : Number(version);
  return template.versions.get(number)?.data.ImageId;
}

const normaliseName = (name: string) => name.toLowerCase().replace(/\.$/, '');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Running instances that are InService in the service's Auto Scaling group. */
function inServiceOf(account: SimAccount, service: ServiceConfig): SimInstance[] {
  const group = account.autoscaling.view().find((g) => g.name === service.autoScalingGroup);
  return (group?.instances ?? [])
    .filter((member) => member.lifecycleState === 'InService')
    .flatMap((member) => {
      const instance = account.ec2.get(member.id);
      return instance?.state === 'running' ? [instance] : [];
    });
}

function inServiceInstances(account: SimAccount): SimInstance[] {
  const ids = new Set(
    account.autoscaling
      .view()
      .flatMap((g) => g.instances)
      .filter((i) => i.lifecycleState === 'InService')
      .map((i) => i.id),
  );
  return account.ec2.list().filter((i) => ids.has(i.id) && i.state === 'running');
}
