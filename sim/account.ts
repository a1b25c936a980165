/**
 * The simulated AWS account: one region, the services fleetpilot calls, wired together.
 *
 * Create the virtual clock first (`createVirtualClock`), then `createSimAccount(stack)`, then
 * `attachSim(client, account)` for each real SDK client the code under test uses.
 */
import { AcmService, type CertificateSpec } from './acm';
import { type AppBehaviour, AppControls } from './apps';
import {
  type AutoScalingGroupSpec,
  AutoScalingService,
  type AutoScalingTiming,
  type HookResultRecord,
} from './autoscaling';
import type { VirtualClock } from './clock';
import { CloudWatchService, type MetricAlarmSpec } from './cloudwatch';
import { cloneData, isoSeconds, type ServiceName, type SimContext, type SimService, type TimerHandle } from './context';
import {
  Ec2Service,
  type Ec2Timing,
  type ImageSpec,
  type ImageTiming,
  type LaunchTemplateSpec,
  type SecurityGroupSpec,
  type SubnetSpec,
} from './ec2';
import { Elbv2Service, type TargetGroupSpec } from './elbv2';
import type { LoadBalancerSpec } from './elbv2-load-balancers';
import { isServiceException, SimConfigError, SimUnsupportedOperationError } from './errors';
import { EventBus, type EventListener, instanceIdOf, type SimEvent } from './events';
import { Faults } from './faults';
import type { SimEndpoint } from './plug';
import { SeededRandom } from './random';
import { type Route53Options, Route53Service, type ZoneSpec } from './route53';
import { type PublishedMessage, SnsService } from './sns';
import { type QueueSpec, SqsService } from './sqs';
import { type ParameterSpec, SsmService } from './ssm';

export interface CallRecord {
  service: ServiceName;
  operation: string;
  input: unknown;
  /** 'ok' or the error's name. */
  outcome: string;
  at: number;
}
export type CallListener = (call: CallRecord) => void;

export interface StackSpec {
  /** The virtual clock (must be installed before the account is created). */
  clock: VirtualClock;
  seed: number | string;
  accountId?: string;
  region?: string;
  subnets: SubnetSpec[];
  zones?: ZoneSpec[];
  targetGroups?: TargetGroupSpec[];
  /** Images that exist from the start (a base AMI); CreateImage adds more. */
  images?: ImageSpec[];
  /** Launch templates that exist from the start; a group whose `launchTemplate.name` names one launches from it. */
  launchTemplates?: LaunchTemplateSpec[];
  autoScalingGroups?: AutoScalingGroupSpec[];
  topics?: string[];
  queues?: QueueSpec[];
  /** App behaviour of instances unless told otherwise; default healthy. */
  defaultApp?: AppBehaviour;
  timing?: { ec2?: Ec2Timing & { images?: ImageTiming }; autoscaling?: AutoScalingTiming };
  route53?: Route53Options;
  /** CloudWatch metric alarms that exist from the start (the stack's AWS::CloudWatch::Alarm resources). */
  alarms?: MetricAlarmSpec[];
  /** Security groups that exist from the start (sim/ec2/security-groups.ts). */
  securityGroups?: SecurityGroupSpec[];
  /** Load balancers with their listeners (certificates) and the target groups they send to (by name). */
  loadBalancers?: LoadBalancerSpec[];
  /** SQS subscriptions of topics (by name): CloudFormation's AWS::SNS::Subscription with Protocol sqs. */
  subscriptions?: { topic: string; queue: string; rawMessageDelivery?: boolean; filterPolicy?: string }[];
  /** Parameter Store parameters that exist from the start (SecureString unless told). */
  parameters?: ParameterSpec[];
  /** ACM certificates that exist from the start (sim/acm.ts). */
  certificates?: CertificateSpec[];
}

export interface AccountSnapshot {
  time: string;
  instances: Array<{
    id: string;
    state: string;
    availabilityZone: string;
    subnetId: string;
    privateIp: string;
    launchTime: string;
    tags: Record<string, string>;
  }>;
  autoScalingGroups: ReturnType<AutoScalingService['view']>;
  hookResults: Array<Omit<HookResultRecord, 'at'> & { at: string }>;
  targetGroups: ReturnType<Elbv2Service['view']>;
  zones: ReturnType<Route53Service['view']>;
  published: Array<Omit<PublishedMessage, 'publishedAt'> & { publishedAt: string }>;
  queues: Array<{ url: string; waiting: number; deadLetters: number }>;
  events: Array<{ id: string; detailType: string; time: string; instanceId?: string }>;
}

export class SimAccount implements SimEndpoint {
  readonly accountId: string;
  readonly region: string;
  readonly clock: VirtualClock;
  readonly apps: AppControls;
  readonly ec2: Ec2Service;
  readonly elbv2: Elbv2Service;
  readonly autoscaling: AutoScalingService;
  readonly route53: Route53Service;
  readonly sns: SnsService;
  readonly sqs: SqsService;
  readonly acm: AcmService;
  readonly cloudWatch: CloudWatchService;
  readonly ssm: SsmService;
  readonly faults: Faults;
  readonly events: EventBus;
  private readonly services: Record<ServiceName, SimService>;
  private readonly requestIds: SeededRandom;

  constructor(spec: StackSpec) {
    this.clock = spec.clock;
    if (!(Date.now() === spec.clock.now())) {
      throw new SimConfigError('createSimAccount: the virtual clock is not installed (Date.now() is not virtual)');
    }
    this.accountId = spec.accountId ?? '123456789012';
    this.region = spec.region ?? 'eu-west-1';
    const root = new SeededRandom(spec.seed);
    const ids = root.fork('ids');
    const dice = root.fork('dice');
    const eventDice = root.fork('events');
    const faultDice = root.fork('faults');
    this.requestIds = root.fork('request-ids');
    const now = () => Date.now();
    this.events = new EventBus(eventDice, now);
    const ctx: SimContext = {
      accountId: this.accountId,
      region: this.region,
      now,
      ids,
      dice,
      events: this.events,
      schedule: (delayMs, fn) => setTimeout(fn, Math.max(0, delayMs)),
      cancel: (handle: TimerHandle | undefined) => {
        if (handle !== undefined) clearTimeout(handle);
      },
    };
    this.apps = new AppControls(spec.defaultApp);
    this.ec2 = new Ec2Service(ctx, this.apps, spec.subnets, spec.timing?.ec2, {
      images: spec.images ?? [],
      launchTemplates: spec.launchTemplates ?? [],
      securityGroups: spec.securityGroups ?? [],
    });
    this.elbv2 = new Elbv2Service(ctx, this.ec2, spec.targetGroups ?? [], spec.loadBalancers ?? []);
    this.autoscaling = new AutoScalingService(
      ctx,
      this.ec2,
      this.elbv2,
      spec.autoScalingGroups ?? [],
      spec.timing?.autoscaling,
    );
    this.route53 = new Route53Service(ctx, spec.zones ?? [], spec.route53, (zoneId, name) =>
      this.elbv2.loadBalancers.isAliasTarget(zoneId, name),
    );
    this.sns = new SnsService(ctx, spec.topics ?? []);
    this.sqs = new SqsService(ctx, spec.queues ?? []);
    // InUseBy is asked of the load balancers' listeners on every read (one source of truth).
    this.acm = new AcmService(ctx, this.route53, spec.certificates ?? [], this.elbv2.loadBalancers);
    // Its own id stream: alarms (declared by every stack) and their events leave the other services' ids unchanged.
    this.cloudWatch = new CloudWatchService({ ...ctx, ids: root.fork('cloudwatch') }, spec.alarms ?? []);
    this.cloudWatch.useMetricSource((namespace, metric, dimensions) =>
      this.elbv2.hostCountMetric(namespace, metric, dimensions),
    );
    this.autoscaling.refreshes.useAlarmStates((name) => this.cloudWatch.alarmState(name));
    this.ssm = new SsmService(ctx, spec.parameters ?? []);
    const sendMessage = this.sqs.operationHandler('SendMessage');
    this.sns.sqsSender = (queueArn, body, attributes) => {
      sendMessage?.({
        QueueUrl: this.sqs.urlOf(queueArn.split(':').pop() ?? ''),
        MessageBody: body,
        MessageAttributes: attributes,
      });
    };
    for (const subscription of spec.subscriptions ?? []) {
      this.sns.subscribe({
        topicArn: `arn:aws:sns:${this.region}:${this.accountId}:${subscription.topic}`,
        protocol: 'sqs',
        endpoint: `arn:aws:sqs:${this.region}:${this.accountId}:${subscription.queue}`,
        ...(subscription.rawMessageDelivery ? { rawMessageDelivery: true } : {}),
        ...(subscription.filterPolicy ? { filterPolicy: subscription.filterPolicy } : {}),
      });
    }
    this.faults = new Faults(faultDice, this.events);
    this.services = {
      ec2: this.ec2,
      autoScaling: this.autoscaling,
      elbv2: this.elbv2,
      route53: this.route53,
      sns: this.sns,
      sqs: this.sqs,
      acm: this.acm,
      cloudWatch: this.cloudWatch,
      ssm: this.ssm,
    };
  }

  private readonly callListeners = new Set<CallListener>();

  /** Observe every SDK call the account answers (after it is answered or refused); returns an unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** Subscribe to the account's EventBridge events; returns an unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    return this.events.on(listener);
  }

  /** Every event produced so far (before delivery faults). */
  emittedEvents(): SimEvent[] {
    return [...this.events.emitted];
  }

  newRequestId(): string {
    return this.requestIds.uuid();
  }

  /** Answer one SDK call: faults, latency, then the service. Used by the plug. */
  async invoke(
    service: ServiceName,
    operation: string,
    input: unknown,
  ): Promise<{ output: object; requestId: string }> {
    const handler = this.services[service].operationHandler(operation);
    if (!handler) throw new SimUnsupportedOperationError(service, operation);
    const requestId = this.newRequestId();
    const at = Date.now();
    const latency = this.faults.beforeCall(service, operation, at);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    try {
      const output = (await handler(cloneData(input))) as object;
      this.faults.calls.push({ service, operation, at, outcome: 'ok' });
      for (const listener of this.callListeners) listener({ service, operation, input, outcome: 'ok', at });
      return { output: cloneData(output), requestId };
    } catch (error) {
      const outcome = error instanceof Error ? error.name : 'error';
      this.faults.calls.push({ service, operation, at, outcome });
      for (const listener of this.callListeners) listener({ service, operation, input, outcome, at });
      if (isServiceException(error)) error.$metadata = { ...error.$metadata, requestId };
      throw error;
    }
  }

  /** A plain, deterministic view of the whole account for assertions. */
  snapshot(): AccountSnapshot {
    return {
      time: new Date(Date.now()).toISOString(),
      instances: this.ec2.list().map((instance) => ({
        id: instance.id,
        state: instance.state,
        availabilityZone: instance.availabilityZone,
        subnetId: instance.subnetId,
        privateIp: instance.privateIp,
        launchTime: new Date(instance.launchTime).toISOString(),
        tags: Object.fromEntries([...instance.tags.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      })),
      autoScalingGroups: this.autoscaling.view(),
      hookResults: this.autoscaling.hookResults.map((record) => ({ ...record, at: isoSeconds(record.at) })),
      targetGroups: this.elbv2.view(),
      zones: this.route53.view(),
      published: this.sns.published.map((message) => ({
        ...message,
        publishedAt: new Date(message.publishedAt).toISOString(),
      })),
      queues: this.sqs
        .view()
        .map((queue) => ({ url: queue.url, waiting: queue.waiting.length, deadLetters: queue.deadLetters.length })),
      events: this.events.emitted.map((event) => ({
        id: event.id,
        detailType: event['detail-type'],
        time: event.time,
        instanceId: instanceIdOf(event),
      })),
    };
  }
}

export const createSimAccount = (spec: StackSpec): SimAccount => new SimAccount(spec);
