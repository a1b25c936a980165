/**
 * Child process of `npm run bench`: one cold start of one function on the simulated account.
 *
 * esbuild bundles this file with the simulated account into .bench/child/cold-start.js and the parent runs it with
 * plain `node`, a fresh process per sample. The sim thus carries its own copies of the SDK, zod and yaml: an
 * unbundled handler finds none of its node_modules already in require.cache, and no tsx require hook sits in front
 * of its requires. Not timed: installing the virtual clock, declaring the account from the config, and preparing a
 * real event (running the sim's own copies of the functions where the event needs an instance in service or a
 * parked continuation). Timed (wall clock): import(handler) — which builds its cold-start deps — then
 * handler(event, context) while the virtual clock advances. Untimed again: the rest of the flow, run by the sim's
 * copies of the resume function and the Route 53 writer, so that every sample is shown to end in its hook's answer.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { logicalIds } from '../../deploy/stack-values';
import { type AnyHandler, factoryFor } from '../../functions/registry';
import { createAllClients } from '../../shared/aws/all-clients';
import { CLIENT_HOOK } from '../../shared/aws/clients';
import { loadConfig } from '../../shared/config/load';
import type { FleetpilotConfig } from '../../shared/config/schema';
import { createSnsNotifier } from '../../shared/notify/notifier';
import { systemClock } from '../../shared/runtime/clock';
import { createSimAccount, type SimAccount } from '../../sim/account';
import { createVirtualClock, realIoInFlight, type VirtualClock } from '../../sim/clock';
import type { SimEvent } from '../../sim/events';
import { attachSim } from '../../sim/plug';
import { stackFromConfig } from '../../sim/simulation';
import { sqsRecordFor } from '../../sim/sqs-event';
import type { ColdStartRequest, ColdStartResult, FunctionName } from './protocol';

const SEED = 'bench-cold-start';
const MAX_WAIT_MS = 3_600_000;
/** Virtual ms per clock step while a handler waits. */
const STEP_MS = 1_000;
/** Event-loop turns with no real I/O in flight before the virtual clock may move. */
const QUIET_TURNS = 3;

interface World {
  timeoutMs: (fn: FunctionName) => number;
  clock: VirtualClock;
  account: SimAccount;
  config: FleetpilotConfig;
  group: string;
  topicArn: string;
  queueUrl: string;
  dnsQueueUrl: string;
  events: SimEvent[];
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as ColdStartRequest;
  const world = createWorld(request);
  try {
    const event = await prepareEvent(world, request.fn);
    const result = await timedColdStart(world, request, event);
    writeFileSync(request.resultFile, JSON.stringify(result));
  } finally {
    world.clock.uninstall();
  }
}

function createWorld({ configFile, timeoutSeconds }: ColdStartRequest): World {
  const config = loadConfig(configFile);
  const service = config.services[0];
  if (!service) throw new Error(`${configFile} declares no service`);
  const clock = createVirtualClock({ seedMathRandom: SEED });
  // The bundled child cannot read serverless.yml (no service directory next to the bundle): the queues it uses.
  const queues = [{ logicalId: logicalIds.continuationQueue }, { logicalId: logicalIds.dnsQueue }];
  const account = createSimAccount(
    stackFromConfig(config, { config, seed: SEED, initialCapacity: 0 }, clock, { queues }),
  );
  const topicArn = account.sns.topicArns().find((arn) => arn.endsWith(`:${config.notifications.topicName}`));
  if (!topicArn) throw new Error(`the simulated account has no topic ${config.notifications.topicName}`);
  const events: SimEvent[] = [];
  account.onEvent((event) => {
    events.push(event);
  });
  const queueUrl = account.sqs.urlOf(logicalIds.continuationQueue);
  const dnsQueueUrl = account.sqs.urlOf(logicalIds.dnsQueue);
  const timeoutMs = (fn: FunctionName) => timeoutSeconds[fn] * 1000;
  return {
    timeoutMs,
    clock,
    account,
    config,
    group: service.autoScalingGroup,
    topicArn,
    queueUrl,
    dnsQueueUrl,
    events,
  };
}

// ---------------------------------------------------------------- the event (not timed)

/**
 * A real event for `fn`. Launch: the account's launch event. Resume: the continuation that launch event parked.
 * Terminate: the terminate event of an instance the sim's own copies of the functions put in service first.
 */
async function prepareEvent(world: World, fn: FunctionName): Promise<unknown> {
  const launch = await scaleTo(world, 1, 'EC2 Instance-launch Lifecycle Action');
  if (fn === 'lifecycleLaunch') return launch;
  const prep = prepHandlers(world);
  await runHandler(world.clock, prep.launch(launch, lambdaContext('prep', world.timeoutMs('lifecycleLaunch'))));
  if (fn === 'lifecycleResume') {
    const due = await nextDue(world, world.queueUrl);
    if (due.length === 0) throw new Error('the prepared launch parked no continuation');
    return { Records: due.map((m) => sqsRecordFor(m, world.queueUrl, world.account.region, 1)) };
  }
  if (fn === 'dnsWriter') {
    // The launch moved on by the sim's resume until it asks the writer for its records.
    await finishFlow(world, prep, () =>
      world.account.sqs.view().some((q) => q.url === world.dnsQueueUrl && q.waiting.length > 0),
    );
    const due = await nextDue(world, world.dnsQueueUrl);
    if (due.length === 0) throw new Error('the prepared launch never asked the writer');
    return { Records: due.map((m) => sqsRecordFor(m, world.dnsQueueUrl, world.account.region, 1)) };
  }
  await finishFlow(world, prep);
  const inService = await world.clock.runUntil(
    () => world.account.autoscaling.view()[0]?.instances[0]?.lifecycleState === 'InService',
    MAX_WAIT_MS,
  );
  if (!inService) throw new Error('the prepared instance never went InService');
  return scaleTo(world, 0, 'EC2 Instance-terminate Lifecycle Action');
}

async function scaleTo(world: World, desired: number, detailType: string): Promise<SimEvent> {
  const before = world.events.length;
  world.account.autoscaling.setDesiredCapacity(world.group, desired);
  const found = () => world.events.slice(before).find((event) => event['detail-type'] === detailType);
  await world.clock.runUntil(() => found() !== undefined, MAX_WAIT_MS);
  const event = found();
  if (!event) throw new Error(`the account emitted no "${detailType}" event`);
  return structuredClone(event);
}

interface PrepHandlers {
  launch: AnyHandler;
  resume: AnyHandler;
  writer: AnyHandler;
}

/** The sim's own copies of the functions, with their clients attached to the account (as sim/lambda.ts does). */
function prepHandlers(world: World): PrepHandlers {
  const clients = createAllClients({ region: world.account.region });
  for (const client of Object.values(clients)) attachSim(client, world.account);
  const deps = {
    config: world.config,
    clients,
    notifier: createSnsNotifier(clients.sns, world.topicArn),
    clock: systemClock,
    continuationQueueUrl: world.queueUrl,
    dnsQueueUrl: world.dnsQueueUrl,
    log: new Logger({ serviceName: 'bench-prep', logLevel: 'SILENT' }),
  };
  return {
    launch: factoryFor('functions/lifecycle/launch-handler.handler')(deps),
    resume: factoryFor('functions/lifecycle/resume-handler.handler')(deps),
    writer: factoryFor('functions/dns-writer/writer-handler.handler')(deps),
  };
}

/** Waits (virtual time) until messages are due on the queue, and takes them. */
async function nextDue(world: World, queueUrl: string): Promise<ReturnType<SimAccount['sqs']['takeDue']>> {
  let due: ReturnType<SimAccount['sqs']['takeDue']> = [];
  await world.clock.runUntil(() => {
    due = world.account.sqs.takeDue(queueUrl);
    return due.length > 0;
  }, MAX_WAIT_MS);
  return due;
}

/**
 * Carries the flow on with the sim's copies of the resume function and the Route 53 writer (untimed) until nothing
 * is waiting in either queue: the continuations the timed handler parked, the writer's answers, and so on.
 */
async function finishFlow(world: World, prep: PrepHandlers, until: () => boolean = () => false): Promise<void> {
  const deadline = world.clock.now() + MAX_WAIT_MS;
  for (;;) {
    const waiting = world.account.sqs.view().filter((q) => q.waiting.length > 0);
    if (waiting.length === 0 || until() || world.clock.now() >= deadline) return;
    for (const [url, handler] of [
      [world.dnsQueueUrl, prep.writer],
      [world.queueUrl, prep.resume],
    ] as const) {
      const due = world.account.sqs.takeDue(url);
      if (due.length === 0) continue;
      const event = { Records: due.map((m) => sqsRecordFor(m, url, world.account.region, 1)) };
      await runHandler(world.clock, handler(event, lambdaContext('prep', 120_000)));
    }
    await world.clock.advance(STEP_MS);
  }
}

// ---------------------------------------------------------------- the cold start (timed)

async function timedColdStart(world: World, request: ColdStartRequest, event: unknown): Promise<ColdStartResult> {
  process.env.LAMBDA_TASK_ROOT = request.taskRoot;
  process.env.FLEETPILOT_TOPIC_ARN = world.topicArn;
  process.env.FLEETPILOT_CONTINUATION_QUEUE_URL = world.queueUrl;
  process.env.FLEETPILOT_DNS_QUEUE_URL = world.dnsQueueUrl;
  // The seam in shared/aws/clients.ts: every client the handler's own SDK copy makes is plugged into the account.
  (globalThis as Record<symbol, unknown>)[CLIENT_HOOK] = (client: Parameters<typeof attachSim>[0]) =>
    attachSim(client, world.account);
  let awsCalls = 0;
  world.account.onCall(() => {
    awsCalls += 1;
  });

  const hookResultsBefore = world.account.autoscaling.hookResults.length;

  // A Lambda sandbox starts on an empty heap. This process has just declared the account and prepared the event:
  // collect that garbage now, or a major GC lands in whichever timed phase happens to cross the threshold (the
  // parent passes --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  // As the Lambda Node.js runtime loads a handler: import(), for an ES module (.mjs) or CommonJS (.js) alike.
  const loaded = (await import(pathToFileURL(request.handlerFile).href)) as { handler: AnyHandler };
  const t1 = performance.now();
  const virtualStart = world.clock.now();
  const result = await runHandler(
    world.clock,
    loaded.handler(event, lambdaContext(request.fn, world.timeoutMs(request.fn))),
  );
  const t2 = performance.now();
  const timedCalls = awsCalls;
  delete (globalThis as Record<symbol, unknown>)[CLIENT_HOOK];
  // Untimed: the rest of the flow (resume looks, the writer), so the sample is shown to lead to its hook's answer.
  await finishFlow(world, prepHandlers(world));
  const hookResults = world.account.autoscaling.hookResults
    .slice(hookResultsBefore)
    .map((record) => `${record.result} by ${record.by}`);
  return {
    requireMs: t1 - t0,
    handleMs: t2 - t1,
    virtualMs: world.clock.now() - virtualStart,
    awsCalls: timedCalls,
    result,
    hookResults,
  };
}

// ---------------------------------------------------------------- helpers

function lambdaContext(functionName: string, timeoutMs: number) {
  const startedAt = Date.now();
  return {
    functionName,
    awsRequestId: `${functionName}-bench`,
    getRemainingTimeInMillis: () => Math.max(0, startedAt + timeoutMs - Date.now()),
  };
}

/**
 * Advance the virtual clock while the handler waits (polls, back-offs), until its promise settles. Virtual time moves
 * only while no real I/O is in flight: the SDK reads its shared config files with fs.promises on a client's first
 * call, and `clock.runUntil` alone would race hundreds of virtual seconds ahead meanwhile (enough for a lifecycle hook
 * to time out to its default result).
 */
async function runHandler(clock: VirtualClock, invocation: Promise<unknown>): Promise<unknown> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  invocation.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  const deadline = clock.now() + MAX_WAIT_MS;
  let quietTurns = 0;
  while (outcome === undefined) {
    // A few event-loop turns without I/O in flight before each step: chained reads leave gaps between requests.
    quietTurns = realIoInFlight() ? 0 : quietTurns + 1;
    if (quietTurns < QUIET_TURNS) {
      await new Promise((resolve) => setImmediate(resolve)); // setImmediate stays real (sim/clock.ts)
      continue;
    }
    quietTurns = 0;
    if (clock.now() >= deadline) throw new Error(`the handler did not finish within ${MAX_WAIT_MS / 1000} virtual s`);
    await clock.advance(STEP_MS);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
