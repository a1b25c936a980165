/**
 * Does an instance's security groups let the load balancer in, on a port? Pure: it reads the groups DescribeSecurityGroups
 * returned. Security groups are allow-lists (VPC user guide, "Security group rules"): a port is open to the load balancer
 * when any inbound rule of any of the instance's groups covers TCP on that port (protocol "tcp", "6" or "-1" for all,
 * the port inside FromPort..ToPort) and names the load balancer's group as its source, or an address range. An address
 * range may or may not hold the load balancer's private addresses; it is reported as "by address", not proven.
 */
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';

export type PortAccess =
  | { open: true; by: 'load-balancer-group'; via: string }
  | { open: true; by: 'address-range'; via: string }
  | { open: false };

function coversTcpPort(rule: IpPermission, port: number): boolean {
  const protocol = rule.IpProtocol ?? '';
  if (protocol === '-1') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535);
}

/** How (if at all) the instance's groups admit TCP on `port` from the load balancer's groups. */
export function portAccess(
  instanceGroups: readonly SecurityGroup[],
  loadBalancerGroupIds: readonly string[],
  port: number,
): PortAccess {
  let byRange: PortAccess | undefined;
  for (const group of instanceGroups) {
    for (const rule of group.IpPermissions ?? []) {
      if (!coversTcpPort(rule, port)) continue;
      const pair = rule.UserIdGroupPairs?.find((p) => p.GroupId && loadBalancerGroupIds.includes(p.GroupId));
      if (pair?.GroupId) return { open: true, by: 'load-balancer-group', via: `${group.GroupId} ← ${pair.GroupId}` };
      const range = rule.IpRanges?.[0]?.CidrIp ?? rule.Ipv6Ranges?.[0]?.CidrIpv6;
      if (range && !byRange) byRange = { open: true, by: 'address-range', via: `${group.GroupId} ← ${range}` };
    }
  }
  return byRange ?? { open: false };
}
