/**
 * Facts about a target group's targets turned into words: what is wrong and what to do next, per target (by the
 * reason code ELB gives) and for the group as a whole (a bad image after a refresh, a systemic failure). Pure.
 *
 * Reason codes and their meaning: ELB API reference, "TargetHealth" (Reason), and the ELB user guide, "Health checks
 * for your target groups" (target health status and reason codes). `initial`: Elb.RegistrationInProgress,
 * Elb.InitialHealthChecking; `unhealthy`: Target.ResponseCodeMismatch, Target.Timeout, Target.FailedHealthChecks,
 * Elb.InternalError; `unused`: Target.NotRegistered, Target.NotInUse, Target.InvalidState, Target.IpUnusable;
 * `draining`: Target.DeregistrationInProgress; `unavailable`: Target.HealthCheckDisabled.
 */
import type { PortAccess } from './security-groups';

export const REASON_CODES = [
  'Elb.RegistrationInProgress',
  'Elb.InitialHealthChecking',
  'Target.ResponseCodeMismatch',
  'Target.Timeout',
  'Target.FailedHealthChecks',
  'Target.NotRegistered',
  'Target.NotInUse',
  'Target.DeregistrationInProgress',
  'Target.InvalidState',
  'Target.IpUnusable',
  'Target.HealthCheckDisabled',
  'Elb.InternalError',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** The target group's health check as DescribeTargetGroups gives it. */
export interface HealthCheckSettings {
  protocol: string;
  /** The port the health checks go to (the traffic port resolved). */
  port: number;
  path?: string;
  matcher?: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface TargetFacts {
  targetId: string;
  /** The traffic port (the registered port, or the target group's). */
  port: number;
  state: string;
  reason?: string;
  description?: string;
  /** Auto Scaling's view, when the target is an instance of an Auto Scaling group. */
  lifecycleState?: string;
  /** Whether the instance's security groups admit the load balancer; undefined when it could not be checked. */
  access?: { traffic: PortAccess; healthCheck: PortAccess; instanceGroups: string[]; loadBalancerGroups: string[] };
}

export interface Explanation {
  explanation: string;
  nextStep: string;
}

/** The HTTP codes a ResponseCodeMismatch description lists, e.g. "Health checks failed with these codes: [404]". */
export function failedCodes(description: string | undefined): number[] {
  const list = /\[([\d,\s]+)\]/.exec(description ?? '')?.[1];
  return list
    ? list
        .split(',')
        .map((c) => Number(c.trim()))
        .filter((c) => Number.isInteger(c))
    : [];
}

function blockedRule(t: TargetFacts, port: number): Explanation {
  const lb = t.access?.loadBalancerGroups.join(', ') || 'its security group';
  const inst = t.access?.instanceGroups.join(', ') || 'the instance';
  return {
    explanation: `The security group blocks the health check: no inbound rule of ${inst} lets the load balancer (${lb}) reach TCP ${port}.`,
    nextStep: `Add an inbound rule to ${t.access?.instanceGroups[0] ?? 'the instance security group'} allowing TCP ${port} from security group ${t.access?.loadBalancerGroups[0] ?? 'of the load balancer'}.`,
  };
}

function responseCodeMismatch(t: TargetFacts, hc: HealthCheckSettings): Explanation {
  const codes = failedCodes(t.description);
  const code = codes[0];
  const path = hc.path ?? '/';
  const expected = hc.matcher ?? '200';
  const got = codes.length > 0 ? codes.join(', ') : 'an unexpected code';
  if (code === 404) {
    return {
      explanation: `The application answers, but not on the health-check path: ${path} returned 404 where ${expected} is expected.`,
      nextStep: `Is ${path} served by the application (the WAS behind the web server)? Fix the route, or point the target group's health check at a path the application serves.`,
    };
  }
  if (code !== undefined && code >= 500) {
    return {
      explanation: `The application answers on ${path} but fails there (HTTP ${got}).`,
      nextStep: `Read the application's logs on the instance around the failed checks: an error or a dependency it checks (database, disk, downstream service) is down.`,
    };
  }
  if (code !== undefined && code >= 300 && code < 400) {
    return {
      explanation: `The health-check path ${path} redirects (HTTP ${got}), e.g. to HTTPS or to a login page, where ${expected} is expected.`,
      nextStep: `Serve ${path} without a redirect, or add the redirect code to the target group's matcher.`,
    };
  }
  if (code === 401 || code === 403) {
    return {
      explanation: `The health-check path ${path} requires authentication or is forbidden (HTTP ${got}).`,
      nextStep: `Exempt ${path} from authentication (and from WAF or IP rules) for the load balancer's health checks.`,
    };
  }
  return {
    explanation: `The health checks on ${path} got HTTP ${got} where ${expected} is expected.`,
    nextStep: `Make ${path} answer ${expected}, or widen the target group's matcher if ${got} is a healthy answer.`,
  };
}

/** What one target's state means, and the next step. */
export function explainTarget(t: TargetFacts, hc: HealthCheckSettings): Explanation {
  const launching = t.lifecycleState?.startsWith('Pending') === true;
  const leaving = t.lifecycleState?.startsWith('Terminating') === true;
  const reason = t.reason as ReasonCode | undefined;
  switch (reason) {
    case 'Elb.RegistrationInProgress':
      return {
        explanation: 'The target is being registered with the load balancer.',
        nextStep: 'Nothing yet: registration takes a few seconds to a minute.',
      };
    case 'Elb.InitialHealthChecking':
      return {
        explanation: `The load balancer is still running its first health checks (${hc.healthyThreshold} passing checks ${hc.intervalSeconds} s apart, about ${hc.healthyThreshold * hc.intervalSeconds} s).`,
        nextStep: launching
          ? "Nothing yet: fleetpilot's launch hook waits for it to become healthy."
          : 'Nothing yet; if it ends unhealthy, the next reason code says why.',
      };
    case 'Target.ResponseCodeMismatch':
      return responseCodeMismatch(t, hc);
    case 'Target.Timeout':
      if (t.access && !t.access.healthCheck.open) return blockedRule(t, hc.port);
      return {
        explanation: `The application does not answer the health check on port ${hc.port}${hc.path ? ` (${hc.path})` : ''} within ${hc.timeoutSeconds} s${t.access ? '; the security groups let the load balancer in' : ''}.`,
        nextStep: `On the instance: is the application running and listening on port ${hc.port}, and does ${hc.path ?? 'the check'} answer within ${hc.timeoutSeconds} s under load? Check the subnets' network ACLs too.`,
      };
    case 'Target.FailedHealthChecks':
      if (t.access && !t.access.healthCheck.open) return blockedRule(t, hc.port);
      return {
        explanation: `The load balancer could not connect to port ${hc.port}, or the answer was malformed${t.description ? ` (${t.description})` : ''}: nothing may be listening there, or the application closes the connection.`,
        nextStep: `On the instance: is the application listening on port ${hc.port} (not only on 127.0.0.1), and does it speak ${hc.protocol}?`,
      };
    case 'Elb.InternalError':
      return {
        explanation:
          'The health checks failed because of an internal error of the load balancer, not because of the target.',
        nextStep: 'Wait a few minutes; if it persists, open an AWS Support case naming the target group.',
      };
    case 'Target.NotRegistered':
      return {
        explanation: 'The target is not registered in the target group.',
        nextStep: launching
          ? "Nothing yet: fleetpilot's launch hook registers it."
          : 'Register it, or attach the target group to the Auto Scaling group so every instance is registered.',
      };
    case 'Target.NotInUse':
      return {
        explanation:
          "The target group is not used by any load balancer, or the target's Availability Zone is not enabled for the load balancer.",
        nextStep:
          "Forward a listener (rule) to the target group, or enable the instance's Availability Zone on the load balancer.",
      };
    case 'Target.DeregistrationInProgress':
      return {
        explanation: 'The target is being deregistered: the load balancer drains its connections.',
        nextStep: leaving
          ? 'Nothing: the instance is being terminated.'
          : "Nothing if this is a scale-in or a deployment; it ends after the target group's deregistration delay.",
      };
    case 'Target.InvalidState':
      return {
        explanation: 'The instance is stopped or terminated.',
        nextStep: leaving
          ? 'Nothing: Auto Scaling is replacing it.'
          : 'Start it again, or mark it Unhealthy in Auto Scaling so the group replaces it.',
      };
    case 'Target.IpUnusable':
      return {
        explanation: "The target's IP address is reserved for use by a load balancer.",
        nextStep: 'Register a different IP address (or the instance) instead.',
      };
    case 'Target.HealthCheckDisabled':
      return {
        explanation:
          'Health checks are disabled on the target group, so the load balancer cannot tell healthy from unhealthy.',
        nextStep: 'Enable health checks on the target group.',
      };
    default:
      if (t.state === 'healthy') return { explanation: 'Healthy.', nextStep: 'Nothing.' };
      return {
        explanation: `State ${t.state}${t.reason ? `, reason ${t.reason}` : ''}${t.description ? `: ${t.description}` : ''}.`,
        nextStep: 'See the target group in the console; this reason code is not one fleetpilot knows.',
      };
  }
}

/** An instance refresh as DescribeInstanceRefreshes gives it (only what the verdict needs). */
export interface RefreshFacts {
  id: string;
  status: string;
  startTime?: Date;
}

export interface GroupVerdict {
  kind: 'bad-image' | 'systemic' | 'security-group' | 'isolated' | 'none';
  explanation: string;
  nextStep: string;
}

/** How long after a refresh started a failure of (nearly) every target is blamed on its image. */
export const REFRESH_BLAME_WINDOW_MS = 60 * 60 * 1000;

/**
 * The group as a whole. More than `maxUnhealthyShare` of the registered targets unhealthy is systemic: one cause
 * shared by the targets (or a refresh rolling out a bad image, when one started within the hour).
 */
export function groupVerdict(
  targets: readonly TargetFacts[],
  refresh: RefreshFacts | undefined,
  maxUnhealthyShare: number,
  now: number,
): GroupVerdict {
  const registered = targets.filter((t) => t.state !== 'unused' && t.state !== 'draining');
  const unhealthy = registered.filter((t) => t.state === 'unhealthy');
  if (unhealthy.length === 0) {
    return { kind: 'none', explanation: 'No target is unhealthy now.', nextStep: 'Nothing; see the targets below.' };
  }
  const share = unhealthy.length / registered.length;
  const counted = `${unhealthy.length} of ${registered.length} targets are unhealthy`;
  const recentRefresh =
    refresh && refresh.startTime !== undefined && now - refresh.startTime.getTime() <= REFRESH_BLAME_WINDOW_MS;
  if (share > maxUnhealthyShare && refresh && recentRefresh) {
    return {
      kind: 'bad-image',
      explanation: `The new image is bad: ${counted}, failing since instance refresh ${refresh.id} started at ${refresh.startTime?.toISOString()} (${refresh.status}).`,
      nextStep: `Cancel instance refresh ${refresh.id} (or let its auto-rollback act) and look at the image's application start-up; do not replace instances by hand.`,
    };
  }
  if (share > maxUnhealthyShare) {
    const blocked = unhealthy.every((t) => t.access !== undefined && !t.access.healthCheck.open);
    if (blocked) {
      return {
        kind: 'security-group',
        explanation: `${counted}: the security group blocks the health check for every one of them.`,
        nextStep: 'Fix the inbound rule (see the targets below); replacing instances would not help.',
      };
    }
    return {
      kind: 'systemic',
      explanation: `${counted} (more than ${Math.round(maxUnhealthyShare * 100)} %): the cause is shared (a deployment, the health-check settings, a common dependency), not one instance.`,
      nextStep: 'Look at what the targets share; fleetpilot does not replace instances in a systemic failure.',
    };
  }
  return {
    kind: 'isolated',
    explanation: `${counted}: the others serve.`,
    nextStep: 'See the unhealthy targets below.',
  };
}
