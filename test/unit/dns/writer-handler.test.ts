import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeResourceRecordSetsCommand, Route53Client, ThrottlingException } from '@aws-sdk/client-route-53';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeDnsWriterHandler } from '../../../functions/dns-writer/handlers';
import { envelope } from '../../../shared/continuation/envelope';
import type { DnsChange, DnsRequest } from '../../../shared/dns/request';
import { loadEvent } from '../../helpers/events';
import { manualClock } from '../../helpers/manual-clock';
import { recordingNotifier } from '../../helpers/recording-notifier';
import { fakeRoute53 } from '../../helpers/route53-zone';

const r53 = mockClient(Route53Client);
const sqs = mockClient(SQSClient);
const ZONE = 'ZAAAAAAAAAAAAAAAAAAAA';
const ANSWERS = 'https://sqs.us-west-2.amazonaws.com/123456789012/fleetpilot-continuations';

function sqsEvent(...bodies: string[]): SQSEvent {
  const record = loadEvent<SQSEvent>('sqs-event').Records[0];
  if (!record) throw new Error('sqs-event.json has no record');
  return { Records: bodies.map((body, i) => ({ ...record, body, messageId: `m-${i}` })) };
}

const upsert = (name: string, value: string): DnsChange => ({
  action: 'UPSERT',
  zoneId: ZONE,
  name,
  type: 'A',
  ttl: 60,
  values: [value],
});
const requestBody = (what: string, change: DnsChange, answer = true) =>
  JSON.stringify(
    envelope('dns.change', {
      what,
      changes: [change],
      ...(answer ? { answerTo: { queueUrl: ANSWERS, envelope: envelope('lifecycle.step', { what }) } } : {}),
    } satisfies DnsRequest),
  );

function arrange() {
  r53.reset();
  sqs.reset();
  const zones = fakeRoute53(r53);
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  const notifier = recordingNotifier();
  const handler = makeDnsWriterHandler({
    clients: { route53: new Route53Client({ region: 'us-east-1' }), sqs: new SQSClient({ region: 'us-west-2' }) },
    notifier,
    clock: manualClock(0),
    log: new Logger({ logLevel: 'SILENT' }),
  });
  const answers = () =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => JSON.parse(e.MessageBody ?? '{}'));
  return { handler, notifier, zones, answers };
}

describe('DNS writer handler', () => {
  it('answers every request on its answerTo queue with result.dns, and reports refused changes in one notification', async () => {
    const { handler, notifier, zones, answers } = arrange();

    const response = await handler(
      sqsEvent(
        requestBody('a', upsert('a.example.com', '10.0.0.1')),
        requestBody('b', upsert('b.example.com', '10.0.0.999')),
        requestBody('c', upsert('c.example.com', 'bad')),
        requestBody('d', upsert('d.example.com', '10.0.0.4'), false),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(zones.records(ZONE).map((s) => s.Name)).toEqual(['a.example.com.', 'd.example.com.']);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: ANSWERS });
    expect(answers().map((a) => [a.kind, a.payload.what, a.result.dns.applied, a.result.dns.failed.length])).toEqual([
      ['lifecycle.step', 'a', ['a.example.com'], 0],
      ['lifecycle.step', 'b', [], 1],
      ['lifecycle.step', 'c', [], 1],
    ]);
    expect(notifier.sent.map((n) => [n.severity, n.kind, n.facts.length])).toEqual([
      ['critical', 'dns.change.failed', 2],
    ]);
  });

  it('rejects a malformed request once and writes the rest', async () => {
    const { handler, notifier, zones } = arrange();

    const response = await handler(
      sqsEvent(
        JSON.stringify(envelope('dns.change', { what: 'x', changes: [] })),
        requestBody('a', upsert('a.example.com', '10.0.0.1')),
      ),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(notifier.sent.map((n) => [n.kind, n.correlationId])).toEqual([['dns.request.invalid', 'm-0']]);
    expect(notifier.sent[0]?.facts[0]?.[1]).toMatch(/^changes: /);
    expect(zones.records(ZONE)).toHaveLength(1);
  });

  it('leaves throttled requests for redelivery and answers nothing for them', async () => {
    const { handler, answers } = arrange();
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    const response = await handler(sqsEvent(requestBody('a', upsert('a.example.com', '10.0.0.1'))));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-0' }] });
    expect(answers()).toEqual([]);
  });
});
