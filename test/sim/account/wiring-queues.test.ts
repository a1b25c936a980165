/**
 * The simulated deployment follows serverless.yml for queues and SQS event sources: every AWS::SQS::Queue is created,
 * and a queue plus a function added to serverless.yml need no change in sim/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../shared/config/load';
import { startSimulation } from '../../../sim/simulation';
import { readWiring, SERVICE_DIR, WiringError } from '../../../sim/wiring';
import { functionLogicalId, loadTemplate, props, referencedId, resourcesOfType, STAGE } from '../../template/template';

const config = loadConfig(join(SERVICE_DIR, 'fleetpilot.example.yml'));
const original = readFileSync(join(SERVICE_DIR, 'serverless.yml'), 'utf8');

/** serverless.yml with one more queue and one more SQS-triggered function (the event lines given). */
function withWorker(eventLines: string[], functionLines: string[] = []): string {
  const fn = [
    '  reportWorker:',
    '    handler: functions/lifecycle/resume-handler.handler',
    '    timeout: 60',
    ...functionLines.map((line) => `    ${line}`),
    '    events:',
    '      - sqs:',
    '          arn: !GetAtt ReportsQueue.Arn',
    ...eventLines.map((line) => `          ${line}`),
    '',
  ].join('\n');
  const queue = [
    '      ReportsQueue:',
    '        Type: AWS::SQS::Queue',
    '        Properties:',
    '          VisibilityTimeout: 90',
    '',
  ].join('\n');
  const text = original
    .replace('\nfunctions:\n', `\nfunctions:\n${fn}`)
    .replace('\n  - Resources:\n', `\n  - Resources:\n${queue}`);
  if (text === original || !text.includes('ReportsQueue:'))
    throw new Error('serverless.yml no longer has the expected shape');
  return text;
}

describe('queues and SQS event sources from serverless.yml', () => {
  let dir: string;
  const write = (text: string) => {
    const file = join(dir, 'serverless.yml');
    writeFileSync(file, text);
    return file;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetpilot-wiring-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates every AWS::SQS::Queue that serverless.yml declares in the simulated account', () => {
    const declared = [...original.matchAll(/^ {6}(\w+):\n {8}Type: AWS::SQS::Queue$/gm)].map((m) => m[1]);
    const sim = startSimulation({ config, seed: 1 });
    try {
      const urls = sim.account.sqs.view().map((q) => q.url.split('/').pop());

      expect(declared.length).toBeGreaterThan(1);
      expect(sim.wiring.queues.map((q) => q.logicalId)).toEqual(declared);
      expect(urls.sort()).toEqual([...declared].sort());
    } finally {
      sim.stop();
    }
  });

  it('wires a queue and a function added to serverless.yml, with their batching and concurrency settings', async () => {
    const serverlessFile = write(
      withWorker(
        ['batchSize: 1000', 'maximumBatchingWindow: 2', 'functionResponseType: ReportBatchItemFailures'],
        ['reservedConcurrency: 1'],
      ),
    );
    const sim = startSimulation({ config, seed: 1, serverlessFile });
    try {
      const worker = sim.wiring.functions.find((fn) => fn.name === 'reportWorker');

      expect(worker?.reservedConcurrency).toBe(1);
      expect(worker?.sqsSources).toEqual([
        {
          queueLogicalId: 'ReportsQueue',
          batchSize: 1000,
          maximumBatchingWindowSeconds: 2,
          reportBatchItemFailures: true,
          visibilityTimeoutSeconds: 90,
        },
      ]);
      expect(sim.account.sqs.view().some((q) => q.url.endsWith('/ReportsQueue'))).toBe(true);
      expect(await sim.settle(60_000)).toBe(true);
    } finally {
      sim.stop();
    }
  });

  it.each([
    [['batchSize: 1000'], 'an sqs batchSize above 10 needs a maximumBatchingWindow of at least 1 s'],
    [['batchSize: 10001', 'maximumBatchingWindow: 1'], 'sqs batchSize must be 1–10000'],
    [['maximumBatchingWindow: 301'], 'sqs maximumBatchingWindow must be 0–300 s'],
    [['maximumConcurrency: 1'], 'sqs maximumConcurrency must be 2–1000'],
  ])('refuses an event source mapping AWS would refuse (%j)', (lines, message) => {
    const serverlessFile = write(withWorker(lines));

    expect(() => readWiring('fleetpilot.example.yml', { stage: 'sim', serverlessFile })).toThrow(WiringError);
    expect(() => readWiring('fleetpilot.example.yml', { stage: 'sim', serverlessFile })).toThrow(message);
  });

  it('reads the batching window, maximum and reserved concurrency that the packaged template deploys', () => {
    const template = loadTemplate();
    const wiring = readWiring(undefined, { stage: STAGE });
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => props(m));

    for (const fn of wiring.functions) {
      const resource = template.Resources[functionLogicalId(fn.name)];
      const deployed = mappings
        .filter((m) => referencedId(m.FunctionName) === functionLogicalId(fn.name))
        .map((m) => ({
          queueLogicalId: referencedId(m.EventSourceArn),
          window: Number(m.MaximumBatchingWindowInSeconds ?? 0),
          maximumConcurrency: (m.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        }));

      expect(resource ? props(resource).ReservedConcurrentExecutions : undefined).toBe(fn.reservedConcurrency);
      expect(deployed).toEqual(
        fn.sqsSources.map((s) => ({
          queueLogicalId: s.queueLogicalId,
          window: s.maximumBatchingWindowSeconds,
          maximumConcurrency: s.maximumConcurrency,
        })),
      );
    }
  });
});
