/**
 * Local Lambda: runs fleetpilot's real handlers on the simulated account, wired exactly as serverless.yml wires them.
 *
 * - EventBridge: every event the account emits is matched against each function's rule patterns (read back from
 *   serverless.yml by sim/wiring.ts) and invoked asynchronously.
 * - Asynchronous invocation semantics (Lambda developer guide, "How Lambda handles errors and retries with
 *   asynchronous invocation"): on a function error Lambda retries twice, about one minute and then two minutes
 *   later; after the last attempt the event goes to the on-failure destination (here: `deadLetters`).
 * - SQS event source (Lambda developer guide, "Using Lambda with Amazon SQS"): due messages are polled every
 *   second, one per batch; a failed item becomes visible again after the queue's visibility timeout and moves to the
 *   dead-letter queue after maxReceiveCount receives (the queue's redrive policy).
 * - Execution environments: each concurrent invocation runs in its own warm or new sandbox (own handler, own SDK
 *   clients); a sandbox that timed out or crashed is discarded.
 * - Timeouts: an invocation still running at its function's timeout counts as failed and is retried. (Its promise
 *   cannot be frozen the way Lambda freezes a sandbox; its later AWS calls fail as if the sandbox were gone.)
 * - Crashes: `crashRate` makes a first attempt die at one of its first eight AWS calls: that call and every later
 *   call of the same invocation fail, as if the process had exited. Lambda then retries the event in a fresh
 *   sandbox, which runs clean, so a crash tests recovery rather than exhausting the retries.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { logicalIds } from '../deploy/stack-values';
import { type AnyHandler, factoryFor } from '../functions/registry';
import { type AwsClients, createClients } from '../shared/aws/clients';
import type { FleetpilotConfig } from '../shared/config/schema';
import { createSnsNotifier } from '../shared/notify/notifier';
import { systemClock } from '../shared/runtime/clock';
import type { HandlerDeps } from '../shared/runtime/deps';
import type { SimAccount } from './account';
import { SimulatedCrashError } from './errors';
import type { SimEvent } from './events';
import { attachSim } from './plug';
import { SeededRandom } from './random';
import type { QueuedMessage } from './sqs';
import { sqsRecordFor } from './sqs-event';
import { type FunctionWiring, matchesEventPattern, type Wiring } from './wiring';

/** Lambda's async retry delays (approximate, per the developer guide). */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
const SQS_POLL_MS = 1_000;

export type InvocationOutcome = 'ok' | 'error' | 'timeout' | 'crash';

export interface InvocationRecord {
  fn: string;
  trigger: 'eventbridge' | 'sqs';
  /** EventBridge event id or SQS message id. */
  sourceId: string;
  instanceId?: string;
  attempt: number;
  startedAt: number;
  endedAt: number;
  outcome: InvocationOutcome;
  result?: unknown;
  error?: string;
}

export interface DeadLetter {
  fn: string;
  sourceId: string;
  reason: string;
  payload: unknown;
}

export interface LocalLambdaOptions {
  account: SimAccount;
  wiring: Wiring;
  config: FleetpilotConfig;
  seed: number | string;
  /** SDK attempts per call (default: the client factory's). */
  maxAttempts?: number;
  /** Probability that a first attempt dies at one of its first AWS calls (retries run clean). */
  crashRate?: number;
  /** Powertools log level for the handlers; default SILENT. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  onInvocation?: (record: InvocationRecord) => void;
}

interface InvocationScope {
  calls: number;
  killAt?: number;
  dead: boolean;
}

interface Deployed {
  wiring: FunctionWiring;
  /** Warm execution environments not running an invocation now (each with its own SDK clients). */
  idle: AnyHandler[];
  coldStarts: number;
}

export class LocalLambda {
  readonly invocations: InvocationRecord[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly functions: Deployed[];
  private readonly scope = new AsyncLocalStorage<InvocationScope>();
  private readonly dice: SeededRandom;
  private readonly receiveCounts = new Map<string, number>();
  private inFlight = 0;
  private pendingRetries = 0;
  private unsubscribe?: () => void;
  private poller?: ReturnType<typeof setInterval>;
  private restoreSetTimeout?: () => void;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: LocalLambdaOptions) {
    this.dice = new SeededRandom(`lambda:${options.seed}`);
    this.functions = options.wiring.functions.map((fn) => ({
      wiring: fn,
      idle: [],
      coldStarts: 0,
    }));
  }

  /** Subscribes to the account's events and starts polling the SQS event sources. */
  start(): this {
    this.bindTimersToInvocations();
    this.unsubscribe = this.options.account.onEvent((event) => this.onEvent(event));
    this.poller = setInterval(() => this.pollQueues(), SQS_POLL_MS);
    return this;
  }

  /**
   * Releases everything `start()` and the invocations enabled: the event subscription, the SQS poller, the timers it
   * scheduled (retries), the patched global setTimeout, and the AsyncLocalStorage (an enabled one stays in Node's
   * async-hook list for the life of the process and slows every later async operation down). Safe to call twice.
   */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.restoreSetTimeout?.();
    this.restoreSetTimeout = undefined;
    this.scope.disable();
  }

  /** A timer `stop()` cancels if it has not fired yet. */
  private later(delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Nothing running, no retry scheduled and no message waiting in an event-source queue. */
  idle(): boolean {
    if (this.inFlight > 0 || this.pendingRetries > 0) return false;
    const waiting = this.options.account.sqs.view();
    return this.sourceQueues().every(({ url }) => (waiting.find((q) => q.url === url)?.waiting.length ?? 0) === 0);
  }

  queueUrl(logicalId: string): string {
    return this.options.account.sqs.urlOf(logicalId);
  }

  // ---------------------------------------------------------------- wiring

  /**
   * A new execution environment: the handler built from the registry with its own SDK clients, as a Lambda sandbox
   * builds its own at cold start. Concurrent invocations therefore do not share clients (or their retry quota).
   */
  private coldStart(fn: Deployed): AnyHandler {
    fn.coldStarts += 1;
    return factoryFor(`${fn.wiring.handler.module}.${fn.wiring.handler.exportName}`)(this.depsFor(fn.wiring));
  }

  /** Cold starts per function so far. */
  coldStarts(): Record<string, number> {
    return Object.fromEntries(this.functions.map((fn) => [fn.wiring.name, fn.coldStarts]));
  }

  private depsFor(fn: FunctionWiring): HandlerDeps {
    const { account, config } = this.options;
    const clients = createClients({
      region: account.region,
      ...(this.options.maxAttempts ? { maxAttempts: this.options.maxAttempts } : {}),
    });
    for (const client of [clients.ec2, clients.autoScaling, clients.elbv2, clients.route53, clients.sns, clients.sqs]) {
      this.addCrashPoint(client);
    }
    attachSim(clients.ec2, account);
    attachSim(clients.autoScaling, account);
    attachSim(clients.elbv2, account);
    attachSim(clients.route53, account);
    attachSim(clients.sns, account);
    attachSim(clients.sqs, account);
    const topicArn = this.resolveEnv(fn, 'FLEETPILOT_TOPIC_ARN');
    return {
      config,
      clients,
      notifier: createSnsNotifier(clients.sns, topicArn),
      clock: systemClock,
      continuationQueueUrl: this.resolveEnv(fn, 'FLEETPILOT_CONTINUATION_QUEUE_URL'),
      log: new Logger({ serviceName: `fleetpilot-${fn.name}`, logLevel: this.options.logLevel ?? 'SILENT' }),
    };
  }

  /** Environment values are `{ Ref: LogicalId }` in serverless.yml: topics resolve by name, queues by logical id. */
  private resolveEnv(fn: FunctionWiring, key: string): string {
    const value = fn.environment[key];
    const ref = (value as { Ref?: unknown } | undefined)?.Ref;
    if (typeof value === 'string') return value;
    if (typeof ref !== 'string') throw new Error(`${fn.name}: environment ${key} is neither a string nor a Ref`);
    if (ref === logicalIds.topic) {
      const arn = this.options.account.sns
        .topicArns()
        .find((a) => a.endsWith(`:${this.options.config.notifications.topicName}`));
      if (!arn) throw new Error(`the simulated account has no topic ${this.options.config.notifications.topicName}`);
      return arn;
    }
    return this.queueUrl(ref);
  }

  private sourceQueues(): { fn: Deployed; url: string; maxReceiveCount: number; visibilityMs: number }[] {
    return this.functions.flatMap((fn) =>
      fn.wiring.sqsSources.map((source) => ({
        fn,
        url: this.queueUrl(source.queueLogicalId),
        maxReceiveCount: source.maxReceiveCount ?? Number.POSITIVE_INFINITY,
        visibilityMs: (source.visibilityTimeoutSeconds ?? 30) * 1000,
      })),
    );
  }

  // ---------------------------------------------------------------- EventBridge

  private onEvent(event: SimEvent): void {
    for (const fn of this.functions) {
      if (fn.wiring.eventPatterns.some((pattern) => matchesEventPattern(pattern, event))) {
        void this.invokeAsync(fn, event, 1);
      }
    }
  }

  private async invokeAsync(fn: Deployed, event: SimEvent, attempt: number): Promise<void> {
    const record = await this.invoke(
      fn,
      'eventbridge',
      event.id,
      event.detail.EC2InstanceId,
      attempt,
      structuredClone(event),
    );
    if (record.outcome === 'ok') return;
    const delay = ASYNC_RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined) {
      this.deadLetters.push({
        fn: fn.wiring.name,
        sourceId: event.id,
        reason: record.error ?? record.outcome,
        payload: event,
      });
      return;
    }
    this.pendingRetries += 1;
    this.later(delay, () => {
      this.pendingRetries -= 1;
      void this.invokeAsync(fn, event, attempt + 1);
    });
  }

  // ---------------------------------------------------------------- SQS

  private pollQueues(): void {
    for (const source of this.sourceQueues()) {
      for (const message of this.options.account.sqs.takeDue(source.url)) {
        void this.deliver(source, message);
      }
    }
  }

  private async deliver(
    source: ReturnType<LocalLambda['sourceQueues']>[number],
    message: QueuedMessage,
  ): Promise<void> {
    const received = (this.receiveCounts.get(message.messageId) ?? 0) + 1;
    this.receiveCounts.set(message.messageId, received);
    const event: SQSEvent = { Records: [sqsRecordFor(message, source.url, this.options.account.region, received)] };
    const instanceId = message.attributes.instanceId?.StringValue;
    const record = await this.invoke(source.fn, 'sqs', message.messageId, instanceId, received, event);
    const failedItems = (record.result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures ?? [];
    if (record.outcome === 'ok' && failedItems.length === 0) {
      this.receiveCounts.delete(message.messageId);
      return;
    }
    if (received >= source.maxReceiveCount) {
      this.options.account.sqs.deadLetter(source.url, message);
      this.deadLetters.push({
        fn: source.fn.wiring.name,
        sourceId: message.messageId,
        reason: record.error ?? 'batch item failure',
        payload: message.body,
      });
      return;
    }
    this.options.account.sqs.returnToQueue(source.url, message, Date.now() + source.visibilityMs);
  }

  // ---------------------------------------------------------------- one invocation

  private async invoke(
    fn: Deployed,
    trigger: InvocationRecord['trigger'],
    sourceId: string,
    instanceId: string | undefined,
    attempt: number,
    payload: unknown,
  ): Promise<InvocationRecord> {
    this.inFlight += 1;
    const handler = fn.idle.pop() ?? this.coldStart(fn);
    const startedAt = Date.now();
    const timeoutMs = fn.wiring.timeoutSeconds * 1000;
    const scope: InvocationScope = {
      calls: 0,
      dead: false,
      ...(attempt === 1 && this.dice.chance(this.options.crashRate ?? 0) ? { killAt: 1 + this.dice.int(8) } : {}),
    };
    const context = {
      functionName: fn.wiring.name,
      awsRequestId: `${fn.wiring.name}-${sourceId}-${attempt}`,
      getRemainingTimeInMillis: () => Math.max(0, startedAt + timeoutMs - Date.now()),
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let outcome: { outcome: InvocationOutcome; result?: unknown; error?: string };
    try {
      const result = await Promise.race([this.scope.run(scope, () => handler(payload, context)), timedOut]);
      if (result === 'timeout') scope.dead = true;
      outcome = result === 'timeout' ? { outcome: 'timeout', error: 'Task timed out' } : { outcome: 'ok', result };
    } catch (error) {
      outcome = {
        outcome: error instanceof SimulatedCrashError || scope.dead ? 'crash' : 'error',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    } finally {
      clearTimeout(timer);
      this.inFlight -= 1;
      // A sandbox that timed out or crashed is discarded, as Lambda does; a healthy one stays warm.
      if (!scope.dead) fn.idle.push(handler);
    }
    const record: InvocationRecord = {
      fn: fn.wiring.name,
      trigger,
      sourceId,
      ...(instanceId ? { instanceId } : {}),
      attempt,
      startedAt,
      endedAt: Date.now(),
      ...outcome,
    };
    this.invocations.push(record);
    this.options.onInvocation?.(record);
    return record;
  }

  /** A middleware before the simulated account: the call where a doomed invocation dies, and every call after it. */
  private addCrashPoint(client: AwsClients[keyof AwsClients]): void {
    const scope = this.scope;
    (client.middlewareStack as { add(mw: unknown, options: unknown): void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) =>
        async (args: unknown) => {
          const current = scope.getStore();
          if (current) {
            current.calls += 1;
            if (current.killAt !== undefined && current.calls >= current.killAt) current.dead = true;
            if (current.dead) {
              throw new SimulatedCrashError(current.calls, context.clientName ?? 'aws', context.commandName ?? 'call');
            }
          }
          return next(args);
        },
      { step: 'initialize', name: 'fleetpilotSimCrashPoint', priority: 'high' },
    );
  }

  /**
   * fake-timers runs timer callbacks from the clock's own call stack, which would lose the invocation a callback
   * belongs to. Binding each callback to the async context it was scheduled in keeps crash points per invocation.
   */
  private bindTimersToInvocations(): void {
    const original = globalThis.setTimeout;
    const bound = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) =>
      original(AsyncResource.bind(fn), ms, ...rest)) as unknown as typeof setTimeout;
    globalThis.setTimeout = bound;
    this.restoreSetTimeout = () => {
      if (globalThis.setTimeout === bound) globalThis.setTimeout = original;
    };
  }
}
