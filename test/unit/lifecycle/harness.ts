/** Shared arrangement for the lifecycle unit tests: config, mocked clients, a manual clock and a Lambda context. */
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
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createAllClients } from '../../../shared/aws/all-clients';
import { parseConfig } from '../../../shared/config/load';
import type { HandlerDeps } from '../../../shared/runtime/deps';
import { SAMPLE_TIME } from '../../helpers/events';
import { type RecordingNotifier, recordingNotifier } from '../../helpers/recording-notifier';

export const TG_HTTP = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web-http/0123456789abcdef';
export const TG_GRPC = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/web-grpc/fedcba9876543210';
export const QUEUE_URL = 'https://sqs.us-west-2.amazonaws.com/123456789012/fleetpilot-continuations';
export const INSTANCE = 'i-1234567890abcdef0';
export const ZONE_INTERNAL = 'ZINTERNAL1';
export const ZONE_PUBLIC = 'ZPUBLIC1';

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
      launch: { runningTimeoutSeconds: 120, healthyTimeoutSeconds: 600 }
      terminate: { drainTimeoutSeconds: 300 }
      pollIntervalSeconds: 10
${extra}`;

export const mocks = {
  asg: mockClient(AutoScalingClient),
  ec2: mockClient(EC2Client),
  elb: mockClient(ElasticLoadBalancingV2Client),
  r53: mockClient(Route53Client),
  sqs: mockClient(SQSClient),
};

export interface Harness {
  deps: HandlerDeps;
  notifier: RecordingNotifier;
  clock: { now(): number; sleep(ms: number): Promise<void> };
  /** A Lambda context whose remaining time counts down on the harness clock. */
  context(remainingMs?: number): { getRemainingTimeInMillis(): number };
  advance(ms: number): void;
}

export function harness(options: { dryRun?: boolean; startAt?: number } = {}): Harness {
  const config = parseConfig(configYaml(options.dryRun ? 'dryRun: true' : ''), 'test.yml');
  let now = options.startAt ?? Date.parse(SAMPLE_TIME) + 2000;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  const notifier = recordingNotifier();
  return {
    deps: {
      config,
      clients: createAllClients({ region: 'us-west-2', maxAttempts: 1 }),
      notifier,
      clock,
      continuationQueueUrl: QUEUE_URL,
      log: new Logger({ logLevel: 'SILENT' }),
    },
    notifier,
    clock,
    context(remainingMs = 900_000) {
      const end = now + remainingMs;
      return { getRemainingTimeInMillis: () => end - now };
    },
    advance(ms) {
      now += ms;
    },
  };
}

export function resetMocks(): void {
  for (const m of Object.values(mocks)) m.reset();
  mocks.asg.on(CompleteLifecycleActionCommand).resolves({});
  mocks.asg.on(RecordLifecycleActionHeartbeatCommand).resolves({});
  mocks.asg.on(DescribeLifecycleHooksCommand).resolves({
    LifecycleHooks: [
      { LifecycleHookName: 'my-launch-lifecycle-hook', AutoScalingGroupName: 'my-asg', HeartbeatTimeout: 300 },
    ],
  });
  lifecycleState('Pending:Wait');
  instance({});
  mocks.ec2.on(CreateTagsCommand).resolves({});
  mocks.ec2.on(DeleteTagsCommand).resolves({});
  mocks.elb.on(RegisterTargetsCommand).resolves({});
  mocks.elb.on(DeregisterTargetsCommand).resolves({});
  mocks.elb.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [TG_HTTP, TG_GRPC].map((arn) => ({
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
  });
  health('healthy');
  mocks.r53.on(ChangeResourceRecordSetsCommand).resolves({
    ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date(0) },
  });
  records([]);
  mocks.sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
}

export function lifecycleState(state: string | undefined): void {
  mocks.asg.on(DescribeAutoScalingInstancesCommand).resolves({
    AutoScalingInstances: state
      ? [
          {
            InstanceId: INSTANCE,
            AutoScalingGroupName: 'my-asg',
            LifecycleState: state,
            AvailabilityZone: 'us-west-2a',
            HealthStatus: 'HEALTHY',
            ProtectedFromScaleIn: false,
          },
        ]
      : [],
  });
}

export function instance(options: {
  state?: string;
  privateIp?: string | null;
  publicIp?: string | null;
  tags?: Tag[];
}): void {
  mocks.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: INSTANCE,
            State: { Name: (options.state ?? 'running') as 'running', Code: 16 },
            ...(options.privateIp === null ? {} : { PrivateIpAddress: options.privateIp ?? '10.0.1.23' }),
            ...(options.publicIp === null ? {} : { PublicIpAddress: options.publicIp ?? '203.0.113.7' }),
            Placement: { AvailabilityZone: 'us-west-2a' },
            Tags: options.tags ?? [{ Key: 'aws:autoscaling:groupName', Value: 'my-asg' }],
          },
        ],
      },
    ],
  });
}

type State = `${TargetHealthStateEnum}`;
export interface HealthStep {
  state: State;
  reason?: string;
  description?: string;
}

/** Target health answered in order for both groups; the last step repeats. */
export function health(...steps: (State | HealthStep)[]): void {
  for (const arn of [TG_HTTP, TG_GRPC]) {
    let stub = mocks.elb.on(DescribeTargetHealthCommand, { TargetGroupArn: arn });
    steps.forEach((step, i) => {
      const s = typeof step === 'string' ? { state: step } : step;
      const output = {
        TargetHealthDescriptions: [
          {
            Target: { Id: INSTANCE, Port: 80 },
            TargetHealth: {
              State: s.state,
              ...(s.reason ? { Reason: s.reason as 'Target.Timeout' } : {}),
              ...(s.description ? { Description: s.description } : {}),
            },
          },
        ],
      };
      if (i === steps.length - 1) stub.resolves(output);
      else stub = stub.resolvesOnce(output);
    });
  }
}

export function records(sets: ResourceRecordSet[]): void {
  mocks.r53
    .on(ListResourceRecordSetsCommand)
    .callsFake((input: { StartRecordName?: string; StartRecordType?: string }) => {
      const wanted = `${input.StartRecordName}.`;
      const found = sets.filter((s) => s.Name === wanted && s.Type === input.StartRecordType);
      return Promise.resolve({ ResourceRecordSets: found, IsTruncated: false, MaxItems: 1 });
    });
}

export const recordTags = (): Tag[] => [
  { Key: 'aws:autoscaling:groupName', Value: 'my-asg' },
  { Key: 'fleetpilot:dns:0', Value: `${ZONE_INTERNAL} ${INSTANCE}.web.internal.example.com A 60 10.0.1.23` },
  { Key: 'fleetpilot:dns:1', Value: `${ZONE_INTERNAL} us-west-2a-10-0-1-23.web.internal.example.com A 60 10.0.1.23` },
  { Key: 'fleetpilot:dns:2', Value: `${ZONE_PUBLIC} ${INSTANCE}.web.example.com A 60 203.0.113.7` },
];

export const routeSet = (name: string, value: string): ResourceRecordSet => ({
  Name: `${name}.`,
  Type: 'A',
  TTL: 60,
  ResourceRecords: [{ Value: value }],
});
