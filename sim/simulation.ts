/**
 * One call to stand up a whole simulated deployment: the virtual clock, an account declared from a fleetpilot
 * config (the same YAML users deploy), and the local Lambda runtime wired from serverless.yml.
 */
import { createHash } from 'node:crypto';
import { deriveStackValues } from '../deploy/stack-values';
import type { FleetpilotConfig, ServiceConfig } from '../shared/config/schema';
import { createSimAccount, type SimAccount, type StackSpec } from './account';
import type { CertificateSpec } from './acm';
import type { AppBehaviour } from './apps';
import type { LifecycleHookSpec } from './autoscaling/model';
import { createVirtualClock, type VirtualClock } from './clock';
import type { SecurityGroupSpec } from './ec2/security-groups';
import type { HealthCheckSpec } from './elbv2';
import type { ListenerSpec, LoadBalancerSpec } from './elbv2-load-balancers';
import { type InvocationRecord, LocalLambda } from './lambda';
import { type ScheduledRun, type SimSchedule, SimScheduler, schedulesOf } from './scheduler';
import type { ParameterSpec } from './ssm';
import { readWiring, type Wiring } from './wiring';

export interface SimulationOptions {
  config: FleetpilotConfig;
  /** Path of the config file, for the wiring (as `--param config=`); default the example. */
  configFile?: string;
  /** The serverless.yml to wire from; default the repository's. */
  serverlessFile?: string;
  seed: number | string;
  start?: string;
  /** Desired capacity of every group at the start; the first instances launch through the hooks. */
  initialCapacity?: number;
  maxSize?: number;
  healthCheck?: HealthCheckSpec;
  deregistrationDelaySeconds?: number;
  /** Launch hook HeartbeatTimeout, seconds (default 300); the terminate hook uses the same. */
  heartbeatTimeoutSeconds?: number;
  /** Hooks other teams put on every group, besides fleetpilot's (named as the config names them). */
  otherHooks?: LifecycleHookSpec[];
  defaultApp?: AppBehaviour;
  /**
   * Give every group a launch template (`<group>-lt`, version 1 on `imageId`, which exists as an image of the
   * account) and the ELB health check, as an AMI refresh needs; without it groups launch as before.
   */
  launchTemplate?: { imageId: string; healthCheckGracePeriod?: number };
  /** Route 53 rate limit; default AWS's five requests per second per account. */
  route53RateLimit?: { burst: number; perSecond: number } | false;
  maxAttempts?: number;
  crashRate?: number;
  onInvocation?: (record: InvocationRecord) => void;
  /**
   * Create the SQS subscriptions of the alerts topic that the template declares (AWS::SNS::Subscription, protocol sqs:
   * the Slack queue). Off by default: their subscriber posts to the Slack URL its parameter holds, over the network.
   */
  subscriptions?: boolean;
  /** Parameter Store parameters of the account (e.g. the Slack webhook's SecureString). */
  parameters?: ParameterSpec[];
  /** EventBridge Scheduler: lose this scheduled invocation (a delivery that never arrives). */
  dropScheduled?: (schedule: SimSchedule, at: number) => boolean;
  onScheduledRun?: (run: ScheduledRun) => void;
}

export interface Simulation {
  clock: VirtualClock;
  account: SimAccount;
  lambda: LocalLambda;
  wiring: Wiring;
  config: FleetpilotConfig;
  /**
   * EventBridge Scheduler running the schedules the stack declares (sim/scheduler.ts). Not started: a scenario or
   * demo chapter that is about schedules calls `scheduler.start()`, so that the others keep their groups to
   * themselves.
   */
  scheduler: SimScheduler;
  /** Advance virtual time until no function runs and nothing is queued (checked every `stepMs`), at most `maxMs`. */
  settle(maxMs: number, stepMs?: number): Promise<boolean>;
  stop(): void;
}

export const targetGroupName = (arn: string): string => arn.split(':').pop()?.split('/')[1] ?? arn;

/** The security group of the stack's load balancers: the source of their traffic and health checks. */
export const LOAD_BALANCER_SECURITY_GROUP = 'fleetpilot-sim-load-balancers';
/** The port the stack's target groups receive traffic and health checks on (HealthCheckPort `traffic-port`). */
export const TARGET_PORT = 80;

/**
 * The stack's security groups (ELB user guide, "Security groups for your Application Load Balancer",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html: the
 * targets' groups accept the load balancer's group as the source on the listener/traffic port and the health-check
 * port). The load balancers' group admits HTTP and HTTPS from anywhere. The instances launch without naming groups
 * (the stack's launch templates name none), so they get their VPC's `default` group (Amazon VPC user guide, "Default
 * security groups for your VPCs"): declared here with AWS's own rule (all traffic from the group itself) plus TCP on
 * the target port from the load balancers' group. A scenario that revokes that rule blocks the health checks.
 */
export function stackSecurityGroups(): SecurityGroupSpec[] {
  return [
    {
      name: LOAD_BALANCER_SECURITY_GROUP,
      description: 'load balancers of the stack',
      ingress: [
        { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0', description: 'HTTP' },
        { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
      ],
    },
    {
      name: 'default',
      description: 'default VPC security group',
      ingress: [
        { protocol: '-1', sourceGroup: 'default' },
        {
          protocol: 'tcp',
          fromPort: TARGET_PORT,
          toPort: TARGET_PORT,
          sourceGroup: LOAD_BALANCER_SECURITY_GROUP,
          description: 'traffic and health checks from the load balancers',
        },
      ],
    },
  ];
}

/**
 * The account a deployment from `config` would run in. Every AWS::SQS::Queue that serverless.yml declares is created
 * (named by its logical id), so a queue and a function added to serverless.yml need nothing here.
 */
export function stackFromConfig(
  config: FleetpilotConfig,
  options: SimulationOptions,
  clock: VirtualClock,
  wiring: Pick<Wiring, 'queues'> & Partial<Pick<Wiring, 'alarms' | 'stackValues'>>,
): StackSpec {
  const azs = ['a', 'b', 'c'].map((suffix) => `${config.region}${suffix}`);
  const subnets = azs.map((az, i) => ({
    id: `subnet-0${(i + 1).toString().repeat(16)}`,
    availabilityZone: az,
    // /22: room for a 1,000-instance burst across three subnets (1,019 usable addresses each).
    cidr: `10.0.${(i + 1) * 4}.0/22`,
    mapPublicIp: true,
  }));
  const arns = [...new Set(config.services.flatMap((s) => s.targetGroups))];
  const account = arns[0]?.split(':')[4];
  return {
    clock,
    seed: options.seed,
    region: config.region,
    ...(account ? { accountId: account } : {}),
    subnets,
    ...(options.launchTemplate
      ? {
          images: [{ id: options.launchTemplate.imageId, name: 'fleetpilot-sim-base' }],
          launchTemplates: config.services.map((service) => ({
            name: `${service.autoScalingGroup}-lt`,
            imageId: options.launchTemplate?.imageId ?? '',
          })),
        }
      : {}),
    zones: Object.values(config.hostedZones).map((zone) => ({ id: zone.id, name: zone.domain, private: zone.private })),
    targetGroups: arns.map((arn) => ({
      name: targetGroupName(arn),
      arn,
      healthCheck: options.healthCheck ?? {
        path: '/healthz',
        intervalSeconds: 10,
        healthyThreshold: 3,
        unhealthyThreshold: 2,
        matcher: '200',
      },
      deregistrationDelaySeconds: options.deregistrationDelaySeconds ?? 300,
      sourceSecurityGroups: [LOAD_BALANCER_SECURITY_GROUP],
    })),
    securityGroups: stackSecurityGroups(),
    autoScalingGroups: config.services.map((service) => ({
      name: service.autoScalingGroup,
      minSize: 0,
      maxSize: options.maxSize ?? 10,
      desiredCapacity: options.initialCapacity ?? 0,
      subnetIds: subnets.map((s) => s.id),
      initialInstances: 'launch',
      ...(options.launchTemplate
        ? {
            launchTemplate: { name: `${service.autoScalingGroup}-lt`, version: '1' },
            healthCheckType: 'ELB' as const,
            healthCheckGracePeriod: options.launchTemplate.healthCheckGracePeriod ?? 300,
          }
        : {}),
      lifecycleHooks: [
        {
          name: service.lifecycle.hooks.launch[0] ?? 'fleetpilot-launch',
          transition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
          heartbeatTimeout: options.heartbeatTimeoutSeconds ?? 300,
          defaultResult: 'ABANDON',
        },
        {
          name: service.lifecycle.hooks.terminate[0] ?? 'fleetpilot-terminate',
          transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          heartbeatTimeout: options.heartbeatTimeoutSeconds ?? 300,
          defaultResult: 'CONTINUE',
        },
        ...(options.otherHooks ?? []),
      ],
    })),
    topics: [config.notifications.topicName],
    queues: wiring.queues.map((queue) => ({ name: queue.logicalId })),
    ...(wiring.alarms ? { alarms: wiring.alarms.map((declared) => declared.alarm) } : {}),
    ...(options.subscriptions
      ? { subscriptions: topicSubscriptions(config, wiring.stackValues?.resources ?? {}) }
      : {}),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.defaultApp ? { defaultApp: options.defaultApp } : {}),
    ...(options.route53RateLimit !== undefined ? { route53: { rateLimit: options.route53RateLimit } } : {}),
    ...loadBalancersFromConfig(config, account ?? DEFAULT_ACCOUNT, clock.now()),
  };
}

/** The account of a simulation whose config names no ARN (sim/account.ts's default). */
const DEFAULT_ACCOUNT = '123456789012';
/** How long the config's certificates have been issued when the simulation starts (of 395 days: 365 left). */
const CERTIFICATE_AGE_DAYS = 30;
const DAY_MS = 86_400_000;
const CONFIG_LOAD_BALANCER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/(app|net)\/([A-Za-z0-9-]{1,32})\/[0-9a-f]{16}$/;

/** A load balancer the config names: by ARN (siteDns, certificateWatch, targetHealth) or by name (siteDns). */
interface NamedLoadBalancer {
  name: string;
  arn?: string;
  type: 'application' | 'network';
  service: ServiceConfig;
}

function loadBalancersNamedBy(config: FleetpilotConfig): NamedLoadBalancer[] {
  const byName = new Map<string, NamedLoadBalancer>();
  for (const service of config.services) {
    const refs = [
      ...(service.siteDns ? [service.siteDns.loadBalancer] : []),
      ...(service.certificateWatch?.loadBalancers ?? []),
      ...(service.targetHealth?.targetGroups.map((t) => t.loadBalancer) ?? []),
    ];
    for (const ref of refs) {
      const match = CONFIG_LOAD_BALANCER_ARN.exec(ref);
      // Another region or account than the simulated one: not in this account.
      if (match && (match[1] !== config.region || (match[2] ?? '') !== (accountOf(config) ?? DEFAULT_ACCOUNT)))
        continue;
      const name = match?.[4] ?? ref;
      const known = byName.get(name);
      const type = match?.[3] === 'net' ? 'network' : 'application';
      if (!known) byName.set(name, { name, type, service, ...(match ? { arn: ref } : {}) });
      else if (match && !known.arn) byName.set(name, { ...known, arn: ref, type });
    }
  }
  return [...byName.values()];
}

const accountOf = (config: FleetpilotConfig): string | undefined =>
  config.services.flatMap((s) => s.targetGroups)[0]?.split(':')[4];

/** A stable ARN for a load balancer the config names by name only (its id: 16 hex of the name's hash). */
function arnFor(lb: NamedLoadBalancer, region: string, account: string): string {
  if (lb.arn) return lb.arn;
  const id = createHash('sha256').update(lb.name).digest('hex').slice(0, 16);
  return `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/${lb.type === 'application' ? 'app' : 'net'}/${lb.name}/${id}`;
}

/** The names a service's certificates cover: its site name, and the site's zone apex (www.example.com, example.com). */
function certificateNames(config: FleetpilotConfig, service: ServiceConfig): string[] {
  const site = service.site;
  const zone = site ? config.hostedZones[site.zone] : Object.values(config.hostedZones).find((z) => !z.private);
  const apex = zone?.domain.replace(/\.$/, '');
  const domain = site?.domain ?? `${service.name}.${apex ?? 'example.com'}`;
  return [...new Set([domain, ...(apex && domain.endsWith(`.${apex}`) ? [apex] : [])])];
}

/**
 * The site part of the stack a config describes: every load balancer the config names (siteDns.loadBalancer,
 * certificateWatch.loadBalancers, targetHealth's load balancer ARNs; one per name), in front of its service's target
 * groups — an Application Load Balancer with an HTTPS :443 listener whose default certificate is the service's first
 * certificate and an HTTP :80 listener redirecting to HTTPS (a network one with a TLS :443 listener) — and every
 * certificate the config names (services[].certificates, of this account and region) in ACM: Amazon-issued,
 * DNS-validated, issued 30 days before the start, covering the site name and its zone apex, in use by the load
 * balancers whose listeners serve it. Their validation records are written by `publishValidationRecords`.
 */
export function loadBalancersFromConfig(
  config: FleetpilotConfig,
  account: string,
  now: number,
): Pick<StackSpec, 'loadBalancers' | 'certificates'> {
  const named = loadBalancersNamedBy(config);
  const inUse = new Map<string, string[]>();
  const loadBalancers: LoadBalancerSpec[] = named.map((lb) => {
    const arn = arnFor(lb, config.region, account);
    const certificate = lb.service.certificates.find((c) => ownArn(c, config.region, account));
    if (certificate) inUse.set(certificate, [...(inUse.get(certificate) ?? []), arn]);
    const groups = lb.service.targetGroups
      .filter((tg) => tg.split(':')[3] === config.region && tg.split(':')[4] === account)
      .map(targetGroupName);
    const first = groups[0];
    const listeners: ListenerSpec[] =
      lb.type === 'network'
        ? certificate
          ? [{ protocol: 'TLS', port: 443, certificate, ...(first ? { defaultAction: { forwardTo: first } } : {}) }]
          : []
        : certificate
          ? [
              { protocol: 'HTTPS', port: 443, certificate, ...(first ? { defaultAction: { forwardTo: first } } : {}) },
              { protocol: 'HTTP', port: 80, defaultAction: { redirectToHttps: true } },
            ]
          : [{ protocol: 'HTTP', port: 80, ...(first ? { defaultAction: { forwardTo: first } } : {}) }];
    return {
      name: lb.name,
      arn,
      type: lb.type,
      listeners,
      targetGroups: groups,
      // The stack's load balancers' group, which the instances' group admits (stackSecurityGroups).
      ...(lb.type === 'application' ? { securityGroups: [LOAD_BALANCER_SECURITY_GROUP] } : {}),
    };
  });
  const certificates: CertificateSpec[] = [];
  const seen = new Set<string>();
  for (const service of config.services) {
    for (const arn of service.certificates) {
      if (seen.has(arn) || !ownArn(arn, config.region, account)) continue;
      seen.add(arn);
      const [domainName = '', ...subjectAlternativeNames] = certificateNames(config, service);
      certificates.push({
        arn,
        domainName,
        subjectAlternativeNames,
        validationMethod: 'DNS',
        notBefore: now - CERTIFICATE_AGE_DAYS * DAY_MS,
        inUseBy: inUse.get(arn) ?? [],
      });
    }
  }
  return { loadBalancers, certificates };
}

const ownArn = (arn: string, region: string, account: string): boolean => {
  const [, , , r, a] = arn.split(':');
  return r === region && a === account;
};

/**
 * Records the stack's owner made with it: each certificate's DNS validation CNAME in the configured public zone that
 * owns its name, as ACM asks when the certificate is requested. The site alias is not declared: the site check
 * creates it (with its ownership record) on its first run, as it does after a deployment.
 */
export function publishValidationRecords(account: SimAccount, config: FleetpilotConfig): void {
  const zones = Object.values(config.hostedZones).filter((z) => !z.private);
  const owner = (name: string) =>
    zones
      .filter((z) => `.${name.replace(/\.$/, '')}`.endsWith(`.${z.domain.replace(/\.$/, '')}`))
      .sort((a, b) => b.domain.length - a.domain.length)[0];
  for (const certificate of account.acm.view()) {
    for (const option of certificate.DomainValidationOptions ?? []) {
      const record = option.ResourceRecord;
      const zone = record?.Name ? owner(record.Name) : undefined;
      if (!record?.Name || !record.Value || !zone) continue;
      account.route53.putRecord(zone.id, {
        Name: record.Name,
        Type: 'CNAME',
        TTL: 300,
        ResourceRecords: [{ Value: record.Value }],
      });
    }
  }
}

/** The template's SQS subscriptions of the alerts topic (`TopicArn: !Ref AlertsTopic`, `Endpoint: !GetAtt <Queue>.Arn`). */
function topicSubscriptions(
  config: FleetpilotConfig,
  resources: Wiring['stackValues']['resources'],
): NonNullable<StackSpec['subscriptions']> {
  return Object.values(resources).flatMap((resource) => {
    const p = resource.Properties ?? {};
    const endpoint = p.Endpoint as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const topic = p.TopicArn as { Ref?: string } | undefined;
    const queue = endpoint?.['Fn::GetAtt']?.[0];
    if (resource.Type !== 'AWS::SNS::Subscription' || p.Protocol !== 'sqs' || topic?.Ref !== 'AlertsTopic' || !queue) {
      return [];
    }
    return [
      {
        topic: config.notifications.topicName,
        queue,
        ...(p.RawMessageDelivery === true ? { rawMessageDelivery: true } : {}),
        ...(p.FilterPolicy ? { filterPolicy: JSON.stringify(p.FilterPolicy) } : {}),
      },
    ];
  });
}

function wiringFor(options: SimulationOptions): Wiring {
  return readWiring(options.configFile ?? 'fleetpilot.example.yml', {
    stage: 'sim',
    ...(options.serverlessFile ? { serverlessFile: options.serverlessFile } : {}),
  });
}

export function startSimulation(options: SimulationOptions): Simulation {
  const clock = createVirtualClock({
    ...(options.start ? { start: options.start } : {}),
    seedMathRandom: `math:${options.seed}`,
  });
  try {
    const wiring = wiringFor(options);
    const account = createSimAccount(stackFromConfig(options.config, options, clock, wiring));
    publishValidationRecords(account, options.config);
    const lambda = new LocalLambda({
      account,
      wiring,
      config: options.config,
      seed: options.seed,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.crashRate ? { crashRate: options.crashRate } : {}),
      ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
    }).start();
    const scheduler = new SimScheduler({
      lambda,
      // The schedules a deployment of the config the simulation runs with declares (a scenario or chapter may have
      // changed the example's schedule section in memory): the same derivation serverless.yml's resources use.
      schedules: schedulesOf({
        functions: wiring.functions,
        stackValues: deriveStackValues(options.config, {
          configFile: wiring.stackValues.configFile,
          service: 'fleetpilot',
          stage: wiring.stage,
        }),
      }),
      accountId: account.accountId,
      region: account.region,
      ...(options.dropScheduled ? { drop: options.dropScheduled } : {}),
      ...(options.onScheduledRun ? { onRun: options.onScheduledRun } : {}),
    });
    return {
      clock,
      account,
      lambda,
      wiring,
      scheduler,
      config: options.config,
      async settle(maxMs, stepMs = 5_000) {
        // Let what was just started (an event in delivery, a capacity change) begin before looking for quiet.
        await clock.advance(1_000);
        // Quiet means: no function running or queued, and no lifecycle action waiting for an answer.
        return clock.runUntil(
          () => lambda.idle() && account.autoscaling.pendingActions().length === 0 && busyInstances(account) === 0,
          maxMs,
          stepMs,
        );
      },
      stop() {
        scheduler.stop();
        lambda.stop();
        clock.uninstall();
      },
    };
  } catch (error) {
    clock.uninstall();
    throw error;
  }
}

/** Instances between states (pending, shutting-down, or a lifecycle state other than InService). */
function busyInstances(account: SimAccount): number {
  const groups = account.autoscaling.view();
  const inGroupBusy = groups.flatMap((g) => g.instances).filter((i) => i.lifecycleState !== 'InService').length;
  const ec2Busy = account.ec2.list().filter((i) => i.state === 'pending' || i.state === 'shutting-down').length;
  const desiredGap = groups.reduce(
    (n, g) => n + Math.abs(g.desiredCapacity - g.instances.filter((i) => i.lifecycleState === 'InService').length),
    0,
  );
  return inGroupBusy + ec2Busy + desiredGap;
}
