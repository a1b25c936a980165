/**
 * Simulated Elastic Load Balancing v2 (Application Load Balancer target groups, instance targets).
 *
 * Modelled, per the ELBv2 API reference (TargetHealth:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html):
 * - States initial (Elb.RegistrationInProgress until the first check, then Elb.InitialHealthChecking)
 *   → healthy / unhealthy (Target.ResponseCodeMismatch, Target.Timeout, Target.FailedHealthChecks);
 *   draining (Target.DeregistrationInProgress) for the group's deregistration delay, then gone;
 *   unused (Target.NotRegistered when asked about an unregistered target, Target.NotInUse when the group
 *   has no load balancer, Target.InvalidState when the instance is stopped or terminated).
 * - Health checks run on each target group's own timeline (ELB user guide, "Health checks for your target
 *   groups": the load balancer checks every registered target every HealthCheckIntervalSeconds): the group checks
 *   at phase + k × interval after it was created, the phase drawn from the seeded dice (or given), whoever calls
 *   DescribeTargetHealth and whenever. A new target is first checked at the group's next tick after its
 *   registration. So a poller sees a change only at its own next poll: the detection delay is real.
 *   HealthyThresholdCount consecutive successes make a target healthy, UnhealthyThresholdCount consecutive
 *   failures unhealthy. A success is a response whose status the Matcher accepts ("200", "200,202", "200-299").
 * - Defaults of an ALB target group (ELB user guide, "Health checks for Application Load Balancer target
 *   groups" and "Target group attributes"): interval 30 s, timeout 5 s, healthy 5, unhealthy 2, matcher
 *   200, path /, deregistration_delay.timeout_seconds 300.
 * - Errors: TargetGroupNotFoundException ("One or more target groups not found"),
 *   InvalidTargetException for instances that are not running ("The following targets are not in a
 *   running state and cannot be registered: 'i-…'") or do not exist, LoadBalancerNotFoundException.
 *
 * - Security groups (issue 11): a target group may name the security groups its health checks come from
 *   (`sourceSecurityGroups`: the load balancer's groups; `healthCheckSources` is the one place that says who sends
 *   them). When none of the target instance's groups allows them on the health-check port (TCP), the check gets no
 *   answer: Target.Timeout (ELB user guide, "Target security groups": the targets' groups must allow the load
 *   balancer on the listener and the health-check port). Without `sourceSecurityGroups` nothing is checked.
 * - Metrics for CloudWatch (`hostCountMetric`): HealthyHostCount / UnHealthyHostCount of a target group behind a load
 *   balancer, dimensions TargetGroup `targetgroup/<name>/<id>` and LoadBalancer `app/<name>/<id>` (`net/` in
 *   AWS/NetworkELB) (ELB user guide, "CloudWatch metrics for your Application Load Balancer").
 *
 * Observation (not an AWS API): `onTargetState(listener)` reports every change of a target's state
 * (`unregistered` before registration and after removal), for benchmarks and scenario assertions.
 *
 * Approximated: one timeline per target group (AWS checks from every load balancer node, each on its own
 * schedule); the `Description` texts are the ones AWS returns in practice, not documented ones; a
 * check that times out is judged at the check instant (not HealthCheckTimeoutSeconds later); an instance
 * that terminates while registered is dropped from the group at once; deregistering an existing instance
 * that is not registered is a no-op.
 */
import {
  type DeregisterTargetsCommandInput,
  type DeregisterTargetsCommandOutput,
  type DescribeTargetGroupAttributesCommandInput,
  type DescribeTargetGroupAttributesCommandOutput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type DescribeTargetHealthCommandInput,
  type DescribeTargetHealthCommandOutput,
  InvalidTargetException,
  LoadBalancerNotFoundException,
  type RegisterTargetsCommandInput,
  type RegisterTargetsCommandOutput,
  type TargetDescription,
  type TargetGroup,
  TargetGroupNotFoundException,
  type TargetHealthDescription,
  type TargetHealthReasonEnum,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { probe } from './apps';
import {
  byCodeUnit,
  lookupIn,
  type OperationTable,
  type SimContext,
  type SimService,
  type TimerHandle,
} from './context';
import type { Ec2Service, SimInstance, TrafficSource } from './ec2';
import { type LoadBalancerOperations, type LoadBalancerSpec, LoadBalancers } from './elbv2-load-balancers';
import { type ExceptionClass, SimConfigError, serviceError } from './errors';

export interface HealthCheckSpec {
  path?: string;
  protocol?: 'HTTP' | 'HTTPS';
  intervalSeconds?: number;
  timeoutSeconds?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  /** Matcher HttpCode: "200", "200,202", "200-299". */
  matcher?: string;
}

export interface TargetGroupSpec {
  name: string;
  /** A fixed ARN (a stack declared from a fleetpilot config); it must name this account, region and `name`. */
  arn?: string;
  port?: number;
  protocol?: 'HTTP' | 'HTTPS';
  vpcId?: string;
  healthCheck?: HealthCheckSpec;
  deregistrationDelaySeconds?: number;
  /** Attach a load balancer (default true). Without one, targets are `unused` / Target.NotInUse. */
  loadBalancer?: boolean;
  /**
   * Where in its interval the group's health-check timeline sits: checks at createdAt + phase + k × interval.
   * Default: drawn from the account's dice in [0, interval), so checks are not aligned with anyone's polls.
   */
  healthCheckPhaseSeconds?: number;
  /**
   * Security groups (names or ids) of the load balancer that sends the health checks. When set, a target whose
   * instance's groups do not allow them on the health-check port fails with Target.Timeout.
   */
  sourceSecurityGroups?: string[];
}

interface SimTargetGroup {
  arn: string;
  name: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  vpcId: string;
  healthCheck: Required<HealthCheckSpec>;
  deregistrationDelaySeconds: number;
  loadBalancerArns: string[];
  targets: Map<string, SimTarget>;
  /** Epoch ms of one tick of the group's health-check timeline (ticks every interval from there). */
  checkOrigin: number;
  /** The group's next health-check tick, while it has targets to check. */
  checkTimer?: TimerHandle;
  /** Resolved `sourceSecurityGroups` (ids), if the spec named any. */
  sourceSecurityGroupIds?: string[];
}

type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';

/** One change of a target's state in one target group; `unregistered` = not in the group (before or after). */
export interface TargetTransition {
  /** Target group ARN. */
  arn: string;
  /** Instance id. */
  id: string;
  from: TargetState | 'unregistered';
  to: TargetState | 'unregistered';
  /** Virtual epoch ms. */
  at: number;
}
export type TargetStateListener = (transition: TargetTransition) => void;

interface SimTarget {
  /** Target group ARN. */
  groupArn: string;
  id: string;
  port: number;
  state: TargetState;
  reason?: TargetHealthReasonEnum;
  description?: string;
  okStreak: number;
  failStreak: number;
  registeredAt: number;
  drainTimer?: TimerHandle;
  onGone: Array<() => void>;
}

type Elbv2Operations = LoadBalancerOperations & {
  RegisterTargets: readonly [RegisterTargetsCommandInput, RegisterTargetsCommandOutput];
  DeregisterTargets: readonly [DeregisterTargetsCommandInput, DeregisterTargetsCommandOutput];
  DescribeTargetHealth: readonly [DescribeTargetHealthCommandInput, DescribeTargetHealthCommandOutput];
  DescribeTargetGroups: readonly [DescribeTargetGroupsCommandInput, DescribeTargetGroupsCommandOutput];
  DescribeTargetGroupAttributes: readonly [
    DescribeTargetGroupAttributesCommandInput,
    DescribeTargetGroupAttributesCommandOutput,
  ];
};

const DESCRIPTIONS = {
  registration: 'Target registration is in progress',
  initial: 'Initial health checks in progress',
  timeout: 'Request timed out',
  failed: 'Health checks failed',
  draining: 'Target deregistration is in progress',
  notRegistered: 'Target is not registered to the target group',
  notInUse: 'Target group is not configured to receive traffic from the load balancer',
} as const;

/** Does an HttpCode matcher ("200", "200,202", "200-299") accept this status? */
export const matcherAccepts = (matcher: string, status: number): boolean =>
  matcher.split(',').some((part) => {
    const [low, high] = part.trim().split('-');
    if (high === undefined) return Number(low) === status;
    return status >= Number(low) && status <= Number(high);
  });

const elbError = (ctor: ExceptionClass, message: string): Error => serviceError(ctor, { message });

export class Elbv2Service implements SimService {
  readonly name = 'elbv2' as const;
  private readonly groups = new Map<string, SimTargetGroup>();
  private readonly stateListeners = new Set<TargetStateListener>();
  /** Load balancers, listeners and listener certificates (sim/elbv2-load-balancers.ts). */
  readonly loadBalancers: LoadBalancers;

  constructor(
    private readonly ctx: SimContext,
    private readonly ec2: Ec2Service,
    specs: TargetGroupSpec[],
    loadBalancerSpecs: LoadBalancerSpec[] = [],
  ) {
    for (const spec of specs) this.createTargetGroup(spec);
    this.loadBalancers = new LoadBalancers(ctx, {
      arnOf: (name) => this.arnOf(name),
      securityGroupIdOf: (nameOrId) => ec2.securityGroups.idOf(nameOrId),
      attach: (groupArn, lbArn) => {
        // A group declared with a load balancer got a placeholder ARN; the declared load balancer replaces it.
        const group = this.mustGroup(groupArn);
        group.loadBalancerArns = [
          ...group.loadBalancerArns.filter((arn) => !arn.includes(`/${group.name}-alb/`) && arn !== lbArn),
          lbArn,
        ];
      },
    });
    for (const spec of loadBalancerSpecs) this.loadBalancers.create(spec);
    ec2.onStateChange((instance) => this.instanceChanged(instance));
  }

  private readonly table: OperationTable<Elbv2Operations> = {
    RegisterTargets: (input) => this.registerTargets(input),
    DeregisterTargets: (input) => this.deregisterTargets(input),
    DescribeTargetHealth: (input) => this.describeTargetHealth(input),
    DescribeTargetGroups: (input) => this.describeTargetGroups(input),
    DescribeTargetGroupAttributes: (input) => this.describeTargetGroupAttributes(input),
    DescribeLoadBalancers: (input) => this.loadBalancers.describeLoadBalancers(input),
    DescribeListeners: (input) => this.loadBalancers.describeListeners(input),
    DescribeListenerCertificates: (input) => this.loadBalancers.describeListenerCertificates(input),
    AddListenerCertificates: (input) => this.loadBalancers.addListenerCertificates(input),
    RemoveListenerCertificates: (input) => this.loadBalancers.removeListenerCertificates(input),
    ModifyListener: (input) => this.loadBalancers.modifyListener(input),
  };

  readonly operationHandler = lookupIn(this.table);

  // ---- sim-side API ----

  /** Called on every change of a target's state (not on reason-only changes); returns an unsubscribe function. */
  onTargetState(listener: TargetStateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  createTargetGroup(spec: TargetGroupSpec): string {
    if ([...this.groups.values()].some((group) => group.name === spec.name)) {
      throw new SimConfigError(`duplicate target group ${spec.name}`);
    }
    const prefix = `arn:aws:elasticloadbalancing:${this.ctx.region}:${this.ctx.accountId}`;
    const arn = spec.arn ?? `${prefix}:targetgroup/${spec.name}/${this.ctx.ids.hex(16)}`;
    if (!arn.startsWith(`${prefix}:targetgroup/${spec.name}/`)) {
      throw new SimConfigError(`target group ARN ${arn} is not in ${prefix} or not named ${spec.name}`);
    }
    const hc = spec.healthCheck ?? {};
    const intervalSeconds = hc.intervalSeconds ?? 30;
    const phaseMs =
      spec.healthCheckPhaseSeconds !== undefined
        ? spec.healthCheckPhaseSeconds * 1000
        : this.ctx.dice.int(intervalSeconds * 1000);
    if (!(phaseMs >= 0 && phaseMs < intervalSeconds * 1000)) {
      throw new SimConfigError(`target group ${spec.name}: healthCheckPhaseSeconds must be in [0, interval)`);
    }
    this.groups.set(arn, {
      arn,
      name: spec.name,
      port: spec.port ?? 80,
      protocol: spec.protocol ?? 'HTTP',
      vpcId: spec.vpcId ?? 'vpc-0sim',
      healthCheck: {
        path: hc.path ?? '/',
        protocol: hc.protocol ?? spec.protocol ?? 'HTTP',
        intervalSeconds,
        timeoutSeconds: hc.timeoutSeconds ?? 5,
        healthyThreshold: hc.healthyThreshold ?? 5,
        unhealthyThreshold: hc.unhealthyThreshold ?? 2,
        matcher: hc.matcher ?? '200',
      },
      deregistrationDelaySeconds: spec.deregistrationDelaySeconds ?? 300,
      loadBalancerArns:
        spec.loadBalancer === false ? [] : [`${prefix}:loadbalancer/app/${spec.name}-alb/${this.ctx.ids.hex(16)}`],
      targets: new Map(),
      checkOrigin: this.ctx.now() + phaseMs,
      ...(spec.sourceSecurityGroups
        ? {
            sourceSecurityGroupIds: this.ec2.securityGroups.resolve(
              spec.sourceSecurityGroups,
              spec.vpcId ?? 'vpc-0sim',
            ),
          }
        : {}),
    });
    return arn;
  }

  arnOf(name: string): string {
    const group = [...this.groups.values()].find((candidate) => candidate.name === name);
    if (!group) throw new SimConfigError(`unknown target group ${name}`);
    return group.arn;
  }

  /**
   * Register without API validation (used by Auto Scaling for attached groups). `healthy: true` starts
   * the target as healthy (scenario set-up of an already serving fleet).
   */
  register(arn: string, instanceId: string, port?: number, options: { healthy?: boolean } = {}): void {
    const group = this.mustGroup(arn);
    const existing = group.targets.get(instanceId);
    if (existing && existing.state !== 'draining') return;
    if (existing) this.ctx.cancel(existing.drainTimer);
    const target: SimTarget = {
      groupArn: group.arn,
      id: instanceId,
      port: port ?? group.port,
      state: 'initial',
      reason: 'Elb.RegistrationInProgress',
      description: DESCRIPTIONS.registration,
      okStreak: 0,
      failStreak: 0,
      registeredAt: this.ctx.now(),
      onGone: existing?.onGone ?? [],
    };
    group.targets.set(instanceId, target);
    this.transition(target, existing?.state ?? 'unregistered', 'initial');
    if (group.loadBalancerArns.length === 0) {
      this.setHealth(target, 'unused', 'Target.NotInUse', DESCRIPTIONS.notInUse);
      return;
    }
    if (options.healthy) {
      this.setHealth(target, 'healthy');
      target.okStreak = group.healthCheck.healthyThreshold;
    }
    this.keepChecking(group);
  }

  /** Deregister; `onGone` runs when the target has left the group (after draining). */
  deregister(arn: string, instanceId: string, onGone?: () => void): void {
    const group = this.mustGroup(arn);
    const target = group.targets.get(instanceId);
    if (!target) {
      onGone?.();
      return;
    }
    if (onGone) target.onGone.push(onGone);
    if (target.state === 'draining') return;
    const delayMs = group.loadBalancerArns.length === 0 ? 0 : group.deregistrationDelaySeconds * 1000;
    this.setHealth(target, 'draining', 'Target.DeregistrationInProgress', DESCRIPTIONS.draining);
    target.drainTimer = this.ctx.schedule(delayMs, () => this.remove(group, target));
  }

  /** Plain view for snapshots. */
  view(): Array<{
    name: string;
    arn: string;
    targets: Array<{ id: string; port: number; state: string; reason?: string }>;
  }> {
    return [...this.groups.values()]
      .sort((a, b) => byCodeUnit(a.name, b.name))
      .map((group) => ({
        name: group.name,
        arn: group.arn,
        targets: [...group.targets.values()]
          .sort((a, b) => byCodeUnit(a.id, b.id))
          .map((target) => ({
            id: target.id,
            port: target.port,
            state: target.state,
            ...(target.reason ? { reason: target.reason } : {}),
          })),
      }));
  }

  // ---- operations ----

  private registerTargets(input: RegisterTargetsCommandInput) {
    const group = this.apiGroup(input.TargetGroupArn);
    const targets = input.Targets ?? [];
    const invalid = targets.filter((target) => !this.ec2.get(target.Id ?? ''));
    if (invalid.length > 0) {
      throw elbError(
        InvalidTargetException,
        `The following targets are not valid instances: ${invalid.map((t) => `'${t.Id}'`).join(', ')}`,
      );
    }
    const notRunning = targets.filter((target) => {
      const state = this.ec2.get(target.Id ?? '')?.state;
      return state !== 'running' && state !== 'pending';
    });
    if (notRunning.length > 0) {
      throw elbError(
        InvalidTargetException,
        `The following targets are not in a running state and cannot be registered: ${notRunning
          .map((t) => `'${t.Id}'`)
          .join(', ')}`,
      );
    }
    for (const target of targets) this.register(group.arn, target.Id ?? '', target.Port);
    return {};
  }

  private deregisterTargets(input: DeregisterTargetsCommandInput) {
    const group = this.apiGroup(input.TargetGroupArn);
    const targets = input.Targets ?? [];
    const invalid = targets.filter((target) => !this.ec2.get(target.Id ?? '') && !group.targets.has(target.Id ?? ''));
    if (invalid.length > 0) {
      throw elbError(
        InvalidTargetException,
        `The following targets are not valid instances: ${invalid.map((t) => `'${t.Id}'`).join(', ')}`,
      );
    }
    for (const target of targets) this.deregister(group.arn, target.Id ?? '');
    return {};
  }

  private describeTargetHealth(input: DescribeTargetHealthCommandInput) {
    const group = this.apiGroup(input.TargetGroupArn);
    const asked: TargetDescription[] =
      input.Targets ??
      [...group.targets.values()]
        .sort((a, b) => a.registeredAt - b.registeredAt || byCodeUnit(a.id, b.id))
        .map((t) => ({
          Id: t.id,
          Port: t.port,
        }));
    const descriptions: TargetHealthDescription[] = asked.map((wanted) => {
      const target = group.targets.get(wanted.Id ?? '');
      const port = target?.port ?? wanted.Port ?? group.port;
      const health = target
        ? {
            State: target.state as TargetHealthStateEnum,
            ...(target.reason ? { Reason: target.reason } : {}),
            ...(target.description ? { Description: target.description } : {}),
          }
        : {
            State: 'unused' as TargetHealthStateEnum,
            Reason: 'Target.NotRegistered' as TargetHealthReasonEnum,
            Description: DESCRIPTIONS.notRegistered,
          };
      return {
        Target: { Id: wanted.Id, Port: port },
        HealthCheckPort: String(port),
        TargetHealth: health,
      };
    });
    return { TargetHealthDescriptions: descriptions };
  }

  private describeTargetGroups(input: DescribeTargetGroupsCommandInput) {
    let selected = [...this.groups.values()].sort((a, b) => byCodeUnit(a.name, b.name));
    if (input.LoadBalancerArn !== undefined) {
      const lb = input.LoadBalancerArn;
      if (!selected.some((group) => group.loadBalancerArns.includes(lb))) {
        throw elbError(LoadBalancerNotFoundException, 'One or more load balancers not found');
      }
      selected = selected.filter((group) => group.loadBalancerArns.includes(lb));
    }
    if (input.TargetGroupArns?.length) {
      const arns = input.TargetGroupArns;
      if (arns.some((arn) => !this.groups.has(arn))) throw this.groupNotFound();
      selected = arns.map((arn) => this.mustGroup(arn));
    }
    if (input.Names?.length) {
      const names = input.Names;
      const found = names.map((name) => selected.find((group) => group.name === name));
      if (found.some((group) => group === undefined)) throw this.groupNotFound();
      selected = found.filter((group): group is SimTargetGroup => group !== undefined);
    }
    return { TargetGroups: selected.map((group) => this.toSdk(group)) };
  }

  private describeTargetGroupAttributes(input: DescribeTargetGroupAttributesCommandInput) {
    const group = this.apiGroup(input.TargetGroupArn);
    return {
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: String(group.deregistrationDelaySeconds) },
        { Key: 'stickiness.enabled', Value: 'false' },
        { Key: 'load_balancing.algorithm.type', Value: 'round_robin' },
        { Key: 'slow_start.duration_seconds', Value: '0' },
      ],
    };
  }

  // ---- health checking ----

  /** Targets the group health-checks: registered, behind a load balancer, not draining. */
  private checked(group: SimTargetGroup): SimTarget[] {
    if (group.loadBalancerArns.length === 0) return [];
    return [...group.targets.values()].filter((target) => target.state !== 'draining');
  }

  /** Arms the group's next tick (the first instant of its timeline strictly after now) while it has targets. */
  private keepChecking(group: SimTargetGroup): void {
    if (group.checkTimer !== undefined || this.checked(group).length === 0) return;
    const intervalMs = group.healthCheck.intervalSeconds * 1000;
    const now = this.ctx.now();
    const ticks = Math.floor((now - group.checkOrigin) / intervalMs) + 1;
    const next = group.checkOrigin + ticks * intervalMs;
    group.checkTimer = this.ctx.schedule(next - now, () => {
      group.checkTimer = undefined;
      // Only targets registered before this tick: one registered at this very instant waits for the next one.
      for (const target of this.checked(group)) if (target.registeredAt < next) this.runCheck(group, target);
      this.keepChecking(group);
    });
  }

  private runCheck(group: SimTargetGroup, target: SimTarget): void {
    const instance = this.ec2.get(target.id);
    if (!instance || instance.state === 'stopped' || instance.state === 'stopping' || instance.state === 'terminated') {
      const state = instance?.state ?? 'terminated';
      this.setHealth(target, 'unused', 'Target.InvalidState', `Target is in the ${state} state`);
      target.okStreak = 0;
      target.failStreak = 0;
      return;
    }
    if (target.state === 'unused' && target.reason === 'Target.InvalidState') {
      this.setHealth(target, 'initial', 'Elb.RegistrationInProgress', DESCRIPTIONS.registration);
    }
    const blocked = !this.healthCheckAllowed(group, target, instance);
    const result = blocked
      ? ({ kind: 'timeout' } as const)
      : probe(this.ec2.apps.get(target.id), this.ec2.runningFor(target.id));
    const hc = group.healthCheck;
    let failure: { reason: TargetHealthReasonEnum; description: string } | undefined;
    if (result.kind === 'response') {
      if (!matcherAccepts(hc.matcher, result.status)) {
        failure = {
          reason: 'Target.ResponseCodeMismatch',
          description: `Health checks failed with these codes: [${result.status}]`,
        };
      }
    } else if (result.kind === 'timeout') {
      failure = { reason: 'Target.Timeout', description: DESCRIPTIONS.timeout };
    } else {
      failure = { reason: 'Target.FailedHealthChecks', description: DESCRIPTIONS.failed };
    }
    if (failure) {
      target.failStreak++;
      target.okStreak = 0;
    } else {
      target.okStreak++;
      target.failStreak = 0;
    }
    switch (target.state) {
      case 'initial':
        if (target.okStreak >= hc.healthyThreshold) this.setHealth(target, 'healthy');
        else if (failure && target.failStreak >= hc.unhealthyThreshold)
          this.setHealth(target, 'unhealthy', failure.reason, failure.description);
        else this.setHealth(target, 'initial', 'Elb.InitialHealthChecking', DESCRIPTIONS.initial);
        break;
      case 'healthy':
        if (failure && target.failStreak >= hc.unhealthyThreshold)
          this.setHealth(target, 'unhealthy', failure.reason, failure.description);
        break;
      case 'unhealthy':
        if (target.okStreak >= hc.healthyThreshold) this.setHealth(target, 'healthy');
        else if (failure) this.setHealth(target, 'unhealthy', failure.reason, failure.description);
        break;
      default:
        break;
    }
  }

  private setHealth(
    target: SimTarget,
    state: TargetState,
    reason?: TargetHealthReasonEnum,
    description?: string,
  ): void {
    const from = target.state;
    target.state = state;
    target.reason = reason;
    target.description = description;
    if (from !== state) this.transition(target, from, state);
  }

  private transition(target: SimTarget, from: TargetTransition['from'], to: TargetTransition['to']): void {
    if (this.stateListeners.size === 0) return;
    const change: TargetTransition = { arn: target.groupArn, id: target.id, from, to, at: this.ctx.now() };
    for (const listener of this.stateListeners) listener(change);
  }

  private instanceChanged(instance: SimInstance): void {
    if (instance.state !== 'terminated') return;
    for (const group of this.groups.values()) {
      const target = group.targets.get(instance.id);
      if (target) this.remove(group, target);
    }
  }

  private remove(group: SimTargetGroup, target: SimTarget): void {
    if (group.targets.get(target.id) !== target) return;
    this.ctx.cancel(target.drainTimer);
    group.targets.delete(target.id);
    this.transition(target, target.state, 'unregistered');
    for (const callback of target.onGone.splice(0)) callback();
  }

  // ---- security groups and metrics ----

  /**
   * Who sends a target group's health checks: the security groups its spec names (to become the load balancer's
   * SecurityGroups once load balancers are modelled) and the load balancer nodes' addresses (approximated as the fifth
   * address of each subnet of the group's VPC). Undefined: not modelled for this group (every check gets through).
   */
  healthCheckSources(targetGroupArn: string): TrafficSource | undefined {
    const group = this.mustGroup(targetGroupArn);
    if (group.sourceSecurityGroupIds === undefined) return undefined;
    const addresses = this.ec2
      .subnetList()
      .filter((subnet) => (subnet.vpcId ?? 'vpc-0sim') === group.vpcId)
      .map((subnet) => {
        const [base] = subnet.cidr.split('/');
        const octets = (base ?? '0.0.0.0').split('.').map(Number);
        return [octets[0], octets[1], octets[2], (octets[3] ?? 0) + 4].join('.');
      });
    return { groupIds: [...group.sourceSecurityGroupIds], addresses };
  }

  /** Do the instance's security groups let the health checks in on the target's port? */
  private healthCheckAllowed(group: SimTargetGroup, target: SimTarget, instance: SimInstance): boolean {
    const sources = this.healthCheckSources(group.arn);
    if (!sources) return true;
    return this.ec2.securityGroups.allowsTcp(instance.securityGroupIds, target.port, sources);
  }

  /**
   * HealthyHostCount / UnHealthyHostCount now, for CloudWatch; undefined when the dimensions name no target group
   * behind that load balancer (no data), or another metric.
   */
  hostCountMetric(namespace: string, metricName: string, dimensions: Record<string, string>): number | undefined {
    if (metricName !== 'HealthyHostCount' && metricName !== 'UnHealthyHostCount') return undefined;
    const kind = namespace === 'AWS/ApplicationELB' ? 'app' : namespace === 'AWS/NetworkELB' ? 'net' : undefined;
    const { TargetGroup: targetGroup, LoadBalancer: loadBalancer, ...others } = dimensions;
    if (kind === undefined || targetGroup === undefined || loadBalancer === undefined) return undefined;
    if (Object.keys(others).length > 0) return undefined;
    const group = [...this.groups.values()].find((candidate) => candidate.arn.endsWith(`:${targetGroup}`));
    const attached = group?.loadBalancerArns.some(
      (arn) => arn.endsWith(`:loadbalancer/${loadBalancer}`) && loadBalancer.startsWith(`${kind}/`),
    );
    if (!group || !attached) return undefined;
    const wanted = metricName === 'HealthyHostCount' ? 'healthy' : 'unhealthy';
    return [...group.targets.values()].filter((target) => target.state === wanted).length;
  }

  /** The target group's ARN and its load balancers' ARNs (for alarm dimensions). */
  loadBalancersOf(targetGroupArn: string): string[] {
    return [...this.mustGroup(targetGroupArn).loadBalancerArns];
  }

  // ---- helpers ----

  private toSdk(group: SimTargetGroup): TargetGroup {
    const hc = group.healthCheck;
    return {
      TargetGroupArn: group.arn,
      TargetGroupName: group.name,
      Protocol: group.protocol,
      Port: group.port,
      VpcId: group.vpcId,
      HealthCheckProtocol: hc.protocol,
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckIntervalSeconds: hc.intervalSeconds,
      HealthCheckTimeoutSeconds: hc.timeoutSeconds,
      HealthyThresholdCount: hc.healthyThreshold,
      UnhealthyThresholdCount: hc.unhealthyThreshold,
      HealthCheckPath: hc.path,
      Matcher: { HttpCode: hc.matcher },
      LoadBalancerArns: [...group.loadBalancerArns],
      TargetType: 'instance',
      ProtocolVersion: 'HTTP1',
      IpAddressType: 'ipv4',
    };
  }

  private apiGroup(arn: string | undefined): SimTargetGroup {
    const group = arn === undefined ? undefined : this.groups.get(arn);
    if (!group) throw this.groupNotFound();
    return group;
  }

  private groupNotFound(): Error {
    return elbError(TargetGroupNotFoundException, 'One or more target groups not found');
  }

  private mustGroup(arn: string): SimTargetGroup {
    const group = this.groups.get(arn);
    if (!group) throw new SimConfigError(`unknown target group ${arn}`);
    return group;
  }
}
