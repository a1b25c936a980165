/**
 * Where a lifecycle action stands, carried from one invocation to the next.
 *
 * Why a delayed SQS message (and not Step Functions or a one-off Scheduler schedule): a wait is "check again in N s",
 * which is exactly SendMessage with DelaySeconds (0–900 s, SQS developer guide "Delay queues"); the queue's redrive
 * policy gives a dead-letter queue for free; IAM is one action on one queue; and nothing has to be cleaned up after
 * (a one-off schedule must be deleted, a state machine is a second runtime to deploy, test and simulate).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { EventValidationError, formatIssuePath } from '../../shared/errors';
import { type LifecycleAction, lifecycleActionSchema } from './action';

export const progressSchema = z.object({
  v: z.literal(1),
  action: lifecycleActionSchema,
  phase: z.enum(['start', 'await-running', 'await-healthy', 'await-drained']),
  /** epoch ms: launch — healthy in every group by then; terminate — stop waiting for draining then. */
  deadline: z.number(),
  /** epoch ms by which a pending instance must be running (launch only). */
  runningDeadline: z.number(),
  /** Heartbeats are recorded at least this often (ms): half the hook's HeartbeatTimeout. */
  heartbeatEveryMs: z.number(),
  lastHeartbeat: z.number(),
  /** Number of invocations handed over so far. */
  hops: z.number().int(),
  /** Consecutive hand-overs after a retryable error (reset by a normal hand-over). */
  retries: z.number().int().default(0),
  /** What earlier invocations did, for the final notification. */
  notes: z.array(z.string()),
});

export type Progress = z.output<typeof progressSchema>;

export function startProgress(action: LifecycleAction): Progress {
  return {
    v: 1,
    action,
    phase: 'start',
    deadline: action.time,
    runningDeadline: action.time,
    heartbeatEveryMs: 0,
    lastHeartbeat: action.time,
    hops: 0,
    retries: 0,
    notes: [],
  };
}

export function parseProgress(body: string): Progress {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new EventValidationError('continuation message', ['body is not JSON'], { cause: error });
  }
  const result = progressSchema.safeParse(json);
  if (!result.success) {
    throw new EventValidationError(
      'continuation message',
      result.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`),
    );
  }
  return result.data;
}

/** SQS's maximum DelaySeconds. */
export const MAX_DELAY_S = 900;

export async function handOver(
  sqs: SQSClient,
  queueUrl: string,
  progress: Progress,
  delaySeconds: number,
): Promise<void> {
  const next: Progress = { ...progress, hops: progress.hops + 1 };
  await send(sqs, queueUrl, next, delaySeconds);
}

async function send(sqs: SQSClient, queueUrl: string, progress: Progress, delaySeconds: number): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(progress),
      DelaySeconds: Math.max(0, Math.min(MAX_DELAY_S, Math.round(delaySeconds))),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: `lifecycle.${progress.action.transition}` },
        instanceId: { DataType: 'String', StringValue: progress.action.instanceId },
      },
    }),
  );
}
