/**
 * Fault injection for the simulated account, decided by seeded dice.
 *
 * Injected errors carry the codes AWS uses for each service, so the SDK retries them the way it would
 * retry the real ones:
 * - throttling: EC2 `RequestLimitExceeded` (EC2 API reference, "Request throttling for the Amazon EC2
 *   API": HTTP 503); Auto Scaling, ELBv2, Route 53 `Throttling` / "Rate exceeded" (HTTP 400); SNS
 *   `ThrottledException`; SQS `RequestThrottled`.
 * - server errors: EC2 `InternalError` (500) / `Unavailable` (503) (EC2 "Error codes");
 *   the others `InternalFailure` (500) / `ServiceUnavailable` (503) (the "Common Errors" page of each
 *   API reference); SNS `InternalErrorException` (500).
 */
import { ACMServiceException, ThrottlingException as AcmThrottlingException } from '@aws-sdk/client-acm';
import { AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';
import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2ServiceException } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53ServiceException } from '@aws-sdk/client-route-53';
import { InternalErrorException, SNSServiceException, ThrottledException } from '@aws-sdk/client-sns';
import { RequestThrottled, SQSServiceException } from '@aws-sdk/client-sqs';
import { SSMServiceException } from '@aws-sdk/client-ssm';
import type { ServiceName } from './context';
import { type ExceptionClass, SimulatedCrashError, serviceError } from './errors';
import type { EventBus, EventDeliveryFaults } from './events';
import type { SeededRandom } from './random';

export interface FaultScope {
  /** Only this service (default: all). */
  service?: ServiceName;
  /** Only these operations (default: all of the service). */
  operations?: string[];
}

export interface RateFault extends FaultScope {
  /** Probability per call, 0..1. */
  rate: number;
}

export interface ServerErrorFault extends RateFault {
  /** `500` → InternalError/InternalFailure, `503` → Unavailable/ServiceUnavailable; default 500. */
  status?: 500 | 503;
}

export interface LatencyFault extends FaultScope {
  /** Added virtual latency per call, ms. */
  ms: number;
  /** Extra uniformly random latency, 0..jitterMs. */
  jitterMs?: number;
}

interface Rule {
  kind: 'throttle' | 'server' | 'latency';
  scope: FaultScope;
  rate: number;
  status: 500 | 503;
  ms: number;
  jitterMs: number;
}

interface CrashRule {
  remaining: number;
  scope: FaultScope;
  count: number;
}

const THROTTLE: Record<ServiceName, { ctor: ExceptionClass; code?: string; message: string; status: number }> = {
  ec2: { ctor: EC2ServiceException, code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 },
  autoScaling: { ctor: AutoScalingServiceException, code: 'Throttling', message: 'Rate exceeded', status: 400 },
  elbv2: { ctor: ElasticLoadBalancingV2ServiceException, code: 'Throttling', message: 'Rate exceeded', status: 400 },
  route53: { ctor: Route53ServiceException, code: 'Throttling', message: 'Rate exceeded', status: 400 },
  sns: { ctor: ThrottledException, message: 'Rate exceeded', status: 400 },
  sqs: { ctor: RequestThrottled, message: 'Rate exceeded', status: 400 },
  acm: { ctor: AcmThrottlingException, message: 'Rate exceeded', status: 400 },
  cloudWatch: { ctor: CloudWatchServiceException, code: 'Throttling', message: 'Rate exceeded', status: 400 },
  ssm: { ctor: SSMServiceException, code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
};

const serverError = (service: ServiceName, status: 500 | 503): Error => {
  if (service === 'ec2') {
    return status === 500
      ? serviceError(EC2ServiceException, { code: 'InternalError', message: 'An internal error has occurred', status })
      : serviceError(EC2ServiceException, {
          code: 'Unavailable',
          message: "The server is overloaded and can't handle the request.",
          status,
        });
  }
  if (service === 'sns' && status === 500) {
    return serviceError(InternalErrorException, { message: 'Internal Error', status });
  }
  const ctor: ExceptionClass = {
    autoScaling: AutoScalingServiceException,
    elbv2: ElasticLoadBalancingV2ServiceException,
    route53: Route53ServiceException,
    sns: SNSServiceException,
    sqs: SQSServiceException,
    acm: ACMServiceException,
    cloudWatch: CloudWatchServiceException,
    ssm: SSMServiceException,
  }[service];
  return status === 500
    ? serviceError(ctor, {
        code: 'InternalFailure',
        message: 'The request processing has failed because of an unknown error, exception or failure.',
        status,
      })
    : serviceError(ctor, {
        code: 'ServiceUnavailable',
        message: 'The request has failed due to a temporary failure of the server.',
        status,
      });
};

const inScope = (scope: FaultScope, service: ServiceName, operation: string): boolean =>
  (scope.service === undefined || scope.service === service) &&
  (scope.operations === undefined || scope.operations.includes(operation));

export class Faults {
  private rules: Rule[] = [];
  private crashes: CrashRule[] = [];
  /** Calls that reached the account, in order (including failed ones). */
  readonly calls: Array<{ service: ServiceName; operation: string; at: number; outcome: string }> = [];

  constructor(
    private readonly dice: SeededRandom,
    private readonly events: EventBus,
  ) {}

  /** Throttle calls in scope with probability `rate`. */
  throttle(fault: RateFault): this {
    this.rules.push({ kind: 'throttle', scope: fault, rate: fault.rate, status: 500, ms: 0, jitterMs: 0 });
    return this;
  }

  /** Fail calls in scope with a 5xx with probability `rate`. */
  serverErrors(fault: ServerErrorFault): this {
    this.rules.push({
      kind: 'server',
      scope: fault,
      rate: fault.rate,
      status: fault.status ?? 500,
      ms: 0,
      jitterMs: 0,
    });
    return this;
  }

  /** Add virtual latency to calls in scope. */
  latency(fault: LatencyFault): this {
    this.rules.push({
      kind: 'latency',
      scope: fault,
      rate: 1,
      status: 500,
      ms: fault.ms,
      jitterMs: fault.jitterMs ?? 0,
    });
    return this;
  }

  /** Duplicate / delay / drop EventBridge deliveries. */
  eventDelivery(faults: EventDeliveryFaults): this {
    this.events.setFaults(faults);
    return this;
  }

  /**
   * The n-th call in scope (counting from now, 1-based) throws SimulatedCrashError instead of reaching
   * the service: the function "dies mid-way" after n − 1 calls took effect. One-shot.
   */
  killAfterCalls(n: number, scope: FaultScope = {}): this {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`killAfterCalls: n must be a positive integer, got ${n}`);
    this.crashes.push({ remaining: n, scope, count: n });
    return this;
  }

  /** Remove every rule (event delivery faults included). */
  clear(): this {
    this.rules = [];
    this.crashes = [];
    this.events.setFaults({});
    return this;
  }

  /** Decide the fate of one call. Returns the added latency; throws the injected error. */
  beforeCall(service: ServiceName, operation: string, at: number): number {
    for (const crash of this.crashes) {
      if (!inScope(crash.scope, service, operation)) continue;
      crash.remaining--;
      if (crash.remaining === 0) {
        this.crashes = this.crashes.filter((candidate) => candidate !== crash);
        this.calls.push({ service, operation, at, outcome: 'SimulatedCrashError' });
        throw new SimulatedCrashError(crash.count, service, operation);
      }
    }
    let latency = 0;
    for (const rule of this.rules) {
      if (!inScope(rule.scope, service, operation)) continue;
      if (rule.kind === 'latency') {
        latency += rule.ms + (rule.jitterMs > 0 ? this.dice.int(rule.jitterMs + 1) : 0);
        continue;
      }
      if (!this.dice.chance(rule.rate)) continue;
      const error =
        rule.kind === 'throttle'
          ? (() => {
              const spec = THROTTLE[service];
              return serviceError(spec.ctor, {
                ...(spec.code !== undefined ? { code: spec.code } : {}),
                message: spec.message,
                status: spec.status,
              });
            })()
          : serverError(service, rule.status);
      this.calls.push({ service, operation, at, outcome: error.name });
      throw error;
    }
    return latency;
  }
}
