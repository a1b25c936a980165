import type { SQSEvent } from 'aws-lambda';
import { type BatchStep, makeContinuationHandler, type Received } from '../../../shared/continuation/dispatch';
import { envelope } from '../../../shared/continuation/envelope';
import type { EventValidationError } from '../../../shared/errors';
import { loadEvent } from '../../helpers/events';

/** AWS's sample SQS event with the given bodies, message ids m-0, m-1, … */
function sqsEvent(...bodies: string[]): SQSEvent {
  const record = loadEvent<SQSEvent>('sqs-event').Records[0];
  if (!record) throw new Error('sqs-event.json has no record');
  return { Records: bodies.map((body, i) => ({ ...record, body, messageId: `m-${i}` })) };
}

function arrange(failures: Record<string, readonly string[]> = {}) {
  const calls: { kind: string; received: readonly Received[] }[] = [];
  const rejected: { error: EventValidationError; messageId: string }[] = [];
  const step =
    (kind: string): BatchStep =>
    async (received) => {
      calls.push({ kind, received });
      return failures[kind] ?? [];
    };
  const handler = makeContinuationHandler({
    steps: { 'alpha.step': step('alpha.step'), 'beta.step': step('beta.step') },
    rejected: async (error, messageId) => {
      rejected.push({ error, messageId });
    },
  });
  return { handler, calls, rejected };
}

const body = (kind: string, payload: unknown = {}) => JSON.stringify(envelope(kind, payload));

describe('makeContinuationHandler (dispatch by kind)', () => {
  it('hands each kind its records in one call, in arrival order', async () => {
    const { handler, calls, rejected } = arrange();

    const response = await handler(
      sqsEvent(body('alpha.step', 1), body('beta.step', 2), body('alpha.step', 3), body('alpha.step', 4)),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls.map((c) => [c.kind, c.received.map((r) => [r.messageId, r.envelope.payload])])).toEqual([
      [
        'alpha.step',
        [
          ['m-0', 1],
          ['m-2', 3],
          ['m-3', 4],
        ],
      ],
      ['beta.step', [['m-1', 2]]],
    ]);
    expect(rejected).toEqual([]);
  });

  it('rejects a malformed record and an unknown kind once, without redelivery, and still serves the rest', async () => {
    const { handler, calls, rejected } = arrange();

    const response = await handler(sqsEvent('Test message.', body('gamma.step'), body('beta.step')));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(rejected.map((r) => [r.messageId, r.error.issues])).toEqual([
      ['m-0', ['body is not JSON']],
      ['m-1', [expect.stringMatching(/^kind: "gamma\.step" is not served here/)]],
    ]);
    expect(calls.map((c) => c.kind)).toEqual(['beta.step']);
  });

  it('returns the message ids a step asks to have redelivered', async () => {
    const { handler } = arrange({ 'beta.step': ['m-1'] });

    const response = await handler(sqsEvent(body('alpha.step'), body('beta.step')));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });

  it.each([
    ['without Records', {}],
    ['with Records: null', { Records: null }],
    ['that is null', null],
  ])('rejects an SQS event %s clearly, without crashing', async (_, event) => {
    const { handler, calls, rejected } = arrange();

    const response = await handler(event);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.error.issues[0]).toMatch(/^Records: /);
    expect(calls).toEqual([]);
  });

  it('rejects a record whose body is not a string', async () => {
    const { handler, rejected } = arrange();
    const event = sqsEvent(body('alpha.step'));
    (event.Records[0] as unknown as { body: unknown }).body = { v: 1 };

    await handler(event);

    expect(rejected.map((r) => r.error.issues)).toEqual([['body: expected a string']]);
  });
});
