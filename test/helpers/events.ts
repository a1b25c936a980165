import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** AWS's published sample events (events/README.md cites each); a fresh deep copy per call, so tests can edit it. */
export function loadEvent<T = Record<string, unknown>>(name: string): T {
  const text = readFileSync(join(__dirname, '..', '..', 'events', `${name}.json`), 'utf8');
  return structuredClone(JSON.parse(text)) as T;
}

export interface LifecycleSample {
  id: string;
  time: string;
  detail: Record<string, unknown> & { EC2InstanceId: string; AutoScalingGroupName: string };
  [key: string]: unknown;
}

/** The moment test clocks start from. */
export const SAMPLE_TIME = '2026-11-25T12:00:00.000Z';

/**
 * A published sample with its `time` set to SAMPLE_TIME. Several AWS samples carry the placeholder
 * "yyyy-mm-ddThh:mm:ssZ" there, and lifecycle deadlines count from the event's time, so tests pin it.
 */
export function timedEvent<T = Record<string, unknown>>(name: string, time = SAMPLE_TIME): T {
  return { ...loadEvent<Record<string, unknown>>(name), time } as T;
}
