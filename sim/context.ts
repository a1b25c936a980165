/**
 * What every simulated service shares: identity of the account, virtual time, seeded randomness, the
 * scheduler (timers on the virtual clock) and the event bus.
 */
import type { AwsServiceKey } from '../shared/aws/services';
import type { EventBus } from './events';
import type { SeededRandom } from './random';

/** A simulated service is named by its row in shared/aws/services.ts (AWS_SERVICES): one list of services. */
export type ServiceName = AwsServiceKey;

/** What a handler returns: the command output without `$metadata` (the plug adds it). */
export type SimOutput<O> = Omit<O, '$metadata'>;

/** One operation: typed with the SDK's own XCommandInput / XCommandOutput. */
export type OperationHandler<I, O> = (input: I) => SimOutput<O> | Promise<SimOutput<O>>;

/** A map from operation name to [input, output] types, e.g. `{ CreateTags: [CreateTagsCommandInput, CreateTagsCommandOutput] }`. */
export type OperationTypes = Record<string, readonly [unknown, unknown]>;

export type OperationTable<T extends OperationTypes> = { [K in keyof T]: OperationHandler<T[K][0], T[K][1]> };

/** A simulated service: a name and a table of operations. Add an operation = add a row. */
export interface SimService {
  readonly name: ServiceName;
  /** Operation name → handler. Lookups of names not in the table fail loudly in the account. */
  operationHandler(operation: string): ((input: unknown) => unknown) | undefined;
}

/** Turn a typed table into the loose lookup the dispatcher uses (the one cast at the boundary). */
export const lookupIn =
  <T extends OperationTypes>(table: OperationTable<T>) =>
  (operation: string): ((input: unknown) => unknown) | undefined => {
    if (!Object.hasOwn(table, operation)) return undefined;
    return (table as unknown as Record<string, (input: unknown) => unknown>)[operation];
  };

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface SimContext {
  readonly accountId: string;
  readonly region: string;
  /** Virtual epoch milliseconds (the faked Date). */
  now(): number;
  /** Identifiers: instance ids, tokens, ARNs suffixes, request ids. */
  readonly ids: SeededRandom;
  /** Behaviour dice: boot-time jitter, health-check offsets. */
  readonly dice: SeededRandom;
  readonly events: EventBus;
  /** Run `fn` after `delayMs` of virtual time. Errors thrown by `fn` surface from `clock.advance()`. */
  schedule(delayMs: number, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle | undefined): void;
}

/** AWS event time format: seconds precision, `Z` suffix ("yyyy-mm-ddThh:mm:ssZ"). */
export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Compare two strings by code unit, for deterministic ordering independent of locale. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Deep copy of plain data (objects, arrays, Dates, byte arrays), so neither side keeps references into
 * the other. Unlike `structuredClone`, Dates are rebuilt with the current global `Date`, which is the
 * faked one while the virtual clock is installed: outputs then look exactly like SDK-deserialised ones.
 */
export const cloneData = <T>(value: T): T => {
  if (value instanceof Date || Object.prototype.toString.call(value) === '[object Date]') {
    return new Date((value as unknown as Date).getTime()) as T;
  }
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map((item) => cloneData(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = cloneData(inner);
    return copy as T;
  }
  return value;
};
