/**
 * The functions' wiring as serverless.yml declares it: handlers, timeouts, memory, environment, EventBridge patterns
 * and SQS sources, with the variables resolved the way `serverless package` resolves them. The simulated account's
 * event bus routes events with it, and test/template checks it against the packaged CloudFormation template, so the
 * local bus exercises the real wiring.
 *
 * Only the variable forms serverless.yml uses are resolved (see the list at the top of serverless.yml); any other
 * form throws, so a new form in serverless.yml cannot be silently misread.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { parse, type Tags } from 'yaml';
import type { ConfigFileChoice } from '../deploy/config-file';
import { type EventPattern, loadStackValues, type StackValues } from '../deploy/stack-values';

export type { EventPattern } from '../deploy/stack-values';
export { matchesEventPattern, UnsupportedPatternError } from './event-pattern';

export const SERVICE_DIR = resolve(__dirname, '..');
const CONFIG_BRIDGE = './deploy/config.cjs';
/** serverless's defaults when a function and the provider set neither (Serverless Framework docs, "Functions"). */
const DEFAULT_TIMEOUT_S = 6;
const DEFAULT_MEMORY_MB = 1024;

export interface HandlerRef {
  /** Module path relative to the service directory, without extension, e.g. functions/lifecycle/launch-handler. */
  module: string;
  /** The exported function's name, e.g. handler. */
  exportName: string;
}

/** An AWS::SQS::Queue of serverless.yml's resources, with the settings the simulated account honours. */
export interface QueueWiring {
  /** Its logical id (the simulated account names the queue by it). */
  logicalId: string;
  visibilityTimeoutSeconds?: number;
  delaySeconds?: number;
  maxReceiveCount?: number;
  deadLetterQueueLogicalId?: string;
}

/**
 * An `sqs` event of a function: an event source mapping (Lambda developer guide, "Lambda parameters for Amazon SQS
 * event source mappings" and "Configuring scaling behavior for SQS event source mappings").
 */
export interface SqsSourceWiring extends Omit<QueueWiring, 'logicalId'> {
  /** Logical id of the AWS::SQS::Queue in serverless.yml's resources. */
  queueLogicalId: string;
  /** Records per invocation at most: 1–10,000 for a standard queue (default 10). */
  batchSize: number;
  /** How long the poller gathers records before invoking, 0–300 s (default 0); at least 1 s when batchSize > 10. */
  maximumBatchingWindowSeconds: number;
  /** `functionResponseType: ReportBatchItemFailures`: the function may report the records that failed. */
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency (2–1,000): concurrent invocations this mapping may have; default none. */
  maximumConcurrency?: number;
}

export interface FunctionWiring {
  /** The function's key in serverless.yml, e.g. lifecycleLaunch. */
  name: string;
  handler: HandlerRef;
  timeoutSeconds: number;
  memoryMb: number;
  /** Provider and function environment merged; CloudFormation intrinsics stay objects ({ Ref: ... }). */
  environment: Record<string, unknown>;
  environmentKeys: string[];
  /** One per eventBridge event, fully resolved. */
  eventPatterns: EventPattern[];
  sqsSources: SqsSourceWiring[];
  /** `reservedConcurrency`: the most concurrent executions the function may have; default unreserved. */
  reservedConcurrency?: number;
}

/**
 * An AWS::CloudWatch::Alarm of serverless.yml's resources (its own or a capability's, through deploy/config.cjs), as
 * the PutMetricAlarm request CloudFormation makes of it (CloudFormation user guide, AWS::CloudWatch::Alarm: the
 * properties carry PutMetricAlarm's names). A `!Ref X` or `!GetAtt X.Attr` value reads as the logical id `X`, which is
 * how the simulated account names what serverless.yml declares.
 */
export interface AlarmWiring {
  logicalId: string;
  alarm: PutMetricAlarmCommandInput;
}

export interface Wiring {
  stage: string;
  /** The config file the stack is built from, chosen as deploy/config.cjs chooses it. */
  config: ConfigFileChoice;
  stackValues: StackValues;
  functions: FunctionWiring[];
  /** Every AWS::SQS::Queue declared in resources, in declaration order. */
  queues: QueueWiring[];
  /** Every AWS::CloudWatch::Alarm declared in resources, in declaration order. */
  alarms: AlarmWiring[];
}

export interface ReadWiringOptions {
  /** As `--stage`; default: provider.stage as serverless.yml declares it (`${opt:stage, 'dev'}` → dev). */
  stage?: string;
  /** As `--param name=value` (other than config, which is the first argument of readWiring). */
  params?: Record<string, string>;
  /** The environment (FLEETPILOT_CONFIG is honoured as serverless would); default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: the repository's serverless.yml. */
  serverlessFile?: string;
}

/**
 * Reads serverless.yml's functions with variables resolved.
 * @param configFile as `--param config=<path>` (relative to the service directory); default: the same choice a
 *   `serverless package` would make (FLEETPILOT_CONFIG, then fleetpilot.<stage>.yml, then the example for dev/test).
 */
export function readWiring(configFile?: string, options: ReadWiringOptions = {}): Wiring {
  const file = options.serverlessFile ?? join(SERVICE_DIR, 'serverless.yml');
  const doc: unknown = parse(readFileSync(file, 'utf8'), { customTags: cloudFormationTags });
  if (!isRecord(doc)) throw new WiringError(`${file} is not a YAML mapping`);

  const params = { ...(options.params ?? {}) };
  let loaded: ReturnType<typeof loadStackValues> | undefined;
  let stageValue: string | undefined;
  const resolver = new Resolver(doc, {
    opt: (address) => (address === 'stage' ? options.stage : undefined),
    param: (address) => params[address],
    sls: (address) => {
      if (address !== 'stage') throw new WiringError(`unsupported variable \${sls:${address}}`);
      return stage();
    },
    file: (path, address) => {
      if (path !== CONFIG_BRIDGE) throw new WiringError(`unsupported file variable \${file(${path})}`);
      loaded ??= loadStackValues({
        serviceDir: SERVICE_DIR,
        stage: stage(),
        service: String(resolver.at(['service'])),
        param: configFile,
        env: (options.env ?? process.env).FLEETPILOT_CONFIG,
      });
      return address === undefined ? loaded.values : getPath(loaded.values, address.split('.'));
    },
  });
  function stage(): string {
    stageValue ??= options.stage ?? String(resolver.at(['provider', 'stage']) ?? 'dev');
    return stageValue;
  }

  const provider = asRecord(resolver.at(['provider']), 'provider');
  const functions = asRecord(resolver.at(['functions']), 'functions');
  const queues = resourcesOfType(resolver, 'AWS::SQS::Queue');
  const result: FunctionWiring[] = Object.entries(functions).map(([name, raw]) => {
    const fn = asRecord(raw, `functions.${name}`);
    const environment = {
      ...asRecord(provider.environment ?? {}, 'provider.environment'),
      ...asRecord(fn.environment ?? {}, `functions.${name}.environment`),
    };
    const events = (fn.events ?? []) as unknown[];
    const reserved = fn.reservedConcurrency === undefined ? undefined : Number(fn.reservedConcurrency);
    if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 0)) {
      throw new WiringError(`functions.${name}.reservedConcurrency must be an integer >= 0`);
    }
    return {
      name,
      handler: handlerRef(String(fn.handler), name),
      timeoutSeconds: Number(fn.timeout ?? provider.timeout ?? DEFAULT_TIMEOUT_S),
      memoryMb: Number(fn.memorySize ?? provider.memorySize ?? DEFAULT_MEMORY_MB),
      environment,
      environmentKeys: Object.keys(environment),
      eventPatterns: events.flatMap((event) => {
        const eventBridge = isRecord(event) ? event.eventBridge : undefined;
        return isRecord(eventBridge) ? [asRecord(eventBridge.pattern, `functions.${name} eventBridge.pattern`)] : [];
      }) as EventPattern[],
      sqsSources: events.flatMap((event) => {
        const sqs = isRecord(event) ? event.sqs : undefined;
        return sqs === undefined ? [] : [sqsSource(sqs, queues, name)];
      }),
      ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
    };
  });
  if (!loaded) throw new WiringError('serverless.yml never read deploy/config.cjs');
  return {
    stage: stage(),
    config: loaded.choice,
    stackValues: loaded.values,
    functions: result,
    queues: [...queues].map(([logicalId, props]) => ({ logicalId, ...queueSettings(props) })),
    alarms: [...resourcesOfType(resolver, 'AWS::CloudWatch::Alarm')].map(([logicalId, props]) => ({
      logicalId,
      alarm: alarmInput(logicalId, props),
    })),
  };
}

export class WiringError extends Error {
  override readonly name = 'WiringError';
}

function handlerRef(handler: string, fn: string): HandlerRef {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new WiringError(`functions.${fn}.handler "${handler}" is not <module path>.<export name>`);
  }
  return { module: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function sqsSource(raw: unknown, queues: Map<string, Record<string, unknown>>, fn: string): SqsSourceWiring {
  const sqs = typeof raw === 'string' ? { arn: raw } : asRecord(raw, `functions.${fn} sqs event`);
  const queueLogicalId = getAttLogicalId(sqs.arn);
  if (!queueLogicalId) {
    throw new WiringError(`functions.${fn}: only SQS sources given as !GetAtt <Queue>.Arn are supported`);
  }
  const props = queues.get(queueLogicalId);
  if (!props) throw new WiringError(`functions.${fn}: queue ${queueLogicalId} is not declared in resources`);
  const types = Array.isArray(sqs.functionResponseType) ? sqs.functionResponseType : [sqs.functionResponseType];
  // serverless's default batch size for SQS events is 10, as the event source mapping's.
  const batchSize = Number(sqs.batchSize ?? 10);
  const window = Number(sqs.maximumBatchingWindow ?? 0);
  const maximumConcurrency = sqs.maximumConcurrency === undefined ? undefined : Number(sqs.maximumConcurrency);
  // The limits CreateEventSourceMapping enforces for a standard queue (Lambda developer guide, "Lambda parameters
  // for Amazon SQS event source mappings"; API reference, CreateEventSourceMapping and ScalingConfig).
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000)) {
    throw new WiringError(`functions.${fn}: sqs batchSize must be 1–10000, got ${String(sqs.batchSize)}`);
  }
  if (!(Number.isInteger(window) && window >= 0 && window <= 300)) {
    throw new WiringError(`functions.${fn}: sqs maximumBatchingWindow must be 0–300 s`);
  }
  if (batchSize > 10 && window < 1) {
    throw new WiringError(`functions.${fn}: an sqs batchSize above 10 needs a maximumBatchingWindow of at least 1 s`);
  }
  if (maximumConcurrency !== undefined && !(Number.isInteger(maximumConcurrency) && maximumConcurrency >= 2)) {
    throw new WiringError(`functions.${fn}: sqs maximumConcurrency must be 2–1000`);
  }
  if (maximumConcurrency !== undefined && maximumConcurrency > 1000) {
    throw new WiringError(`functions.${fn}: sqs maximumConcurrency must be 2–1000`);
  }
  return {
    queueLogicalId,
    batchSize,
    maximumBatchingWindowSeconds: window,
    reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
    ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}),
    ...queueSettings(props),
  };
}

function queueSettings(props: Record<string, unknown>): Omit<QueueWiring, 'logicalId'> {
  const redrive = isRecord(props.RedrivePolicy) ? props.RedrivePolicy : undefined;
  const deadLetterQueueLogicalId = redrive ? getAttLogicalId(redrive.deadLetterTargetArn) : undefined;
  return {
    ...optionalNumber('visibilityTimeoutSeconds', props.VisibilityTimeout),
    ...optionalNumber('delaySeconds', props.DelaySeconds),
    ...optionalNumber('maxReceiveCount', redrive?.maxReceiveCount),
    ...(deadLetterQueueLogicalId ? { deadLetterQueueLogicalId } : {}),
  };
}

function resourcesOfType(resolver: Resolver, type: string): Map<string, Record<string, unknown>> {
  const raw = resolver.at(['resources']);
  const blocks = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const found = new Map<string, Record<string, unknown>>();
  for (const block of blocks) {
    const resources = isRecord(block) && isRecord(block.Resources) ? block.Resources : {};
    for (const [id, resource] of Object.entries(resources)) {
      if (isRecord(resource) && resource.Type === type) {
        found.set(id, isRecord(resource.Properties) ? resource.Properties : {});
      }
    }
  }
  return found;
}

/** A CloudFormation value as text: plain strings and numbers as they are, `Ref` / `Fn::GetAtt` as the logical id. */
function cfnText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (isRecord(value) && typeof value.Ref === 'string') return value.Ref;
  const getAtt = isRecord(value) ? value['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return JSON.stringify(value);
}

function alarmInput(logicalId: string, props: Record<string, unknown>): PutMetricAlarmCommandInput {
  const text = (key: string) => (props[key] === undefined ? {} : { [key]: cfnText(props[key]) });
  const number = (key: string) => (props[key] === undefined ? {} : { [key]: Number(props[key]) });
  const list = (key: string) =>
    Array.isArray(props[key]) ? { [key]: (props[key] as unknown[]).map((item) => cfnText(item)) } : {};
  const dimensions = Array.isArray(props.Dimensions) ? props.Dimensions : [];
  return {
    // CloudFormation names an alarm without AlarmName after the stack and logical id; the sim uses the logical id.
    AlarmName: props.AlarmName === undefined ? logicalId : cfnText(props.AlarmName),
    ...text('AlarmDescription'),
    ...text('Namespace'),
    ...text('MetricName'),
    ...text('Statistic'),
    ...text('ExtendedStatistic'),
    ...text('ComparisonOperator'),
    ...text('TreatMissingData'),
    ...number('Period'),
    ...number('EvaluationPeriods'),
    ...number('DatapointsToAlarm'),
    ...number('Threshold'),
    ...(props.ActionsEnabled === undefined ? {} : { ActionsEnabled: String(props.ActionsEnabled) !== 'false' }),
    ...list('AlarmActions'),
    ...list('OKActions'),
    ...list('InsufficientDataActions'),
    ...(Array.isArray(props.Metrics) ? { Metrics: props.Metrics as PutMetricAlarmCommandInput['Metrics'] } : {}),
    ...(dimensions.length > 0
      ? {
          Dimensions: dimensions.map((dimension) => {
            const d = asRecord(dimension, `${logicalId}.Dimensions`);
            return { Name: cfnText(d.Name), Value: cfnText(d.Value) };
          }),
        }
      : {}),
  };
}

function optionalNumber<K extends string>(key: K, value: unknown): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: Number(value) }) as { [P in K]?: number };
}

function getAttLogicalId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Variables

type Sources = {
  opt: (address: string) => unknown;
  param: (address: string) => unknown;
  sls: (address: string) => unknown;
  file: (path: string, address: string | undefined) => unknown;
};

/** Resolves `${...}` in a document lazily, path by path (like serverless, `self:` may point anywhere in it). */
class Resolver {
  private readonly resolving = new Set<string>();
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly sources: Sources,
  ) {}

  /** The fully resolved value at a path of the document. */
  at(path: readonly string[]): unknown {
    const key = path.join('.');
    if (this.resolving.has(key)) throw new WiringError(`circular variable reference at ${key}`);
    this.resolving.add(key);
    try {
      let node: unknown = this.doc;
      for (const part of path) {
        node = this.value(node, key);
        if (!isRecord(node) && !Array.isArray(node)) return undefined;
        node = (node as Record<string, unknown>)[part];
      }
      return this.deep(node, key);
    } finally {
      this.resolving.delete(key);
    }
  }

  private deep(node: unknown, where: string): unknown {
    const value = this.value(node, where);
    if (Array.isArray(value)) return value.map((v) => this.deep(v, where));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v, where)]));
    return value;
  }

  /** Resolves the variables of one scalar (not of its children). */
  private value(node: unknown, where: string): unknown {
    if (typeof node !== 'string') return node;
    const whole = splitVariable(node, 0);
    if (!whole) return node;
    if (whole && whole.start === 0 && whole.end === node.length) return this.expression(whole.inner, where);
    let out = '';
    let at = 0;
    for (let v = splitVariable(node, at); v; v = splitVariable(node, at)) {
      const resolved = this.expression(v.inner, where);
      if (typeof resolved !== 'string' && typeof resolved !== 'number') {
        throw new WiringError(`\${${v.inner}} at ${where} is embedded in a string but is not a string`);
      }
      out += node.slice(at, v.start) + String(resolved);
      at = v.end;
    }
    return out + node.slice(at);
  }

  /** `source:address` with optional `, fallback` alternatives (literals or variables). */
  private expression(inner: string, where: string): unknown {
    for (const alternative of splitTopLevel(inner, ',')) {
      const value = this.single(alternative.trim(), where);
      if (value !== undefined && value !== null) return value;
    }
    throw new WiringError(`\${${inner}} at ${where} resolves to nothing`);
  }

  private single(text: string, where: string): unknown {
    const literal = /^(['"])(.*)\1$/.exec(text);
    if (literal) return literal[2];
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text.startsWith('${')) return this.value(text, where);
    const file = /^file\(([^)]+)\)(?::(.+))?$/.exec(text);
    if (file) return this.sources.file((file[1] ?? '').trim(), file[2]?.trim());
    const colon = text.indexOf(':');
    const source = text.slice(0, colon);
    const address = String(this.value(text.slice(colon + 1), where));
    switch (source) {
      case 'opt':
        return this.sources.opt(address);
      case 'param':
        return this.sources.param(address);
      case 'sls':
        return this.sources.sls(address);
      case 'self':
        return this.at(address.split('.'));
      default:
        throw new WiringError(
          `unsupported variable \${${text}} at ${where} (sim/wiring.ts resolves only the forms serverless.yml lists)`,
        );
    }
  }
}

/**
 * The first variable at or after `from`, honouring nested variables. Like serverless (lib/configuration/variables/
 * parse.js), only `${` followed by a lower-case source name starts a variable: `${AWS::Region}` in !Sub stays text.
 */
function splitVariable(text: string, from: number): { start: number; end: number; inner: string } | undefined {
  const opens = (i: number) => text.startsWith('${', i) && /[a-z]/.test(text[i + 2] ?? '');
  let start = -1;
  for (let i = from; i < text.length; i++) {
    if (opens(i)) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (opens(i)) {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return { start, end: i + 1, inner: text.slice(start + 2, i) };
    }
  }
  throw new WiringError(`unterminated variable in "${text}"`);
}

/** Splits on `separator` outside quotes, parentheses and nested variables. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '{' || ch === '(') {
      depth++;
    } else if (ch === '}' || ch === ')') {
      depth--;
    } else if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML

/** CloudFormation short-form intrinsics (!Ref, !GetAtt, !Sub, ...) read as their long JSON form, as serverless does. */
const intrinsicNames = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'Base64',
  'GetAZs',
  'Cidr',
  'Condition',
];
const cloudFormationTags: Tags = intrinsicNames.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const scalar = (value: string): unknown => ({ [key]: name === 'GetAtt' ? splitGetAtt(value) : value });
  return [
    { tag: `!${name}`, resolve: scalar },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }),
    },
  ];
}) as Tags;

function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf('.');
  return [value.slice(0, dot), value.slice(dot + 1)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new WiringError(`${where} is not a mapping`);
  return value;
}

function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const part of path) {
    if (!isRecord(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}
