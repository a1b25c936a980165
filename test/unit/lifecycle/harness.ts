/**
 * Shared arrangement for the lifecycle unit tests: a config, aws-sdk-client-mock stubs that answer from a small table
 * of instances (group, lifecycle state, EC2 state, addresses, tags, target health), a manual clock, and a driver that
 * delivers what the core parks in the continuation queue (and what it asks of the Route 53 writer) back to the resume
 * handler, the way SQS would: after the message's DelaySeconds, several messages due together in one batch.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type HandlerResult, makeLifecycleHandler, makeResumeHandler } from '../../../functions/lifecycle/handlers';
import { createAllClients } from '../../../shared/aws/all-clients';
import { parseConfig } from '../../../shared/config/load';
import type { Envelope } from '../../../shared/continuation/envelope';
import type { DnsOutcome, DnsRequest } from '../../../shared/dns/request';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { type LifecycleSample, loadEvent, SAMPLE_TIME, timedEvent } from '../../helpers/events';
import { type ManualClock, manualClock } from '../../helpers/manual-clock';
import { type RecordingNotifier, recordingNotifier } from '../../helpers/recording-notifier';

export const TG_HTTP = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web-http/0123456789abcdef';
export const TG_GRPC = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web-grpc/fedcba9876543210';
export const QUEUE_URL = 'https://sqs.us-west-2.amazonaws.com/123456789012/fleetpilot-continuations';
export const DNS_QUEUE_URL = 'https://sqs.us-west-2.amazonaws.com/123456789012/fleetpilot-dns-changes';
export const INSTANCE = 'i-1234567890abcdef0';
export const ZONE_INTERNAL = 'ZINTERNAL1';
export const ZONE_PUBLIC = 'ZPUBLIC1';
export const EVENT_TIME = Date.parse(SAMPLE_TIME);
/** pollIntervalSeconds, healthyTimeoutSeconds, … of the test config. */
export const POLL_S = 10;
export const HEALTHY_TIMEOUT_S = 600;
export const DRAIN_TIMEOUT_S = 300;
/** The target groups' health checks: every 10 s, healthy after 3 passes. */
export const HEALTHY_THRESHOLD_S = (3 - 1) * 10;

export const configYaml = (extra = '') => `
region: us-west-2
notifications:
  topicName: alerts
hostedZones:
  internal: { id: ${ZONE_INTERNAL}, domain: internal.example.com, private: true }
  public: { id: ${ZONE_PUBLIC}, domain: example.com }
services:
  - name: web
    autoScalingGroup: my-asg
    targetGroups: [${TG_HTTP}, ${TG_GRPC}]
    dns:
      ttl: 60
      records:
        - { name: "{instanceId}.web.internal.example.com", zone: internal }
        - { name: "{az}-{privateIpDashed}.web.internal.example.com", zone: internal }
        - { name: "{instanceId}.web.example.com", zone: public, value: publicIp }
    lifecycle:
      launch: { runningTimeoutSeconds: 120, healthyTimeoutSeconds: ${HEALTHY_TIMEOUT_S} }
      terminate: { drainTimeoutSeconds: ${DRAIN_TIMEOUT_S} }
      pollIntervalSeconds: ${POLL_S}
      hooks: { launch: [my-lifecycle-hook, my-launch-lifecycle-hook], terminate: [my-lifecycle-hook, my-terminate-lifecycle-hook, my-termination-lifecycle-hook] }
${extra}`;

export const mocks = {
  asg: mockClient(AutoScalingClient),
  ec2: mockClient(EC2Client),
  elb: mockClient(ElasticLoadBalancingV2Client),
  r53: mockClient(Route53Client),
  sqs: mockClient(SQSClient),
};

type State = `${TargetHealthStateEnum}`;
export interface HealthStep {
  state: State;
  reason?: string;
  description?: string;
}
/** What DescribeTargetHealth says of an instance in a target group; undefined: the group does not list it. */
export type HealthSpec = State | HealthStep | ((arn: string, now: number) => State | HealthStep | undefined);

export interface FakeInstance {
  /** The Auto Scaling group holding it and its lifecycle state; no group: DescribeAutoScalingInstances omits it. */
  group?: string;
  lifecycle?: string;
  /** EC2 state; undefined: DescribeInstances no longer knows it. */
  ec2?: string;
  privateIp?: string;
  publicIp?: string;
  az: string;
  tags: Tag[];
  health?: HealthSpec;
}

const world = new Map<string, FakeInstance>();
/** Every AWS command sent, in order, by name ("RegisterTargets", …). */
export const callLog: string[] = [];

const defaultInstance = (n = 0): FakeInstance => ({
  group: 'my-asg',
  lifecycle: 'Pending:Wait',
  ec2: 'running',
  privateIp: `10.0.1.${23 + n}`,
  publicIp: `203.0.113.${7 + n}`,
  az: 'us-west-2a',
  tags: [{ Key: 'aws:autoscaling:groupName', Value: 'my-asg' }],
  health: 'healthy',
});

/** Changes (or adds) an instance of the table; unset fields keep their value (or the default). */
export function instance(changes: Partial<FakeInstance> = {}, id = INSTANCE): FakeInstance {
  const current = world.get(id) ?? defaultInstance(world.size);
  const next = { ...current, ...changes };
  world.set(id, next);
  return next;
}

/** The n-th extra instance id (n < 10), e.g. i-0134567 89abcdef00. */
export const instanceId = (n: number) => `i-0${n}3456789abcdef00`;

/** Names of the mutating commands (calls that change AWS), for "nothing changed" checks. */
export const MUTATING = [
  'RegisterTargets',
  'DeregisterTargets',
  'CreateTags',
  'DeleteTags',
  'CompleteLifecycleAction',
  'RecordLifecycleActionHeartbeat',
  'ChangeResourceRecordSets',
] as const;
export const mutatingCalls = () => callLog.filter((name) => (MUTATING as readonly string[]).includes(name));

function logged<I, O>(name: string, answer: (input: I) => O): (input: I) => Promise<O> {
  return async (input) => {
    callLog.push(name);
    return answer(input);
  };
}

function healthOf(spec: HealthSpec | undefined, arn: string, now: number): HealthStep | undefined {
  const value = typeof spec === 'function' ? spec(arn, now) : spec;
  return typeof value === 'string' ? { state: value } : value;
}

export function resetMocks(clock?: ManualClock): void {
  for (const m of Object.values(mocks)) m.reset();
  world.clear();
  callLog.length = 0;
  instance({});
  const now = () => clock?.now() ?? EVENT_TIME;
  mocks.asg.on(CompleteLifecycleActionCommand).callsFake(logged('CompleteLifecycleAction', () => ({})));
  mocks.asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(logged('RecordLifecycleActionHeartbeat', () => ({})));
  mocks.asg.on(DescribeLifecycleHooksCommand).callsFake(
    logged('DescribeLifecycleHooks', (input: { LifecycleHookNames?: string[] }) => ({
      LifecycleHooks: [
        { LifecycleHookName: input.LifecycleHookNames?.[0], AutoScalingGroupName: 'my-asg', HeartbeatTimeout: 300 },
      ],
    })),
  );
  mocks.asg.on(DescribeAutoScalingInstancesCommand).callsFake(
    logged('DescribeAutoScalingInstances', (input: { InstanceIds?: string[] }) => ({
      AutoScalingInstances: (input.InstanceIds ?? []).flatMap((id) => {
        const i = world.get(id);
        return i?.group && i.lifecycle
          ? [
              {
                InstanceId: id,
                AutoScalingGroupName: i.group,
                LifecycleState: i.lifecycle,
                AvailabilityZone: i.az,
                HealthStatus: 'HEALTHY',
                ProtectedFromScaleIn: false,
              },
            ]
          : [];
      }),
    })),
  );
  mocks.ec2.on(DescribeInstancesCommand).callsFake(
    logged('DescribeInstances', (input: { Filters?: { Name?: string; Values?: string[] }[] }) => {
      const ids = input.Filters?.find((f) => f.Name === 'instance-id')?.Values ?? [];
      const instances = ids.flatMap((id) => {
        const i = world.get(id);
        return i?.ec2
          ? [
              {
                InstanceId: id,
                State: { Name: i.ec2 as 'running', Code: 16 },
                ...(i.privateIp ? { PrivateIpAddress: i.privateIp } : {}),
                ...(i.publicIp ? { PublicIpAddress: i.publicIp } : {}),
                Placement: { AvailabilityZone: i.az },
                Tags: i.tags,
              },
            ]
          : [];
      });
      return { Reservations: instances.length > 0 ? [{ Instances: instances }] : [] };
    }),
  );
  mocks.ec2.on(CreateTagsCommand).callsFake(logged('CreateTags', () => ({})));
  mocks.ec2.on(DeleteTagsCommand).callsFake(logged('DeleteTags', () => ({})));
  mocks.elb.on(RegisterTargetsCommand).callsFake(logged('RegisterTargets', () => ({})));
  mocks.elb.on(DeregisterTargetsCommand).callsFake(logged('DeregisterTargets', () => ({})));
  mocks.elb.on(DescribeTargetGroupsCommand).callsFake(
    logged('DescribeTargetGroups', (input: { TargetGroupArns?: string[] }) => ({
      TargetGroups: (input.TargetGroupArns ?? []).map((arn) => ({
        TargetGroupArn: arn,
        Protocol: 'HTTP',
        Port: 80,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPath: '/healthz',
        HealthCheckPort: 'traffic-port',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 3,
        Matcher: { HttpCode: '200' },
      })),
    })),
  );
  mocks.elb.on(DescribeTargetHealthCommand).callsFake(
    logged('DescribeTargetHealth', (input: { TargetGroupArn?: string }) => ({
      TargetHealthDescriptions: [...world].flatMap(([id, i]) => {
        const h = healthOf(i.health, input.TargetGroupArn ?? '', now());
        return h
          ? [
              {
                Target: { Id: id, Port: 80 },
                TargetHealth: {
                  State: h.state,
                  ...(h.reason ? { Reason: h.reason as 'Target.Timeout' } : {}),
                  ...(h.description ? { Description: h.description } : {}),
                },
              },
            ]
          : [];
      }),
    })),
  );
  mocks.sqs.on(SendMessageBatchCommand).callsFake(
    logged('SendMessageBatch', (input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `msg-${e.Id}`, MD5OfMessageBody: 'x' })),
      Failed: [],
    })),
  );
  mocks.sqs.on(SendMessageCommand).rejects(new Error('the lifecycle core sends with SendMessageBatch only'));
}

/** A message the core sent: its queue, its envelope and its delay. */
export interface Sent {
  queueUrl: string;
  envelope: Envelope;
  delaySeconds: number;
}

/** Every message sent with SendMessageBatch so far, in order. */
/**
 * The hand-offs of the event handlers (launch/terminate park the raw action for the batch): harness.launch() and
 * harness.terminate() deliver them at once, so the messages a test sees are those the core sent.
 */
const handOffs = new Set<string>();

export function sentMessages(): Sent[] {
  return mocks.sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => {
    const input = call.args[0].input;
    return (input.Entries ?? [])
      .filter((e) => !handOffs.has(e.MessageBody ?? ''))
      .map((e) => ({
        queueUrl: input.QueueUrl ?? '',
        envelope: JSON.parse(e.MessageBody ?? '{}') as Envelope,
        delaySeconds: e.DelaySeconds ?? 0,
      }));
  });
}

export const parkedMessages = () => sentMessages().filter((m) => m.queueUrl === QUEUE_URL);
export const dnsRequests = () =>
  sentMessages()
    .filter((m) => m.queueUrl === DNS_QUEUE_URL)
    .map((m) => {
      expect(m.envelope.kind).toBe('dns.change');
      return m.envelope.payload as DnsRequest;
    });

/** AWS's sample SQS event carrying the given bodies, message ids m-0, m-1, … */
export function sqsEvent(...bodies: string[]): SQSEvent {
  const record = loadEvent<SQSEvent>('sqs-event').Records[0];
  if (!record) throw new Error('sqs-event.json has no record');
  return { Records: bodies.map((body, i) => ({ ...record, body, messageId: `m-${i}` })) };
}

/** What the writer answers by default: every change applied. */
export const appliedAll = (request: DnsRequest): DnsOutcome => ({
  applied: request.changes.map((c) => c.name),
  gone: [],
  foreign: [],
  failed: [],
});

/** The writer's answer to a request, as the lifecycle.step envelope it would send back. */
export function answerOf(request: DnsRequest, outcome: DnsOutcome = appliedAll(request)): string {
  if (!request.answerTo) throw new Error(`request "${request.what}" asks for no answer`);
  return JSON.stringify({ ...request.answerTo.envelope, result: { dns: outcome } });
}

/** A launch sample event (AWS's) for an instance, timed at EVENT_TIME (or `time`). */
export function launchEvent(id = INSTANCE, name = 'autoscaling-launch-lifecycle-action', time = SAMPLE_TIME) {
  const event = timedEvent<LifecycleSample>(name, time);
  event.detail.EC2InstanceId = id;
  event.detail.LifecycleActionToken = `token-${id}`;
  event.id = `event-${id}`;
  return event;
}

export function terminateEvent(id = INSTANCE, name = 'autoscaling-terminate-lifecycle-action') {
  return launchEvent(id, name);
}

export interface Harness {
  deps: HandlerDeps;
  notifier: RecordingNotifier;
  clock: ManualClock;
  launch(event?: unknown, remainingMs?: number): Promise<HandlerResult>;
  terminate(event?: unknown): Promise<HandlerResult>;
  /** Delivers these bodies to the resume handler as one SQS batch; run() then ignores everything sent before. */
  resume(...bodies: string[]): ReturnType<ReturnType<typeof makeResumeHandler>>;
  /**
   * Plays SQS and the Route 53 writer until nothing is left to deliver (or `until` holds): parked messages come back
   * after their delay on the manual clock, messages due at the same moment in one batch; a DNS request with an
   * answerTo is answered at once with `writer(request)`. Returns the number of resume invocations.
   */
  run(options?: { writer?: (r: DnsRequest) => DnsOutcome; until?: () => boolean; maxSteps?: number }): Promise<number>;
}

export function harness(options: { dryRun?: boolean; startAt?: number } = {}): Harness {
  const config = parseConfig(configYaml(options.dryRun ? 'dryRun: true' : ''), 'test.yml');
  const clock = manualClock(options.startAt ?? EVENT_TIME + 2000);
  resetMocks(clock);
  const notifier = recordingNotifier();
  const deps: HandlerDeps = {
    config,
    clients: createAllClients({ region: 'us-west-2', maxAttempts: 1 }),
    notifier,
    clock,
    continuationQueueUrl: QUEUE_URL,
    dnsQueueUrl: DNS_QUEUE_URL,
    log: new Logger({ logLevel: 'SILENT' }),
  };
  const context = (remainingMs = 120_000) => {
    const end = clock.now() + remainingMs;
    return { getRemainingTimeInMillis: () => end - clock.now() };
  };
  // Built once, like a warm execution environment: the caches live as long as the harness.
  const launchHandler = makeLifecycleHandler('launch', deps);
  const terminateHandler = makeLifecycleHandler('terminate', deps);
  const resumeHandler = makeResumeHandler(deps);
  let delivered = 0;
  const pending: { dueAt: number; body: string }[] = [];
  // The core's outcome per action, as the resume handler logs it (debug level, one line per action).
  const outcomes = new Map<string, HandlerResult>();
  const debug = deps.log.debug.bind(deps.log);
  deps.log.debug = ((message: string, ...extra: unknown[]) => {
    const fields = extra[0] as { instanceId?: string; outcome?: HandlerResult } | undefined;
    if (message === 'lifecycle action handled' && fields?.instanceId && fields.outcome) {
      outcomes.set(fields.instanceId, fields.outcome);
    }
    return debug(message, ...(extra as []));
  }) as typeof deps.log.debug;
  /**
   * An event through its handler, which hands the action to the batch; the batch's first step runs at once in the
   * resume handler (as the continuation queue delivers it), and the action's outcome of that step is returned.
   */
  const throughBatch = async (
    handler: ReturnType<typeof makeLifecycleHandler>,
    event: unknown,
    remainingMs: number,
  ): Promise<HandlerResult> => {
    const before = mocks.sqs.commandCalls(SendMessageBatchCommand).length;
    const result = await handler(event, context(remainingMs));
    const calls = mocks.sqs.commandCalls(SendMessageBatchCommand).slice(before);
    if (result.status !== 'waiting' || calls.length !== 1) return result;
    const [call] = calls as [(typeof calls)[number]];
    const entry = call.args[0].input.Entries?.[0];
    handOffs.add(entry?.MessageBody ?? '');
    const id = (JSON.parse(entry?.MessageBody ?? '{}') as Envelope<{ action: { instanceId: string } }>).payload.action
      .instanceId;
    outcomes.delete(id);
    delivered = sentMessages().length;
    await resumeHandler(sqsEvent(entry?.MessageBody ?? ''), context(remainingMs));
    return outcomes.get(id) ?? { status: 'waiting', phase: 'start' };
  };
  return {
    deps,
    notifier,
    clock,
    launch: (event = launchEvent(), remainingMs = 900_000) => throughBatch(launchHandler, event, remainingMs),
    terminate: (event = terminateEvent()) => throughBatch(terminateHandler, event, 900_000),
    resume(...bodies) {
      // A test that delivers by hand has dealt with everything sent so far: run() picks up only what comes next.
      delivered = sentMessages().length;
      return resumeHandler(sqsEvent(...bodies), context());
    },
    async run({ writer = appliedAll, until = () => false, maxSteps = 200 } = {}) {
      let steps = 0;
      for (;;) {
        const sent = sentMessages();
        for (const m of sent.slice(delivered)) {
          if (m.queueUrl === QUEUE_URL) {
            pending.push({ dueAt: clock.now() + m.delaySeconds * 1000, body: JSON.stringify(m.envelope) });
          } else {
            const request = m.envelope.payload as DnsRequest;
            if (request.answerTo) pending.push({ dueAt: clock.now(), body: answerOf(request, writer(request)) });
          }
        }
        delivered = sent.length;
        if (pending.length === 0 || until()) return steps;
        if (steps >= maxSteps) throw new Error(`still running after ${maxSteps} resumes`);
        const dueAt = Math.min(...pending.map((p) => p.dueAt));
        const batch = pending.filter((p) => p.dueAt === dueAt);
        pending.splice(0, pending.length, ...pending.filter((p) => p.dueAt !== dueAt));
        clock.advance(Math.max(0, dueAt - clock.now()));
        await resumeHandler(sqsEvent(...batch.map((p) => p.body)), context());
        steps += 1;
      }
    },
  };
}

export const recordTags = (id = INSTANCE): Tag[] => [
  { Key: 'aws:autoscaling:groupName', Value: 'my-asg' },
  { Key: 'fleetpilot:dns:0', Value: `${ZONE_INTERNAL} ${id}.web.internal.example.com A 60 10.0.1.23` },
  { Key: 'fleetpilot:dns:1', Value: `${ZONE_INTERNAL} us-west-2a-10-0-1-23.web.internal.example.com A 60 10.0.1.23` },
  { Key: 'fleetpilot:dns:2', Value: `${ZONE_PUBLIC} ${id}.web.example.com A 60 203.0.113.7` },
];
