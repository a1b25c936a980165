/**
 * Simulated Amazon EC2, security groups: inbound rules, the groups of instances, DescribeSecurityGroups, and the one
 * question the load balancer asks of them: may this source reach this instance on this port?
 *
 * Modelled (Amazon VPC user guide, "Control traffic to your AWS resources using security groups" and "Security group
 * rules", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-group-rules.html; EC2 API reference,
 * DescribeSecurityGroups and SecurityGroup / IpPermission):
 * - Group ids `sg-` + 17 hex digits, a name unique in its VPC, a description, the owner (account). Every VPC has a
 *   group named `default` whose one inbound rule allows all traffic from itself; an instance launched without groups
 *   gets it (VPC user guide, "Default security groups for your VPCs").
 * - Inbound rules: protocol (`tcp`, `udp`, `icmp` or `-1` for all), a port range (FromPort–ToPort; -1 for all), and a
 *   source that is an IPv4 CIDR or another security group (then the traffic is allowed from the network interfaces
 *   associated with that group). Rules are allow rules only; a group allows what any of its rules allow, and an
 *   instance with several groups gets the union. Outbound: the usual allow-all rule.
 * - DescribeSecurityGroups: GroupIds (unknown → InvalidGroup.NotFound "The security group '<id>' does not exist",
 *   malformed → InvalidGroupId.Malformed), GroupNames, filters group-id, group-name, vpc-id, description, owner-id,
 *   ip-permission.protocol, ip-permission.from-port, ip-permission.to-port, ip-permission.cidr,
 *   ip-permission.group-id, ip-permission.group-name, tag:<key>, tag-key, tag-value (wildcards; values OR-ed, filters
 *   AND-ed); MaxResults / NextToken.
 *
 * - Removing an inbound rule (`revokeIngress`, what RevokeSecurityGroupIngress or the console does; EC2 API reference,
 *   RevokeSecurityGroupIngress: the rule is identified by protocol, port range and source) takes effect at once for
 *   new connections, such as the load balancer's next health check.
 *
 * Approximated: no Authorize/Revoke API operations (rules change through the sim-side API only); IPv6 and prefix lists are not modelled; a
 * load balancer node's address (for a CIDR rule) is taken as the fifth address of each subnet of its VPC.
 */
import type { DescribeSecurityGroupsCommandInput, Filter, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { SimContext } from '../context';
import { SimConfigError } from '../errors';
import { ec2Error, globToRegExp, matchesTagFilter, page, tagsToSdk } from './shared';

export interface SecurityGroupRuleSpec {
  /** `tcp`, `udp`, `icmp`, or `-1` (all protocols, all ports). */
  protocol: 'tcp' | 'udp' | 'icmp' | '-1';
  /** Port range; omit both with protocol `-1`. */
  fromPort?: number;
  toPort?: number;
  /** Source: an IPv4 CIDR ... */
  cidr?: string;
  /** ... or another security group of the stack, by name (same VPC) or id. */
  sourceGroup?: string;
  description?: string;
}

export interface SecurityGroupSpec {
  name: string;
  description?: string;
  vpcId?: string;
  ingress?: SecurityGroupRuleSpec[];
  tags?: Record<string, string>;
}

interface SimRule {
  protocol: string;
  fromPort: number;
  toPort: number;
  cidr?: string;
  sourceGroupId?: string;
  description?: string;
}

export interface SimSecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: SimRule[];
  tags: Map<string, string>;
  createdAt: number;
}

/** Who sends traffic: the security groups of the sender's network interfaces and its addresses. */
export interface TrafficSource {
  groupIds: string[];
  addresses: string[];
}

const GROUP_ID = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
const DEFAULT_VPC = 'vpc-0sim';

const ipToInt = (ip: string): number => ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);

/** Does the IPv4 CIDR contain the address? */
export const cidrContains = (cidr: string, address: string): boolean => {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipToInt(base ?? '0.0.0.0') & mask) >>> 0 === (ipToInt(address) & mask) >>> 0;
};

export class Ec2SecurityGroups {
  private readonly groups = new Map<string, SimSecurityGroup>();

  constructor(
    private readonly ctx: SimContext,
    specs: SecurityGroupSpec[] = [],
  ) {
    // Two passes: every group exists before rules name each other.
    const created = specs.map((spec) => this.create(spec));
    specs.forEach((spec, index) => {
      const group = created[index];
      if (group) group.ingress = (spec.ingress ?? []).map((rule) => this.rule(rule, group.vpcId, spec.name));
    });
  }

  // ---- sim-side API ----

  get(id: string): SimSecurityGroup | undefined {
    return this.groups.get(id);
  }

  /** The VPC's `default` group (made on first use). */
  defaultGroup(vpcId: string): SimSecurityGroup {
    const existing = [...this.groups.values()].find((group) => group.vpcId === vpcId && group.name === 'default');
    if (existing) return existing;
    const group = this.create({ name: 'default', description: 'default VPC security group', vpcId });
    group.ingress = [{ protocol: '-1', fromPort: -1, toPort: -1, sourceGroupId: group.id }];
    return group;
  }

  /** Group ids for names or ids of groups in `vpcId`; an empty list gives the VPC's default group. */
  resolve(namesOrIds: readonly string[], vpcId: string): string[] {
    if (namesOrIds.length === 0) return [this.defaultGroup(vpcId).id];
    return namesOrIds.map((nameOrId) => this.mustFind(nameOrId, vpcId).id);
  }

  /**
   * Remove the inbound rules of a group (name in `vpcId`, or id) that match: protocol, a port inside the rule's range
   * and, when given, the source group (name or id). Returns how many were removed; the group must exist.
   */
  revokeIngress(
    groupNameOrId: string,
    match: { protocol: SecurityGroupRuleSpec['protocol']; port?: number; sourceGroup?: string },
    vpcId = DEFAULT_VPC,
  ): number {
    const group = this.mustFind(groupNameOrId, vpcId);
    const sourceId = match.sourceGroup === undefined ? undefined : this.mustFind(match.sourceGroup, vpcId).id;
    const before = group.ingress.length;
    group.ingress = group.ingress.filter(
      (rule) =>
        !(
          rule.protocol === match.protocol &&
          (match.port === undefined || (match.port >= rule.fromPort && match.port <= rule.toPort)) &&
          (sourceId === undefined || rule.sourceGroupId === sourceId)
        ),
    );
    return before - group.ingress.length;
  }

  /** The id of a group by name (in `vpcId`) or id. */
  idOf(groupNameOrId: string, vpcId = DEFAULT_VPC): string {
    return this.mustFind(groupNameOrId, vpcId).id;
  }

  /** Do the groups `targetGroupIds` let `source` reach a TCP `port`? */
  allowsTcp(targetGroupIds: readonly string[], port: number, source: TrafficSource): boolean {
    return targetGroupIds.some((id) =>
      (this.groups.get(id)?.ingress ?? []).some((rule) => {
        const protocolOk = rule.protocol === '-1' || rule.protocol === 'tcp' || rule.protocol === '6';
        const portOk = rule.protocol === '-1' || rule.fromPort === -1 || (port >= rule.fromPort && port <= rule.toPort);
        if (!protocolOk || !portOk) return false;
        if (rule.sourceGroupId !== undefined) return source.groupIds.includes(rule.sourceGroupId);
        const cidr = rule.cidr;
        return cidr !== undefined && source.addresses.some((address) => cidrContains(cidr, address));
      }),
    );
  }

  /** `{ GroupId, GroupName }` pairs, as DescribeInstances lists an instance's groups. */
  identifiers(ids: readonly string[]): Array<{ GroupId: string; GroupName: string }> {
    return ids.map((id) => ({ GroupId: id, GroupName: this.groups.get(id)?.name ?? '' }));
  }

  // ---- operations ----

  describeSecurityGroups(input: DescribeSecurityGroupsCommandInput) {
    const ids = input.GroupIds ?? [];
    for (const id of ids) {
      if (!GROUP_ID.test(id)) throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    }
    const missing = ids.find((id) => !this.groups.has(id));
    if (missing !== undefined)
      throw ec2Error('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
    let selected = this.list();
    if (ids.length > 0) selected = selected.filter((group) => ids.includes(group.id));
    const names = input.GroupNames ?? [];
    if (names.length > 0) {
      const unknown = names.find((name) => !selected.some((group) => group.name === name));
      if (unknown !== undefined) {
        throw ec2Error('InvalidGroup.NotFound', `The security group '${unknown}' does not exist in default VPC`);
      }
      selected = selected.filter((group) => names.includes(group.name));
    }
    for (const filter of input.Filters ?? []) selected = selected.filter((group) => this.matches(group, filter));
    const { items, NextToken } = page(selected, input.MaxResults, input.NextToken);
    return { SecurityGroups: items.map((group) => this.toSdk(group)), ...(NextToken ? { NextToken } : {}) };
  }

  // ---- helpers ----

  /** In creation order. */
  private list(): SimSecurityGroup[] {
    return [...this.groups.values()];
  }

  private create(spec: SecurityGroupSpec): SimSecurityGroup {
    const vpcId = spec.vpcId ?? DEFAULT_VPC;
    if ([...this.groups.values()].some((group) => group.vpcId === vpcId && group.name === spec.name)) {
      throw new SimConfigError(`duplicate security group ${spec.name} in ${vpcId}`);
    }
    let id = `sg-${this.ctx.ids.hex(17)}`;
    while (this.groups.has(id)) id = `sg-${this.ctx.ids.hex(17)}`;
    const group: SimSecurityGroup = {
      id,
      name: spec.name,
      description: spec.description ?? spec.name,
      vpcId,
      ingress: [],
      tags: new Map(Object.entries(spec.tags ?? {})),
      createdAt: this.ctx.now(),
    };
    this.groups.set(id, group);
    return group;
  }

  private rule(spec: SecurityGroupRuleSpec, vpcId: string, groupName: string): SimRule {
    if ((spec.cidr === undefined) === (spec.sourceGroup === undefined)) {
      throw new SimConfigError(`security group ${groupName}: a rule needs exactly one of cidr and sourceGroup`);
    }
    if (spec.cidr !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(spec.cidr)) {
      throw new SimConfigError(`security group ${groupName}: not an IPv4 CIDR: ${spec.cidr}`);
    }
    const all = spec.protocol === '-1';
    const fromPort = all ? -1 : (spec.fromPort ?? -1);
    const toPort = all ? -1 : (spec.toPort ?? fromPort);
    if (!all && spec.protocol !== 'icmp' && !(fromPort >= 0 && toPort >= fromPort && toPort <= 65_535)) {
      throw new SimConfigError(`security group ${groupName}: bad port range ${fromPort}-${toPort}`);
    }
    return {
      protocol: spec.protocol,
      fromPort,
      toPort,
      ...(spec.cidr !== undefined ? { cidr: spec.cidr } : {}),
      ...(spec.sourceGroup !== undefined ? { sourceGroupId: this.mustFind(spec.sourceGroup, vpcId).id } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
    };
  }

  private mustFind(nameOrId: string, vpcId: string): SimSecurityGroup {
    const group =
      this.groups.get(nameOrId) ??
      [...this.groups.values()].find((candidate) => candidate.vpcId === vpcId && candidate.name === nameOrId);
    if (!group) throw new SimConfigError(`unknown security group ${nameOrId} in ${vpcId}`);
    return group;
  }

  private matches(group: SimSecurityGroup, filter: Filter): boolean {
    const name = filter.Name ?? '';
    const patterns = (filter.Values ?? []).map(globToRegExp);
    const anyMatches = (candidates: string[]) => candidates.some((value) => patterns.some((re) => re.test(value)));
    const tag = matchesTagFilter(group.tags, name, anyMatches);
    if (tag !== undefined) return tag;
    switch (name) {
      case 'group-id':
        return anyMatches([group.id]);
      case 'group-name':
        return anyMatches([group.name]);
      case 'vpc-id':
        return anyMatches([group.vpcId]);
      case 'description':
        return anyMatches([group.description]);
      case 'owner-id':
        return anyMatches([this.ctx.accountId]);
      case 'ip-permission.protocol':
        return anyMatches(group.ingress.map((rule) => rule.protocol));
      case 'ip-permission.from-port':
        return anyMatches(group.ingress.map((rule) => String(rule.fromPort)));
      case 'ip-permission.to-port':
        return anyMatches(group.ingress.map((rule) => String(rule.toPort)));
      case 'ip-permission.cidr':
        return anyMatches(group.ingress.flatMap((rule) => (rule.cidr ? [rule.cidr] : [])));
      case 'ip-permission.group-id':
        return anyMatches(group.ingress.flatMap((rule) => (rule.sourceGroupId ? [rule.sourceGroupId] : [])));
      case 'ip-permission.group-name':
        return anyMatches(
          group.ingress.flatMap((rule) =>
            rule.sourceGroupId ? [this.groups.get(rule.sourceGroupId)?.name ?? ''] : [],
          ),
        );
      default:
        throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
  }

  private toSdk(group: SimSecurityGroup): SecurityGroup {
    const permissions = new Map<string, IpPermission>();
    for (const rule of group.ingress) {
      const key = `${rule.protocol}/${rule.fromPort}/${rule.toPort}`;
      const permission: IpPermission = permissions.get(key) ?? {
        IpProtocol: rule.protocol,
        ...(rule.protocol === '-1' ? {} : { FromPort: rule.fromPort, ToPort: rule.toPort }),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      if (rule.cidr !== undefined) {
        permission.IpRanges?.push({
          CidrIp: rule.cidr,
          ...(rule.description ? { Description: rule.description } : {}),
        });
      }
      if (rule.sourceGroupId !== undefined) {
        permission.UserIdGroupPairs?.push({
          GroupId: rule.sourceGroupId,
          UserId: this.ctx.accountId,
          ...(rule.description ? { Description: rule.description } : {}),
        });
      }
      permissions.set(key, permission);
    }
    return {
      GroupId: group.id,
      GroupName: group.name,
      Description: group.description,
      VpcId: group.vpcId,
      OwnerId: this.ctx.accountId,
      SecurityGroupArn: `arn:aws:ec2:${this.ctx.region}:${this.ctx.accountId}:security-group/${group.id}`,
      IpPermissions: [...permissions.values()],
      IpPermissionsEgress: [
        {
          IpProtocol: '-1',
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [],
          PrefixListIds: [],
          UserIdGroupPairs: [],
        },
      ],
      ...(group.tags.size > 0 ? { Tags: tagsToSdk(group.tags) } : {}),
    };
  }
}
