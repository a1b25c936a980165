/**
 * SQS event source mappings of the local Lambda runtime (sim/lambda.ts), as serverless.yml declares them: batch size,
 * batching window, partial batch responses, reserved concurrency and maximum concurrency.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../../shared/config/load';
import { LocalLambda } from '../../../sim/lambda';
import { type FunctionWiring, readWiring, type SqsSourceWiring, type Wiring } from '../../../sim/wiring';
import { type Harness, startAccount } from './harness';

const config = loadConfig('fleetpilot.example.yml');
const baseWiring = readWiring('fleetpilot.example.yml', { stage: 'sim' });
const HANDLER = 'test/worker.handler';

interface Batch {
  at: number;
  bodies: string[];
  receiveCounts: string[];
}

describe('SQS event source mappings of the local Lambda', () => {
  let h: Harness;
  let lambda: LocalLambda;
  let url: string;
  let batches: Batch[];
  let running: number;
  let maxRunning: number;
  /** What the worker does with one batch: how long it works, which bodies it reports as failed. */
  let behaviour: { workMs: number; fail: (body: string) => boolean; response?: (event: SQSEvent) => unknown };

  const deploy = (source: Partial<SqsSourceWiring>, fn: Partial<FunctionWiring> = {}) => {
    h = startAccount({ queues: [{ name: 'Jobs' }] });
    url = h.account.sqs.urlOf('Jobs');
    const worker: FunctionWiring = {
      name: 'worker',
      handler: { module: 'test/worker', exportName: 'handler' },
      timeoutSeconds: 60,
      memoryMb: 128,
      environment: {
        FLEETPILOT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
        FLEETPILOT_CONTINUATION_QUEUE_URL: url,
        FLEETPILOT_DNS_QUEUE_URL: url,
      },
      environmentKeys: ['FLEETPILOT_TOPIC_ARN', 'FLEETPILOT_CONTINUATION_QUEUE_URL', 'FLEETPILOT_DNS_QUEUE_URL'],
      eventPatterns: [],
      sqsSources: [
        {
          queueLogicalId: 'Jobs',
          batchSize: 10,
          maximumBatchingWindowSeconds: 0,
          reportBatchItemFailures: true,
          visibilityTimeoutSeconds: 30,
          maxReceiveCount: 3,
          ...source,
        },
      ],
      ...fn,
    };
    const wiring: Wiring = { ...baseWiring, functions: [worker] };
    lambda = new LocalLambda({
      account: h.account,
      wiring,
      config,
      seed: 1,
      handlers: {
        [HANDLER]: () => async (event: SQSEvent) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          batches.push({
            at: Date.now(),
            bodies: event.Records.map((r) => r.body),
            receiveCounts: event.Records.map((r) => r.attributes.ApproximateReceiveCount),
          });
          await new Promise((resolve) => setTimeout(resolve, behaviour.workMs));
          running--;
          if (behaviour.response) return behaviour.response(event);
          return {
            batchItemFailures: event.Records.filter((r) => behaviour.fail(r.body)).map((r) => ({
              itemIdentifier: r.messageId,
            })),
          };
        },
      },
    }).start();
  };

  const send = (...bodies: string[]) =>
    Promise.all(bodies.map((body) => h.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))));
  const since = (t0: number) => batches.map((b) => `${(b.at - t0) / 1000}s:${b.bodies.join(',')}`);

  beforeEach(() => {
    batches = [];
    running = 0;
    maxRunning = 0;
    behaviour = { workMs: 100, fail: () => false };
  });
  afterEach(() => {
    lambda.stop();
    h.done();
  });

  it('invokes once with every record visible at once, up to the batch size', async () => {
    deploy({ batchSize: 4 });
    const t0 = h.clock.now();

    await send('a', 'b', 'c', 'd', 'e', 'f');
    await h.clock.advance(1_000);

    expect(batches.map((b) => b.bodies)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
    expect(batches.every((b) => b.at - t0 < 100)).toBe(true);
    expect(lambda.idle()).toBe(true);
  });

  it('gathers records for the batching window before invoking', async () => {
    deploy({ batchSize: 1000, maximumBatchingWindowSeconds: 2 });
    const t0 = h.clock.now();

    await send('a', 'b', 'c');
    await h.clock.advance(1_000);
    await send('d', 'e');
    await h.clock.advance(999);
    const beforeWindowEnd = batches.length;
    await h.clock.advance(1_000);

    expect(beforeWindowEnd).toBe(0);
    expect(since(t0)).toEqual(['2s:a,b,c,d,e']);
  });

  it('closes the window early when the batch is full', async () => {
    deploy({ batchSize: 20, maximumBatchingWindowSeconds: 5 });
    const t0 = h.clock.now();
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);

    await send(...bodies);
    await h.clock.advance(6_000);

    expect(batches.map((b) => [Math.round((b.at - t0) / 1000), b.bodies.length])).toEqual([
      [0, 20],
      [5, 5],
    ]);
  });

  it('returns only the records the function reports as failed, after the visibility timeout, then dead-letters them', async () => {
    deploy({ batchSize: 10, maxReceiveCount: 2, visibilityTimeoutSeconds: 30 });
    behaviour.fail = (body) => body === 'bad';
    const t0 = h.clock.now();

    await send('ok-1', 'bad', 'ok-2');
    await h.clock.advance(120_000);

    expect(since(t0)).toEqual(['0s:ok-1,bad,ok-2', '30.1s:bad']);
    expect(batches[1]?.receiveCounts).toEqual(['2']);
    expect(lambda.deadLetters.map((d) => [d.fn, d.payload, d.reason])).toEqual([
      ['worker', 'bad', 'batch item failure'],
    ]);
    expect(
      h.account.sqs
        .view()
        .find((q) => q.url === url)
        ?.deadLetters.map((m) => m.body),
    ).toEqual(['bad']);
  });

  it('fails the whole batch when an itemIdentifier is not in it', async () => {
    deploy({ batchSize: 10, visibilityTimeoutSeconds: 30 });
    let calls = 0;
    behaviour.response = () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : {});

    await send('a', 'b');
    await h.clock.advance(60_000);

    expect(batches.map((b) => b.bodies.sort())).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('ignores a batchItemFailures list when the mapping does not report batch item failures', async () => {
    deploy({ batchSize: 10, reportBatchItemFailures: false });
    behaviour.fail = () => true;

    await send('a');
    await h.clock.advance(120_000);

    expect(batches).toHaveLength(1);
  });

  it('throttles a batch that finds the function at its reserved concurrency: it comes back after the visibility timeout', async () => {
    deploy({ batchSize: 1, visibilityTimeoutSeconds: 30 }, { reservedConcurrency: 1 });
    behaviour.workMs = 10_000;
    const t0 = h.clock.now();

    await send('a', 'b');
    await h.clock.advance(60_000);

    expect(since(t0)).toEqual(['0s:a', '30s:b']);
    expect(batches[1]?.receiveCounts).toEqual(['2']);
    expect(lambda.throttledBatches()).toEqual({ worker: 1 });
    expect(maxRunning).toBe(1);
  });

  it('runs at most maximumConcurrency batches at once and keeps the rest in the queue, without throttling', async () => {
    deploy({ batchSize: 1, maximumConcurrency: 2 });
    behaviour.workMs = 10_000;

    await send('a', 'b', 'c', 'd', 'e');
    await h.clock.advance(60_000);

    expect(batches).toHaveLength(5);
    expect(maxRunning).toBe(2);
    expect(batches.every((b) => b.receiveCounts[0] === '1')).toBe(true);
    expect(lambda.throttledBatches()).toEqual({ worker: 0 });
  });
});
