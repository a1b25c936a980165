/**
 * A seeded corpus of malformed events, and a runner that plays each one through the real handler.
 *
 * Four event kinds, each grown from AWS's published samples in events/ (see events/README.md): the launch and the
 * terminate lifecycle action (EventBridge), the continuation message of the resume function and the DNS change
 * request of the Route 53 writer (both an SQS event, sqs-event.json, carrying an envelope). Every case applies one to
 * three seeded mutations to a valid base event: delete, retype or oversize a field, inject one, set a wrong account,
 * region, time, detail-type or source, unicode, deep nesting, huge strings, numbers as strings, arrays as objects, a
 * body that is not JSON, and so on. One seed gives one corpus.
 *
 * The runner answers AWS with aws-sdk-client-mock stubs over a one-instance world (in the configured group, waiting,
 * running, healthy) and checks, per case: the handler does not throw; a rejected event changes nothing in AWS and
 * sends nothing on a queue (no RegisterTargets, DeregisterTargets, CreateTags, DeleteTags, CompleteLifecycleAction,
 * RecordLifecycleActionHeartbeat, ChangeResourceRecordSets, SendMessage(Batch)); every problem a rejection reports
 * names a field; a notification stays far below SNS's 256 KB. A case the mutation did not break is "accepted": a
 * lifecycle event is then parked for a configured group only, and the parked step (as the resume function runs it)
 * only acts on that group, its target groups and the instance Auto Scaling vouches for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { makeDnsWriterHandler } from '../functions/dns-writer/handlers';
import type { LifecycleAction } from '../functions/lifecycle/action';
import { type LambdaContext, makeLifecycleHandler, makeResumeHandler } from '../functions/lifecycle/handlers';
import { LIFECYCLE_STEP, startProgress } from '../functions/lifecycle/progress';
import { createAllClients } from '../shared/aws/all-clients';
import { parseConfig } from '../shared/config/load';
import { envelope } from '../shared/continuation/envelope';
import { DNS_REQUEST_KIND, type DnsRequest } from '../shared/dns/request';
import type { Notification } from '../shared/notify/notifier';
import type { Clock } from '../shared/runtime/clock';
import type { HandlerDeps } from '../shared/runtime/deps';
import { createRandom, type SeededRandom } from './random';

export const CORPUS_KINDS = ['launch', 'terminate', 'resume', 'dns-writer'] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];

export interface CorpusCase {
  kind: CorpusKind;
  index: number;
  /** The mutations applied, e.g. ["retype detail.EC2InstanceId → number"]. */
  mutations: string[];
  event: unknown;
}

export type CorpusOutcome = 'rejected' | 'accepted' | 'ignored' | 'exception';

export interface CorpusResult {
  kind: CorpusKind;
  index: number;
  mutations: string[];
  outcome: CorpusOutcome;
  /** What broke an expectation of the corpus (empty: none). */
  violations: string[];
}

const REGION = 'us-west-2';
const ACCOUNT = '123456789012';
const GROUP = 'my-asg';
const INSTANCE = 'i-1234567890abcdef0';
const TG = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-http/0123456789abcdef`;
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/fleetpilot-continuations`;
const DNS_QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/fleetpilot-dns-changes`;
const ZONE = 'ZINTERNAL1';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fleetpilot-corpus`;
/** The corpus's "now": every base event is raised two seconds before it. */
export const CORPUS_NOW = Date.parse('2026-11-25T12:00:00.000Z');

const CONFIG = `
region: ${REGION}
notifications:
  topicName: alerts
hostedZones:
  internal: { id: ${ZONE}, domain: internal.example.com, private: true }
services:
  - name: web
    autoScalingGroup: ${GROUP}
    targetGroups: [${TG}]
    dns:
      ttl: 60
      records:
        - { name: "{instanceId}.web.internal.example.com", zone: internal }
    lifecycle:
      # The hook names of AWS's sample events (events/), owned here so that the samples are not ignored.
      hooks:
        launch: [my-lifecycle-hook, my-launch-lifecycle-hook]
        terminate: [my-lifecycle-hook, my-terminate-lifecycle-hook, my-termination-lifecycle-hook]
`;

/** Commands that change AWS, or hand work on (a rejected event must send none of them). */
export const MUTATING_COMMANDS = [
  'RegisterTargets',
  'DeregisterTargets',
  'CreateTags',
  'DeleteTags',
  'CompleteLifecycleAction',
  'RecordLifecycleActionHeartbeat',
  'ChangeResourceRecordSets',
  'SendMessage',
  'SendMessageBatch',
] as const;

// ---------------------------------------------------------------------------------------------------------------
// Base events: AWS's samples, made current and pointed at the configured group.

function sample<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8')) as T;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const LAUNCH_SAMPLES = [
  'autoscaling-launch-lifecycle-action',
  'autoscaling-launch-lifecycle-action-warm-pool',
  'autoscaling-launch-lifecycle-action-from-warm-pool',
  'autoscaling-launch-lifecycle-action-replace-root-volume',
];
const TERMINATE_SAMPLES = [
  'autoscaling-terminate-lifecycle-action',
  'autoscaling-terminate-lifecycle-action-to-warm-pool',
  'autoscaling-terminate-lifecycle-action-replace-root-volume',
];

function lifecycleBase(name: string, rng: SeededRandom): Record<string, Json> {
  const event = sample<Record<string, Json>>(name);
  const detail = event.detail as Record<string, Json>;
  event.time = new Date(CORPUS_NOW - 2000).toISOString();
  event.id = rng.uuid();
  detail.AutoScalingGroupName = GROUP;
  detail.EC2InstanceId = INSTANCE;
  detail.LifecycleActionToken = rng.uuid();
  return event;
}

const baseAction = (transition: 'launch' | 'terminate'): LifecycleAction => ({
  eventId: 'e-1',
  time: CORPUS_NOW - 2000,
  region: REGION,
  account: ACCOUNT,
  transition,
  groupName: GROUP,
  hookName: 'my-lifecycle-hook',
  instanceId: INSTANCE,
  token: '87654321-4321-4321-4321-210987654321',
  replaceRootVolume: false,
});

/** AWS's sample SQS record with `body`, one per event. */
function sqsBase(body: unknown): Record<string, Json> {
  const event = sample<{ Records: Record<string, Json>[] }>('sqs-event');
  const record = event.Records[0] ?? {};
  return { Records: [{ ...record, messageId: 'm-0', body: body as Json }] };
}

function resumeBody(rng: SeededRandom): Json {
  const progress = startProgress(baseAction(rng.chance(0.5) ? 'launch' : 'terminate'));
  return JSON.parse(JSON.stringify(envelope(LIFECYCLE_STEP, progress))) as Json;
}

function dnsBody(rng: SeededRandom): Json {
  const request: DnsRequest = {
    what: `web launch ${INSTANCE}`,
    service: 'web',
    changes: [
      {
        action: rng.chance(0.5) ? 'UPSERT' : 'DELETE',
        zoneId: ZONE,
        name: `${INSTANCE}.web.internal.example.com`,
        type: 'A',
        ttl: 60,
        values: ['10.0.1.23'],
      },
    ],
    answerTo: { queueUrl: QUEUE_URL, envelope: envelope(LIFECYCLE_STEP, { what: 'answer' }) },
  };
  return JSON.parse(JSON.stringify(envelope(DNS_REQUEST_KIND, request))) as Json;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations.

type Path = (string | number)[];

/** Every path into the value, down to a depth of 8 (a nested mutation goes deeper than anything else needs). */
function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (prefix.length >= 8) return out;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

const show = (path: Path) => (path.length === 0 ? '(root)' : path.join('.'));

function getAt(root: Json, path: Path): Json | undefined {
  let cur: Json | undefined = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, Json>)[p];
  }
  return cur;
}

/** Sets (or, with `remove`, deletes) the value at path; returns the new root (the root itself may be replaced). */
function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const parent = getAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object' || parent === undefined) return root;
  const key = path[path.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete (parent as Record<string, Json>)[key];
  } else if (Array.isArray(parent)) (parent as Record<number, Json>)[key as number] = value;
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

const UNICODE = [
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud83d\ude80\ud83d\udd25',
  'a\u0000b',
  '\ud800',
  'e\u0301\u0301\u0301',
  '\ufeffmy-asg',
  'my\u2011asg',
  'МОЙ-asg',
];

function nested(depth: number, leaf: Json, asArray: boolean): Json {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

function randomValue(rng: SeededRandom): Json {
  switch (rng.int(9)) {
    case 0:
      return null;
    case 1:
      return rng.int(2) === 0;
    case 2:
      return [-1, 0, 1e308, -0, 2 ** 53 + 1, 3.5][rng.int(6)] ?? 0;
    case 3:
      return '';
    case 4:
      return 'x'.repeat(1 + rng.int(2000));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return UNICODE[rng.int(UNICODE.length)] ?? '';
    default:
      return ['a', 1, null];
  }
}

const HUGE_SIZES = [256, 1024, 1600, 64 * 1024, 300 * 1024, 2 * 1024 * 1024];

type Mutator = (root: Json, rng: SeededRandom, kind: CorpusKind) => { root: Json; label: string };

const pickPath = (root: Json, rng: SeededRandom) => {
  const all = paths(root);
  return all[rng.int(all.length)] ?? [];
};

const mutators: Mutator[] = [
  (root, rng) => {
    const path = pickPath(root, rng);
    return { root: setAt(root, path, undefined), label: `delete ${show(path)}` };
  },
  (root, rng) => {
    const path = pickPath(root, rng);
    const value = randomValue(rng);
    return { root: setAt(root, path, value), label: `retype ${show(path)} → ${typeName(value)}` };
  },
  (root, rng) => {
    const stringPaths = paths(root).filter((p) => typeof getAt(root, p) === 'string');
    const path = stringPaths[rng.int(stringPaths.length)] ?? [];
    const size = HUGE_SIZES[rng.int(HUGE_SIZES.length)] ?? 256;
    const old = String(getAt(root, path) ?? '');
    return { root: setAt(root, path, old + 'z'.repeat(size)), label: `oversize ${show(path)} +${size}` };
  },
  (root, rng) => {
    const objects = paths(root).filter((p) => {
      const v = getAt(root, p);
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    });
    const path = objects[rng.int(objects.length)] ?? [];
    const key = ['__proto__', 'constructor', 'k'.repeat(5000), 'extra', 'toString', ''][rng.int(6)] ?? 'extra';
    const target = getAt(root, path) as Record<string, Json> | undefined;
    if (target !== null && typeof target === 'object')
      Object.defineProperty(target, key, {
        value: randomValue(rng),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return { root, label: `inject ${show(path)}.${key.slice(0, 20)}` };
  },
  (root, rng) => {
    const stringPaths = paths(root).filter((p) => typeof getAt(root, p) === 'string');
    const path = stringPaths[rng.int(stringPaths.length)] ?? [];
    const text = UNICODE[rng.int(UNICODE.length)] ?? '';
    return { root: setAt(root, path, text), label: `unicode ${show(path)}` };
  },
  (root, rng) => {
    const path = pickPath(root, rng);
    const depth = [10, 100, 500, 2000][rng.int(4)] ?? 10;
    return { root: setAt(root, path, nested(depth, 'deep', rng.chance(0.5))), label: `nest ${show(path)} ×${depth}` };
  },
  (root, rng) => {
    const candidates = paths(root).filter((p) => ['number', 'string'].includes(typeof getAt(root, p)));
    const path = candidates[rng.int(candidates.length)] ?? [];
    const v = getAt(root, path);
    const next: Json = typeof v === 'number' ? String(v) : Number.isNaN(Number(v)) ? 42 : Number(v);
    return { root: setAt(root, path, next), label: `number/string ${show(path)}` };
  },
  (root, rng) => {
    const containers = paths(root).filter((p) => {
      const v = getAt(root, p);
      return v !== null && typeof v === 'object';
    });
    const path = containers[rng.int(containers.length)] ?? [];
    const v = getAt(root, path);
    const next: Json = Array.isArray(v) ? Object.fromEntries(v.map((x, i) => [String(i), x])) : Object.values(v ?? {});
    return { root: setAt(root, path, next), label: `array/object ${show(path)}` };
  },
  (root, rng, kind) => reality(root, rng, kind),
];

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Wrong account, region, time, detail-type, source (lifecycle) or a broken body (SQS kinds). */
function reality(root: Json, rng: SeededRandom, kind: CorpusKind): { root: Json; label: string } {
  if (kind === 'launch' || kind === 'terminate') {
    // An earlier mutation may have made the event (or its detail) something else: then these set nothing.
    const isObject = (v: unknown): v is Record<string, Json> =>
      v !== null && typeof v === 'object' && !Array.isArray(v);
    const r: Record<string, Json> = isObject(root) ? root : {};
    const detail: Record<string, Json> = isObject(r.detail) ? r.detail : {};
    const choices: [string, () => void][] = [
      [
        'account 210987654321',
        () => {
          r.account = '210987654321';
        },
      ],
      [
        'region eu-west-1',
        () => {
          r.region = 'eu-west-1';
        },
      ],
      [
        'time +1 h',
        () => {
          r.time = new Date(CORPUS_NOW + 3600_000).toISOString();
        },
      ],
      [
        'time +30 y',
        () => {
          r.time = '2056-01-01T00:00:00Z';
        },
      ],
      [
        'time -49 h',
        () => {
          r.time = new Date(CORPUS_NOW - 49 * 3600_000).toISOString();
        },
      ],
      [
        'time -20 min',
        () => {
          r.time = new Date(CORPUS_NOW - 20 * 60_000).toISOString();
        },
      ],
      [
        'time +2 min',
        () => {
          r.time = new Date(CORPUS_NOW + 120_000).toISOString();
        },
      ],
      [
        'time offset +14:00',
        () => {
          r.time = '2026-11-26T02:00:00+14:00';
        },
      ],
      [
        'time year 0',
        () => {
          r.time = '0000-01-01T00:00:00Z';
        },
      ],
      [
        'time garbage',
        () => {
          r.time = 'yyyy-mm-ddThh:mm:ssZ';
        },
      ],
      [
        'detail-type swapped',
        () => {
          r['detail-type'] =
            kind === 'launch' ? 'EC2 Instance-terminate Lifecycle Action' : 'EC2 Instance-launch Lifecycle Action';
        },
      ],
      [
        'detail-type EC2 Instance Launch Successful',
        () => {
          r['detail-type'] = 'EC2 Instance Launch Successful';
        },
      ],
      [
        'source aws.ec2',
        () => {
          r.source = 'aws.ec2';
        },
      ],
      [
        'group of someone else',
        () => {
          detail.AutoScalingGroupName = 'other-asg';
        },
      ],
      [
        'transition TEST_NOTIFICATION',
        () => {
          detail.LifecycleTransition = 'autoscaling:TEST_NOTIFICATION';
        },
      ],
      [
        'event is a string',
        () => {
          root = 'EC2 Instance-launch Lifecycle Action';
        },
      ],
      [
        'event is an array',
        () => {
          root = [r];
        },
      ],
    ];
    const [label, apply] = choices[rng.int(choices.length)] ?? choices[0] ?? ['none', () => {}];
    apply();
    return { root, label };
  }
  const r = root as { Records?: { body?: Json }[] } | null;
  const first = Array.isArray(r?.Records) ? r.Records[0] : undefined;
  const record = first !== null && typeof first === 'object' ? first : undefined;
  const body = record?.body;
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  const parsed = (): object => {
    try {
      const value = JSON.parse(text) as unknown;
      return value !== null && typeof value === 'object' ? value : {};
    } catch {
      return {};
    }
  };
  const choices: [string, () => void][] = [
    [
      'body not JSON',
      () => {
        if (record) record.body = `${text}}`;
      },
    ],
    [
      'body truncated',
      () => {
        if (record) record.body = text.slice(0, rng.int(text.length));
      },
    ],
    [
      'body empty',
      () => {
        if (record) record.body = '';
      },
    ],
    [
      'body null',
      () => {
        if (record) record.body = null;
      },
    ],
    [
      'body JSON null',
      () => {
        if (record) record.body = 'null';
      },
    ],
    [
      'body 2 MB',
      () => {
        if (record) record.body = `${text}${' '.repeat(2 * 1024 * 1024)}`;
      },
    ],
    [
      'Records null',
      () => {
        root = { Records: null };
      },
    ],
    [
      'Records string',
      () => {
        root = { Records: 'x' };
      },
    ],
    [
      'no Records',
      () => {
        root = {};
      },
    ],
    [
      'event null',
      () => {
        root = null;
      },
    ],
    [
      'kind unknown',
      () => {
        if (record) record.body = JSON.stringify({ ...parsed(), kind: 'x.y' });
      },
    ],
    [
      'kind swapped',
      () => {
        if (record)
          record.body = JSON.stringify({
            ...parsed(),
            kind: kind === 'resume' ? DNS_REQUEST_KIND : LIFECYCLE_STEP,
          });
      },
    ],
    [
      'version 2',
      () => {
        if (record) record.body = JSON.stringify({ ...parsed(), v: 2 });
      },
    ],
  ];
  const [label, apply] = choices[rng.int(choices.length)] ?? choices[0] ?? ['none', () => {}];
  apply();
  return { root, label };
}

/**
 * The corpus of one kind: `count` cases, each a base event with one to three mutations. For the SQS kinds the body
 * is an object while mutating (so fields inside the envelope are mutated too) and serialised at the end, unless a
 * mutation made it a string already.
 */
export function generateCorpus(kind: CorpusKind, count: number, seed: number | string = 1): CorpusCase[] {
  const rng = createRandom(`${seed}:${kind}`);
  const cases: CorpusCase[] = [];
  for (let index = 0; index < count; index++) {
    let root: Json;
    if (kind === 'launch') root = lifecycleBase(LAUNCH_SAMPLES[rng.int(LAUNCH_SAMPLES.length)] ?? '', rng);
    else if (kind === 'terminate')
      root = lifecycleBase(TERMINATE_SAMPLES[rng.int(TERMINATE_SAMPLES.length)] ?? '', rng);
    else root = sqsBase(kind === 'resume' ? resumeBody(rng) : dnsBody(rng));
    const mutations: string[] = [];
    const n = 1 + rng.int(3);
    for (let m = 0; m < n; m++) {
      const mutate = mutators[rng.int(mutators.length)] ?? mutators[0];
      if (!mutate) break;
      const result = mutate(root, rng, kind);
      root = result.root;
      mutations.push(result.label);
    }
    if (kind === 'resume' || kind === 'dns-writer') {
      const records = (root as { Records?: unknown } | null)?.Records;
      if (Array.isArray(records)) {
        for (const record of records) {
          if (record && typeof record === 'object' && 'body' in record && typeof record.body === 'object') {
            (record as { body: unknown }).body = record.body === null ? null : JSON.stringify(record.body);
          }
        }
      }
    }
    cases.push({ kind, index, mutations, event: root });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// The runner.

interface Sent {
  name: string;
  input: Record<string, unknown>;
}

/** The mocked account: one instance in the configured group, waiting, running, healthy; every call is logged. */
function mockAccount() {
  const calls: Sent[] = [];
  const mocks = {
    asg: mockClient(AutoScalingClient),
    ec2: mockClient(EC2Client),
    elb: mockClient(ElasticLoadBalancingV2Client),
    r53: mockClient(Route53Client),
    sqs: mockClient(SQSClient),
  };
  const log =
    <O>(name: string, answer: (input: Record<string, unknown>) => O) =>
    async (input: Record<string, unknown>) => {
      calls.push({ name, input });
      return answer(input);
    };
  let lifecycleState = 'Pending:Wait';
  // Stubs are set once (re-stubbing per case would pile fakes up in sinon's sandbox); reset() clears the log.
  const reset = (transition: 'launch' | 'terminate') => {
    calls.length = 0;
    lifecycleState = transition === 'launch' ? 'Pending:Wait' : 'Terminating:Wait';
  };
  mocks.asg.on(CompleteLifecycleActionCommand).callsFake(log('CompleteLifecycleAction', () => ({})));
  mocks.asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(log('RecordLifecycleActionHeartbeat', () => ({})));
  mocks.asg.on(DescribeLifecycleHooksCommand).callsFake(
    log('DescribeLifecycleHooks', (input) => ({
      LifecycleHooks: [
        {
          LifecycleHookName: (input.LifecycleHookNames as string[] | undefined)?.[0],
          AutoScalingGroupName: GROUP,
          HeartbeatTimeout: 300,
        },
      ],
    })),
  );
  mocks.asg.on(DescribeAutoScalingInstancesCommand).callsFake(
    log('DescribeAutoScalingInstances', (input) => ({
      AutoScalingInstances: ((input.InstanceIds as string[] | undefined) ?? [])
        .filter((id) => id === INSTANCE)
        .map((id) => ({
          InstanceId: id,
          AutoScalingGroupName: GROUP,
          LifecycleState: lifecycleState,
          AvailabilityZone: 'us-west-2a',
          HealthStatus: 'HEALTHY',
          ProtectedFromScaleIn: false,
        })),
    })),
  );
  mocks.ec2.on(DescribeInstancesCommand).callsFake(
    log('DescribeInstances', (input) => {
      const filters = (input.Filters as { Name?: string; Values?: string[] }[] | undefined) ?? [];
      const ids = [
        ...(filters.find((f) => f.Name === 'instance-id')?.Values ?? []),
        ...((input.InstanceIds as string[]) ?? []),
      ];
      const instances = ids
        .filter((id) => id === INSTANCE)
        .map((id) => ({
          InstanceId: id,
          State: { Name: 'running' as const, Code: 16 },
          PrivateIpAddress: '10.0.1.23',
          Placement: { AvailabilityZone: 'us-west-2a' },
          Tags: [{ Key: 'aws:autoscaling:groupName', Value: GROUP }],
        }));
      return { Reservations: instances.length > 0 ? [{ Instances: instances }] : [] };
    }),
  );
  mocks.ec2.on(CreateTagsCommand).callsFake(log('CreateTags', () => ({})));
  mocks.ec2.on(DeleteTagsCommand).callsFake(log('DeleteTags', () => ({})));
  mocks.elb.on(RegisterTargetsCommand).callsFake(log('RegisterTargets', () => ({})));
  mocks.elb.on(DeregisterTargetsCommand).callsFake(log('DeregisterTargets', () => ({})));
  mocks.elb.on(DescribeTargetGroupsCommand).callsFake(
    log('DescribeTargetGroups', (input) => ({
      TargetGroups: ((input.TargetGroupArns as string[] | undefined) ?? []).map((arn) => ({
        TargetGroupArn: arn,
        Protocol: 'HTTP',
        Port: 80,
        HealthCheckProtocol: 'HTTP',
        HealthCheckPath: '/healthz',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 3,
      })),
    })),
  );
  mocks.elb.on(DescribeTargetHealthCommand).callsFake(
    log('DescribeTargetHealth', () => ({
      TargetHealthDescriptions: [{ Target: { Id: INSTANCE, Port: 80 }, TargetHealth: { State: 'healthy' } }],
    })),
  );
  mocks.r53.on(ChangeResourceRecordSetsCommand).callsFake(
    log('ChangeResourceRecordSets', () => ({
      ChangeInfo: { Id: 'c-1', Status: 'PENDING', SubmittedAt: new Date(0) },
    })),
  );
  mocks.r53
    .on(ListResourceRecordSetsCommand)
    .callsFake(log('ListResourceRecordSets', () => ({ ResourceRecordSets: [], IsTruncated: false, MaxItems: '100' })));
  mocks.sqs.on(SendMessageBatchCommand).callsFake(
    log('SendMessageBatch', (input) => ({
      Successful: ((input as unknown as SendMessageBatchCommandInput).Entries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: `msg-${e.Id}`,
        MD5OfMessageBody: 'x',
      })),
      Failed: [],
    })),
  );
  mocks.sqs.on(SendMessageCommand).callsFake(log('SendMessage', () => ({ MessageId: 'msg' })));
  const restore = () => {
    for (const m of Object.values(mocks)) m.restore();
  };
  return { calls, reset, restore };
}

/** A clock that moves only when the code sleeps. */
function corpusClock(): Clock & { set(ms: number): void } {
  let now = CORPUS_NOW;
  return {
    now: () => now,
    async sleep(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

/** "detail.EC2InstanceId: …", "body is not JSON", "Records: …", "(root): …": a problem that names what is wrong. */
const NAMES_A_FIELD = /^(\(root\)|[A-Za-z_$][\w$-]*(?:\.[^\s.:[\]]+|\[\d+\])*)(?::| )/;

const isMutating = (name: string) => (MUTATING_COMMANDS as readonly string[]).includes(name);

/** A parked action must agree with the deployment and the clock, and keep within the API's sizes. */
function actionViolations(body: string): string[] {
  const action = (JSON.parse(body) as { payload?: { action?: Partial<LifecycleAction> } }).payload?.action ?? {};
  const out: string[] = [];
  if (action.account !== ACCOUNT) out.push(`parked for account ${action.account}`);
  if (action.region !== REGION) out.push(`parked for region ${action.region}`);
  const time = action.time ?? Number.NaN;
  if (!(time <= CORPUS_NOW && time >= CORPUS_NOW - 48 * 3600_000)) out.push(`parked with time ${time}`);
  const caps: [keyof LifecycleAction, number][] = [
    ['token', 36],
    ['groupName', 255],
    ['hookName', 255],
    ['instanceId', 19],
    ['eventId', 128],
  ];
  for (const [field, cap] of caps) {
    if (String(action[field] ?? '').length > cap) out.push(`parked ${field} longer than ${cap}`);
  }
  return out;
}

export interface CorpusRunner {
  run(c: CorpusCase): Promise<CorpusResult>;
  /** Releases the aws-sdk-client-mock stubs. */
  close(): void;
}

export function createCorpusRunner(): CorpusRunner {
  const account = mockAccount();
  const clock = corpusClock();
  const sent: Notification[] = [];
  const deps: HandlerDeps = {
    config: parseConfig(CONFIG, 'corpus.yml'),
    clients: createAllClients({ region: REGION, maxAttempts: 1 }),
    notifier: {
      async notify(n) {
        sent.push(n);
      },
    },
    clock,
    continuationQueueUrl: QUEUE_URL,
    dnsQueueUrl: DNS_QUEUE_URL,
    log: new Logger({ logLevel: 'SILENT' }),
  };
  const handlers = {
    launch: makeLifecycleHandler('launch', deps),
    terminate: makeLifecycleHandler('terminate', deps),
    resume: makeResumeHandler(deps),
    dns: makeDnsWriterHandler({
      clients: { route53: deps.clients.route53, sqs: deps.clients.sqs },
      notifier: deps.notifier,
      clock,
      log: deps.log,
    }),
  };
  const context: LambdaContext = {
    getRemainingTimeInMillis: () => 120_000,
    invokedFunctionArn: FUNCTION_ARN,
  };
  const configuredGroups = new Set(deps.config.services.map((s) => s.autoScalingGroup));
  const configuredTargetGroups = new Set(deps.config.services.flatMap((s) => s.targetGroups));

  /** What an accepted action may touch: configured groups and target groups, and the instance Auto Scaling knows. */
  function scopeViolations(calls: readonly Sent[]): string[] {
    const out: string[] = [];
    for (const { name, input } of calls) {
      if (['RegisterTargets', 'DeregisterTargets'].includes(name)) {
        if (!configuredTargetGroups.has(String(input.TargetGroupArn))) out.push(`${name} on ${input.TargetGroupArn}`);
        const ids = ((input.Targets as { Id?: string }[] | undefined) ?? []).map((t) => t.Id);
        if (ids.some((id) => id !== INSTANCE)) out.push(`${name} of ${ids.join(',')}`);
      }
      if (['CompleteLifecycleAction', 'RecordLifecycleActionHeartbeat'].includes(name)) {
        if (!configuredGroups.has(String(input.AutoScalingGroupName)))
          out.push(`${name} on ${input.AutoScalingGroupName}`);
      }
      if (['CreateTags', 'DeleteTags'].includes(name)) {
        const ids = (input.Resources as string[] | undefined) ?? [];
        if (ids.some((id) => id !== INSTANCE)) out.push(`${name} on ${ids.join(',')}`);
      }
    }
    return out;
  }

  async function invoke(c: CorpusCase): Promise<{ result: unknown } | { error: unknown }> {
    try {
      if (c.kind === 'launch') return { result: await handlers.launch(c.event, context) };
      if (c.kind === 'terminate') return { result: await handlers.terminate(c.event, context) };
      if (c.kind === 'resume') return { result: await handlers.resume(c.event, context) };
      return { result: await handlers.dns(c.event) };
    } catch (error) {
      return { error };
    }
  }

  return {
    async run(c) {
      const transition = c.kind === 'terminate' ? 'terminate' : 'launch';
      account.reset(transition);
      clock.set(CORPUS_NOW);
      sent.length = 0;
      const violations: string[] = [];
      const answer = await invoke(c);
      const calls = [...account.calls];
      let outcome: CorpusOutcome;
      const invalidKinds = new Set(['lifecycle.event.invalid', 'dns.request.invalid']);
      const rejections = sent.filter((n) => invalidKinds.has(n.kind));
      if ('error' in answer) {
        outcome = 'exception';
        const e = answer.error as Error;
        violations.push(`threw ${e?.name}: ${String(e?.message).slice(0, 200)}`);
      } else if (c.kind === 'launch' || c.kind === 'terminate') {
        const status = (answer.result as { status?: string }).status;
        outcome = status === 'rejected' ? 'rejected' : status === 'ignored' ? 'ignored' : 'accepted';
      } else {
        // A message for a group the config no longer covers is dropped without a call: ignored.
        outcome = rejections.length > 0 ? 'rejected' : calls.length === 0 ? 'ignored' : 'accepted';
      }
      for (const n of sent) {
        const size = JSON.stringify(n).length;
        if (size > 64 * 1024) violations.push(`notification ${n.kind} of ${size} characters`);
      }
      if (outcome === 'rejected' || outcome === 'ignored') {
        const mutating = calls.filter((call) => isMutating(call.name)).map((call) => call.name);
        if (mutating.length > 0) violations.push(`${outcome} but called ${mutating.join(', ')}`);
        if (outcome === 'ignored' && calls.length > 0)
          violations.push(`ignored but called ${calls.map((x) => x.name).join(', ')}`);
        for (const n of rejections) {
          for (const [, problem] of n.facts) {
            if (!problem.startsWith('… and ') && !NAMES_A_FIELD.test(problem)) {
              violations.push(`problem names no field: ${problem.slice(0, 120)}`);
            }
          }
        }
        if (outcome === 'rejected' && rejections.length === 0) violations.push('rejected without a warning');
      }
      if (outcome === 'accepted') {
        violations.push(...scopeViolations(calls));
        if (c.kind === 'launch' || c.kind === 'terminate') {
          // Parked for the batch: one message to the continuation queue, for a configured group; then play that step.
          const batches = calls.filter((call) => call.name === 'SendMessageBatch');
          const entries = batches.flatMap((b) => (b.input.Entries as { MessageBody?: string }[] | undefined) ?? []);
          const body = entries[0]?.MessageBody ?? '{}';
          const group = (JSON.parse(body) as { payload?: { action?: { groupName?: string } } }).payload?.action
            ?.groupName;
          if (entries.length !== 1 || batches[0]?.input.QueueUrl !== QUEUE_URL)
            violations.push('accepted but not parked once');
          if (!configuredGroups.has(String(group))) violations.push(`parked for group ${group}`);
          violations.push(...actionViolations(body));
          account.reset(transition);
          try {
            await handlers.resume({ Records: [{ messageId: 'step-0', body }] }, context);
          } catch (error) {
            violations.push(`its step threw ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
          }
          violations.push(...scopeViolations(account.calls));
        }
      }
      return { kind: c.kind, index: c.index, mutations: c.mutations, outcome, violations };
    },
    close: account.restore,
  };
}

export interface CorpusSummary {
  kind: CorpusKind;
  total: number;
  outcomes: Record<CorpusOutcome, number>;
  /** Cases that broke an expectation, with what broke. */
  violations: CorpusResult[];
}

/** Generates and runs `perKind` cases of each kind; one seed gives one run. */
export async function runCorpus(
  options: { perKind: number; seed?: number | string; kinds?: readonly CorpusKind[] } = { perKind: 100 },
): Promise<CorpusSummary[]> {
  const runner = createCorpusRunner();
  const summaries: CorpusSummary[] = [];
  try {
    for (const kind of options.kinds ?? CORPUS_KINDS) {
      const summary: CorpusSummary = {
        kind,
        total: 0,
        outcomes: { rejected: 0, accepted: 0, ignored: 0, exception: 0 },
        violations: [],
      };
      for (const c of generateCorpus(kind, options.perKind, options.seed ?? 1)) {
        const result = await runner.run(c);
        summary.total += 1;
        summary.outcomes[result.outcome] += 1;
        if (result.violations.length > 0) summary.violations.push(result);
      }
      summaries.push(summary);
    }
  } finally {
    runner.close();
  }
  return summaries;
}
