import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ContinuationSendError,
  envelope,
  MAX_DELAY_S,
  type Outgoing,
  parseEnvelope,
  sendContinuations,
} from '../../../shared/continuation/envelope';
import { EventValidationError } from '../../../shared/errors';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-west-2' });
const QUEUE_A = 'https://sqs.us-west-2.amazonaws.com/123456789012/a';
const QUEUE_B = 'https://sqs.us-west-2.amazonaws.com/123456789012/b';

const outgoing = (n: number, queueUrl = QUEUE_A, delaySeconds = 5): Outgoing[] =>
  Array.from({ length: n }, (_, i) => ({
    queueUrl,
    envelope: envelope('test.step', { i }),
    delaySeconds,
    subject: `item-${i}`,
  }));

function parseError(body: string): EventValidationError {
  try {
    parseEnvelope(body);
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('parseEnvelope accepted the body');
}

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('parseEnvelope', () => {
  it('reads back what envelope() writes', () => {
    const sent = { ...envelope('lifecycle.step', { phase: 'start' }, 2, 1), result: { dns: { applied: [] } } };

    expect(parseEnvelope(JSON.stringify(sent))).toEqual(sent);
  });

  it('rejects a body that is not JSON', () => {
    expect(parseError('Test message.').issues).toEqual(['body is not JSON']);
  });

  it.each([
    ['v', { kind: 'lifecycle.step', payload: {}, hops: 0, retries: 0 }],
    ['v', { v: 2, kind: 'lifecycle.step', payload: {}, hops: 0, retries: 0 }],
    ['kind', { v: 1, payload: {}, hops: 0, retries: 0 }],
    ['kind', { v: 1, kind: 'LifecycleStep', payload: {}, hops: 0, retries: 0 }],
    ['hops', { v: 1, kind: 'lifecycle.step', payload: {}, hops: -1, retries: 0 }],
    ['retries', { v: 1, kind: 'lifecycle.step', payload: {}, hops: 0, retries: 1.5 }],
  ])('names the field %s when it is missing or wrong', (field, body) => {
    const error = parseError(JSON.stringify(body));

    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(new RegExp(`^${field}: `));
    expect(error.message).toContain(field);
  });
});

describe('sendContinuations', () => {
  it('sends ten entries per SendMessageBatch, per queue', async () => {
    await sendContinuations(client, [...outgoing(23, QUEUE_A), ...outgoing(3, QUEUE_B)]);

    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.QueueUrl, c.Entries?.length])).toEqual([
      [QUEUE_A, 10],
      [QUEUE_A, 10],
      [QUEUE_A, 3],
      [QUEUE_B, 3],
    ]);
    const bodies = calls.flatMap((c) => c.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? '{}'));
    expect(bodies.filter((b) => b.kind === 'test.step')).toHaveLength(26);
    expect(calls[0]?.Entries?.[0]?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'test.step' },
      subject: { DataType: 'String', StringValue: 'item-0' },
    });
    // Ids are unique within a batch (SQS refuses BatchEntryIdsNotDistinct otherwise).
    for (const c of calls) expect(new Set(c.Entries?.map((e) => e.Id)).size).toBe(c.Entries?.length);
  });

  it('keeps DelaySeconds within what SQS accepts (0 to 900, whole seconds)', async () => {
    await sendContinuations(client, [
      ...outgoing(1, QUEUE_A, 4000),
      ...outgoing(1, QUEUE_A, -3),
      ...outgoing(1, QUEUE_A, 12.6),
    ]);

    const delays = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.map((e) => e.DelaySeconds);
    expect(delays).toEqual([MAX_DELAY_S, 0, 13]);
  });

  it('sends nothing for nothing', async () => {
    await sendContinuations(client, []);

    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('raises ContinuationSendError naming every entry SQS refused, after sending the rest', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError', Message: 'try again' }],
      })
      .resolves({ Successful: [], Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidParameterValue' }] });

    const sending = sendContinuations(client, outgoing(12));

    await expect(sending).rejects.toThrow(ContinuationSendError);
    const error = (await sending.catch((e: unknown) => e)) as ContinuationSendError;
    expect(error.name).toBe('ContinuationSendError');
    expect(error.failed).toEqual([
      { subject: 'item-3', code: 'InternalError', message: 'try again' },
      { subject: 'item-11', code: 'InvalidParameterValue' },
    ]);
    expect(error.message).toContain('item-3 InternalError try again');
    expect(error.message).toContain('item-11 InvalidParameterValue');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });
});
