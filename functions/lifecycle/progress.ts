/**
 * Where one lifecycle action stands, carried from one invocation to the next as the payload of a `lifecycle.step`
 * continuation envelope (shared/continuation). Each invocation moves every action of its batch as far as it can,
 * then parks it in the continuation queue with the delay its next look needs.
 *
 * Launch:    start → await-running → await-healthy → await-dns (the Route 53 writer answers) → complete
 * Terminate: start → (the writer deletes the records) → await-drained → done
 */
import * as z from 'zod';
import { type LifecycleAction, lifecycleActionSchema } from './action';

export const LIFECYCLE_STEP = 'lifecycle.step';

export const phases = ['start', 'await-running', 'await-healthy', 'await-dns', 'complete', 'await-drained'] as const;
export type Phase = (typeof phases)[number];

const recordSchema = z.object({
  zoneId: z.string().max(32),
  name: z.string().max(255),
  type: z.literal('A'),
  ttl: z.number().int(),
  value: z.string().max(45),
});

export const progressSchema = z.object({
  action: lifecycleActionSchema,
  phase: z.enum(phases),
  /** epoch ms: launch — healthy in every group by then; terminate — stop waiting for draining then. */
  deadline: z.number(),
  /** epoch ms by which a pending instance must be running (launch only). */
  runningDeadline: z.number(),
  /** Heartbeats are recorded at least this often (ms): half the hook's HeartbeatTimeout. */
  heartbeatEveryMs: z.number(),
  lastHeartbeat: z.number(),
  /** The instance's addresses, read once when it was running (launch). */
  instance: z
    .object({
      privateIp: z.string().max(45).optional(),
      publicIp: z.string().max(45).optional(),
      az: z.string().max(64).optional(),
    })
    .optional(),
  /** The DNS records this action asked the writer to write (launch) or delete (terminate). */
  records: z.array(recordSchema).max(100).default([]),
  /** epoch ms until which a new target is looked at every few seconds (launch; see launch.ts awaitRunning). */
  closeLookUntil: z.number().optional(),
  /** The next draining poll's interval (ms), doubling up to a minute (terminate). */
  drainPollMs: z.number().optional(),
  /** What earlier invocations did, for the final notification. */
  notes: z.array(z.string().max(500)).max(50),
});

export type Progress = z.output<typeof progressSchema>;

export function startProgress(action: LifecycleAction): Progress {
  return {
    action,
    phase: 'start',
    deadline: action.time,
    runningDeadline: action.time,
    heartbeatEveryMs: 0,
    lastHeartbeat: action.time,
    records: [],
    notes: [],
  };
}
