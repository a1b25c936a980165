/**
 * Errors: SDK-shaped service exceptions for the simulated services, and the sim's own errors.
 *
 * A service exception is an instance of the client's own exception class (for example Route 53
 * `InvalidChangeBatch`) or, where the client models no class for an AWS error code, of the client's
 * `*ServiceException` base class with the AWS error code as `name`, the way the SDK deserialises an
 * unmodelled error. `$fault` and `$metadata.httpStatusCode` are set so that the SDK's retry strategy
 * classifies the error exactly as it would classify the real one (throttling by `name`, transient by
 * status 500/502/503/504, everything else a non-retryable client error). The plug fills in
 * `$metadata.requestId` and a minimal `$response`.
 */
import type { ResponseMetadata } from '@smithy/types';

export type Fault = 'client' | 'server';

export interface SimServiceExceptionOptions {
  name: string;
  message: string;
  $fault: Fault;
  $metadata: ResponseMetadata;
  [extra: string]: unknown;
}

/** Any SDK exception class: the modelled ones and the `*ServiceException` base classes. */
export type ExceptionClass = new (options: SimServiceExceptionOptions) => Error;

export interface ServiceErrorSpec {
  /**
   * AWS error code, e.g. `ValidationError`, `InvalidInstanceID.NotFound`. Omit it with a modelled class,
   * which carries its own name.
   */
  code?: string;
  message: string;
  /** HTTP status; default 400. */
  status?: number;
  /** Extra modelled members (e.g. `messages` for Route 53 InvalidChangeBatch). */
  extra?: Record<string, unknown>;
}

/** Build an SDK-shaped exception. The fault follows the status: 5xx is `server`, the rest `client`. */
export const serviceError = (ctor: ExceptionClass, spec: ServiceErrorSpec): Error => {
  const status = spec.status ?? 400;
  const fault: Fault = status >= 500 ? 'server' : 'client';
  const error = new ctor({
    name: spec.code ?? '',
    message: spec.message,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    ...spec.extra,
  });
  // Modelled classes hard-code their name; base classes take it from the options. Make sure either way.
  if (spec.code !== undefined && error.name !== spec.code) {
    Object.defineProperty(error, 'name', { value: spec.code, enumerable: true, writable: true, configurable: true });
  }
  Object.assign(error, { $fault: fault });
  return error;
};

/** Is this an SDK-shaped service exception (has `$fault` and `$metadata`)? */
export const isServiceException = (
  value: unknown,
): value is Error & { $fault: Fault; $metadata: ResponseMetadata; $response?: unknown } =>
  value instanceof Error &&
  typeof (value as { $metadata?: unknown }).$metadata === 'object' &&
  ((value as { $fault?: unknown }).$fault === 'client' || (value as { $fault?: unknown }).$fault === 'server');

/** An operation the simulated account does not implement. Never swallowed: tests must see it. */
export class SimUnsupportedOperationError extends Error {
  readonly service: string;
  readonly operation: string;
  constructor(service: string, operation: string) {
    super(`The simulated AWS account does not implement ${service}:${operation}. Add it to sim/${service}.ts.`);
    this.name = 'SimUnsupportedOperationError';
    this.service = service;
    this.operation = operation;
  }
}

/** Thrown by `faults.killAfterCalls`: the runtime treats it as the function dying mid-way. */
export class SimulatedCrashError extends Error {
  readonly callNumber: number;
  readonly service: string;
  readonly operation: string;
  constructor(callNumber: number, service: string, operation: string) {
    super(`Simulated crash: the function died at AWS call #${callNumber} (${service}:${operation})`);
    this.name = 'SimulatedCrashError';
    this.callNumber = callNumber;
    this.service = service;
    this.operation = operation;
  }
}

/** A scenario declared something inconsistent (unknown subnet, duplicate name...). */
export class SimConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimConfigError';
  }
}
