/**
 * Local Lambda: runs fleetpilot's real handlers on the simulated account, wired exactly as serverless.yml wires them.
 *
 * - EventBridge: every event the account emits is matched against each function's rule patterns (read back from
 *   serverless.yml by sim/wiring.ts) and invoked asynchronously.
 * - Asynchronous invocation semantics (Lambda developer guide, "How Lambda handles errors and retries with
 *   asynchronous invocation"): on a function error Lambda retries twice, about one minute and then two minutes
 *   later; after the last attempt the event goes to the on-failure destination (here: `deadLetters`).
 * - SQS event sources, as serverless.yml declares them (Lambda developer guide, "Using Lambda with Amazon SQS",
 *   "Lambda parameters for Amazon SQS event source mappings", "Configuring scaling behavior for SQS event source
 *   mappings", "Handling errors for an SQS event source in Lambda"):
 *   - the mapping long-polls: it sees a message as soon as it is visible (sent, delayed, or back after a failure);
 *   - a batch holds up to `batchSize` records; with `maximumBatchingWindow` the poller gathers records until the
 *     window ends, the batch is full, or the payload would pass 6 MB (Lambda's invocation payload limit), whichever
 *     comes first; without a window it invokes with what is visible at once;
 *   - at most `maximumConcurrency` batches of a mapping run at once (default 1,000, the most a mapping processes
 *     at once); further messages stay in the queue;
 *   - `reservedConcurrency` caps the function's concurrent executions; the mapping does not account for it, so a
 *     batch that finds the function at its cap is throttled: its messages become visible again after the queue's
 *     visibility timeout, and that receive counts towards maxReceiveCount;
 *   - a failed invocation (error, timeout, crash) returns the whole batch; with ReportBatchItemFailures only the
 *     records the function lists in `batchItemFailures` return (an empty or missing list is full success; an
 *     identifier that is empty or not in the batch fails the whole batch);
 *   - a returned record becomes visible again after the queue's visibility timeout, and goes to the dead-letter
 *     queue once it has been received maxReceiveCount times (the queue's redrive policy).
 *   Approximated: one batching window at a time per mapping; no scale-up ramp; a record's payload weight is its
 *   body and attributes plus a fixed 512 bytes.
 * - Reserved concurrency also holds back asynchronous (EventBridge) invocations: a throttled event waits in the
 *   function's queue and runs when an execution ends (Lambda keeps retrying throttled async events for up to six
 *   hours; none of our waits is that long).
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
import { createAllClients } from '../shared/aws/all-clients';
import type { AwsClients } from '../shared/aws/clients';
import type { FleetpilotConfig } from '../shared/config/schema';
import { createSnsNotifier } from '../shared/notify/notifier';
import { systemClock } from '../shared/runtime/clock';
import type { HandlerDeps } from '../shared/runtime/deps';
import type { SimAccount } from './account';
import { SimulatedCrashError } from './errors';
import { instanceIdOf, type SimEvent } from './events';
import { attachSim, type SimPluggableClient } from './plug';
import { SeededRandom } from './random';
import type { QueuedMessage } from './sqs';
import { sqsRecordFor } from './sqs-event';
import { type FunctionWiring, matchesEventPattern, type SqsSourceWiring, type Wiring } from './wiring';

/** Lambda's async retry delays (approximate, per the developer guide). */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
/** Lambda's invocation payload limit (synchronous invocation, which is how a mapping invokes). */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The most batches one SQS event source mapping processes at once (Lambda developer guide). */
const MAX_MAPPING_CONCURRENCY = 1_000;

export type InvocationOutcome = 'ok' | 'error' | 'timeout' | 'crash';

export interface InvocationRecord {
  fn: string;
  trigger: 'eventbridge' | 'sqs' | 'direct';
  /** EventBridge event id, SQS message id, or the caller's id of a direct invocation. */
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
  /** Handler factories by serverless.yml handler string, before functions/registry.ts's (for the sim's own tests). */
  handlers?: Readonly<Record<string, (deps: HandlerDeps) => AnyHandler>>;
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
  /** Invocations running now. */
  running: number;
  /** Asynchronous invocations held back by reserved concurrency, in arrival order. */
  throttledAsync: Array<() => void>;
  /** Batches an SQS mapping could not hand to the function because of reserved concurrency. */
  throttledBatches: number;
}

/** One SQS event source mapping of one function. */
interface Mapping {
  fn: Deployed;
  source: SqsSourceWiring;
  url: string;
  maxReceiveCount: number;
  visibilityMs: number;
  maxConcurrency: number;
  /** Batches being processed now. */
  inFlight: number;
  /** The open batching window's timer. */
  window?: ReturnType<typeof setTimeout>;
  /** A wake-up at the next instant a message becomes visible. */
  wake?: { at: number; timer: ReturnType<typeof setTimeout> };
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
  private mappings: Mapping[] = [];
  private unsubscribeQueues?: () => void;
  private restoreSetTimeout?: () => void;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: LocalLambdaOptions) {
    this.dice = new SeededRandom(`lambda:${options.seed}`);
    this.functions = options.wiring.functions.map((fn) => ({
      wiring: fn,
      idle: [],
      coldStarts: 0,
      running: 0,
      throttledAsync: [],
      throttledBatches: 0,
    }));
  }

  /** Subscribes to the account's events and to the queues of the SQS event sources. */
  start(): this {
    this.bindTimersToInvocations();
    this.unsubscribe = this.options.account.onEvent((event) => this.onEvent(event));
    this.mappings = this.functions.flatMap((fn) =>
      fn.wiring.sqsSources.map((source) => ({
        fn,
        source,
        url: this.queueUrl(source.queueLogicalId),
        maxReceiveCount: source.maxReceiveCount ?? Number.POSITIVE_INFINITY,
        // An SQS queue's default visibility timeout is 30 s.
        visibilityMs: (source.visibilityTimeoutSeconds ?? 30) * 1000,
        maxConcurrency: source.maximumConcurrency ?? MAX_MAPPING_CONCURRENCY,
        inFlight: 0,
      })),
    );
    // Long polling: a mapping looks as soon as a message arrives (on a timer, never inside the sender's call).
    this.unsubscribeQueues = this.options.account.sqs.onChange((url) => {
      for (const mapping of this.mappings) if (mapping.url === url) this.wakeAt(mapping, Date.now());
    });
    for (const mapping of this.mappings) this.wakeAt(mapping, Date.now());
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
    this.unsubscribeQueues?.();
    this.unsubscribeQueues = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.restoreSetTimeout?.();
    this.restoreSetTimeout = undefined;
    this.scope.disable();
  }

  /** A timer `stop()` cancels if it has not fired yet. */
  private later(delayMs: number, fn: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, delayMs),
    );
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: ReturnType<typeof setTimeout> | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Nothing running, no retry scheduled or held back, no batching window open, no message in a source queue. */
  idle(): boolean {
    if (this.inFlight > 0 || this.pendingRetries > 0) return false;
    if (this.functions.some((fn) => fn.throttledAsync.length > 0)) return false;
    if (this.mappings.some((mapping) => mapping.inFlight > 0 || mapping.window !== undefined)) return false;
    const waiting = this.options.account.sqs.view();
    return this.mappings.every(({ url }) => (waiting.find((q) => q.url === url)?.waiting.length ?? 0) === 0);
  }

  /** Batches each function's SQS mappings could not hand over because of reserved concurrency. */
  throttledBatches(): Record<string, number> {
    return Object.fromEntries(this.functions.map((fn) => [fn.wiring.name, fn.throttledBatches]));
  }

  queueUrl(logicalId: string): string {
    return this.options.account.sqs.urlOf(logicalId);
  }

  /**
   * A synchronous (RequestResponse) invocation of the function `name` (a key of `functions:` in serverless.yml) with
   * `payload`, as `aws lambda invoke` or `npm run invoke` makes one: no retry (the caller sees the outcome).
   */
  async invokeDirect(name: string, payload: unknown, requestId: string): Promise<InvocationRecord> {
    const fn = this.functions.find((f) => f.wiring.name === name);
    if (!fn) throw new Error(`no function ${name} in the wiring`);
    return this.invoke(fn, 'direct', requestId, undefined, 1, structuredClone(payload));
  }

  // ---------------------------------------------------------------- wiring

  /**
   * A new execution environment: the handler built from the registry with its own SDK clients, as a Lambda sandbox
   * builds its own at cold start. Concurrent invocations therefore do not share clients (or their retry quota).
   */
  private coldStart(fn: Deployed): AnyHandler {
    fn.coldStarts += 1;
    const key = `${fn.wiring.handler.module}.${fn.wiring.handler.exportName}`;
    return (this.options.handlers?.[key] ?? factoryFor(key))(this.depsFor(fn.wiring));
  }

  /** Cold starts per function so far. */
  coldStarts(): Record<string, number> {
    return Object.fromEntries(this.functions.map((fn) => [fn.wiring.name, fn.coldStarts]));
  }

  private depsFor(fn: FunctionWiring): HandlerDeps {
    const { account, config } = this.options;
    const clients = createAllClients({
      region: account.region,
      ...(this.options.maxAttempts ? { maxAttempts: this.options.maxAttempts } : {}),
    });
    // Every client the factory made, whichever services they are (attachSim finds each by its serviceId).
    for (const client of Object.values(clients) as AwsClients[keyof AwsClients][]) {
      this.addCrashPoint(client);
      attachSim(client as SimPluggableClient<object, object>, account);
    }
    const topicArn = this.resolveEnv(fn, 'FLEETPILOT_TOPIC_ARN');
    return {
      config,
      clients,
      notifier: createSnsNotifier(clients.sns, topicArn),
      clock: systemClock,
      continuationQueueUrl: this.resolveEnv(fn, 'FLEETPILOT_CONTINUATION_QUEUE_URL'),
      dnsQueueUrl: this.resolveEnv(fn, 'FLEETPILOT_DNS_QUEUE_URL'),
      log: new Logger({ serviceName: `fleetpilot-${fn.name}`, logLevel: this.options.logLevel ?? 'SILENT' }),
      ...(fn.environment.FLEETPILOT_STAGE !== undefined ? { stage: this.resolveEnv(fn, 'FLEETPILOT_STAGE') } : {}),
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

  // ---------------------------------------------------------------- EventBridge

  private onEvent(event: SimEvent): void {
    for (const fn of this.functions) {
      if (fn.wiring.eventPatterns.some((pattern) => matchesEventPattern(pattern, event))) {
        void this.invokeAsync(fn, event, 1);
      }
    }
  }

  private async invokeAsync(fn: Deployed, event: SimEvent, attempt: number): Promise<void> {
    if (this.atReservedConcurrency(fn)) {
      fn.throttledAsync.push(() => void this.invokeAsync(fn, event, attempt));
      return;
    }
    const record = await this.invoke(fn, 'eventbridge', event.id, instanceIdOf(event), attempt, structuredClone(event));
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

  private atReservedConcurrency(fn: Deployed): boolean {
    const reserved = fn.wiring.reservedConcurrency;
    return reserved !== undefined && fn.running >= reserved;
  }

  /** Look at the mapping's queue at `at` (now or later); an earlier wake-up replaces a later one. */
  private wakeAt(mapping: Mapping, at: number): void {
    if (mapping.wake && mapping.wake.at <= at) return;
    this.cancel(mapping.wake?.timer);
    const timer = this.later(at - Date.now(), () => {
      mapping.wake = undefined;
      this.poll(mapping);
    });
    mapping.wake = { at, timer };
  }

  /** What the mapping's poller does when it looks at the queue. */
  private poll(mapping: Mapping): void {
    const sqs = this.options.account.sqs;
    if (mapping.inFlight >= mapping.maxConcurrency) return; // looks again when a batch ends
    const visible = sqs.visible(mapping.url);
    if (visible.count === 0) {
      const next = sqs.nextVisibleAt(mapping.url);
      if (next !== undefined) this.wakeAt(mapping, next);
      return;
    }
    const windowMs = mapping.source.maximumBatchingWindowSeconds * 1000;
    const full = visible.count >= mapping.source.batchSize || visible.bytes >= MAX_PAYLOAD_BYTES;
    if (windowMs === 0 || full) {
      this.flush(mapping);
      return;
    }
    mapping.window ??= this.later(windowMs, () => {
      mapping.window = undefined;
      this.flush(mapping);
    });
  }

  /** Close the batch: take what is visible (up to the batch size and payload limit) and invoke with it. */
  private flush(mapping: Mapping): void {
    this.cancel(mapping.window);
    mapping.window = undefined;
    const batch = this.options.account.sqs.receive(mapping.url, mapping.source.batchSize, MAX_PAYLOAD_BYTES);
    if (batch.length === 0) return;
    void this.deliver(mapping, batch);
    // More may be waiting, and another batch may run concurrently.
    this.poll(mapping);
  }

  private async deliver(mapping: Mapping, messages: QueuedMessage[]): Promise<void> {
    mapping.inFlight += 1;
    const region = this.options.account.region;
    const received = new Map<string, number>();
    for (const message of messages) {
      const count = (this.receiveCounts.get(message.messageId) ?? 0) + 1;
      this.receiveCounts.set(message.messageId, count);
      received.set(message.messageId, count);
    }
    let failed: QueuedMessage[];
    let reason: string;
    if (this.atReservedConcurrency(mapping.fn)) {
      mapping.fn.throttledBatches += 1;
      failed = messages;
      reason = 'throttled (reserved concurrency)';
    } else {
      const event: SQSEvent = {
        Records: messages.map((m) => sqsRecordFor(m, mapping.url, region, received.get(m.messageId) ?? 1)),
      };
      const first = messages[0];
      // The subject of the first message that names one (fleetpilot's continuations carry the instance id there).
      const instanceId = messages
        .map((m) => (m.attributes.subject ?? m.attributes.instanceId)?.StringValue)
        .find((id) => id !== undefined);
      const attempt = Math.max(...received.values());
      const sourceId = messages.length === 1 && first ? first.messageId : messages.map((m) => m.messageId).join(',');
      const record = await this.invoke(mapping.fn, 'sqs', sourceId, instanceId, attempt, event);
      failed = record.outcome === 'ok' ? this.failedItems(mapping, messages, record.result) : messages;
      reason = record.error ?? (record.outcome === 'ok' ? 'batch item failure' : record.outcome);
    }
    const failedIds = new Set(failed.map((m) => m.messageId));
    for (const message of messages) {
      if (!failedIds.has(message.messageId)) {
        this.receiveCounts.delete(message.messageId);
        continue;
      }
      if ((received.get(message.messageId) ?? 1) >= mapping.maxReceiveCount) {
        this.receiveCounts.delete(message.messageId);
        this.options.account.sqs.deadLetter(mapping.url, message);
        this.deadLetters.push({
          fn: mapping.fn.wiring.name,
          sourceId: message.messageId,
          reason,
          payload: message.body,
        });
        continue;
      }
      this.options.account.sqs.returnToQueue(mapping.url, message, Date.now() + mapping.visibilityMs);
    }
    mapping.inFlight -= 1;
    this.poll(mapping);
  }

  /**
   * The records of a successful invocation that failed: none without ReportBatchItemFailures; with it, those listed in
   * `batchItemFailures` (Lambda developer guide, "Handling errors for an SQS event source in Lambda", partial batch
   * responses): no response or an empty list is full success, an empty or unknown itemIdentifier fails the batch.
   */
  private failedItems(mapping: Mapping, messages: QueuedMessage[], result: unknown): QueuedMessage[] {
    if (!mapping.source.reportBatchItemFailures) return [];
    const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
    if (failures === undefined || failures === null) return [];
    if (!Array.isArray(failures)) return messages;
    const ids = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || id === '' || !messages.some((m) => m.messageId === id)) return messages;
      ids.add(id);
    }
    return messages.filter((m) => ids.has(m.messageId));
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
    fn.running += 1;
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
      if (result === 'timeout') {
        scope.dead = true;
        outcome = { outcome: 'timeout', error: 'Task timed out' };
      } else if (scope.killAt !== undefined && scope.calls >= scope.killAt) {
        // The process died at that call: whatever the handler did after catching the error never happened, and
        // Lambda saw a failed invocation (a handler that swallows errors must not hide a crash).
        outcome = { outcome: 'crash', error: `SimulatedCrashError: the function died at AWS call #${scope.killAt}` };
      } else {
        outcome = { outcome: 'ok', result };
      }
    } catch (error) {
      outcome = {
        outcome: error instanceof SimulatedCrashError || scope.dead ? 'crash' : 'error',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      };
    } finally {
      clearTimeout(timer);
      this.inFlight -= 1;
      fn.running -= 1;
      // An execution ended: an event held back by reserved concurrency may run now.
      const next = fn.throttledAsync.shift();
      if (next) {
        this.pendingRetries += 1;
        this.later(0, () => {
          this.pendingRetries -= 1;
          next();
        });
      }
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
