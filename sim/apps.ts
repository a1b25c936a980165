/**
 * The simulated web application on each instance: what an ELB health check to it gets back.
 *
 * - `healthy`: answers 200 once the instance is running.
 * - `slow(seconds)`: refuses connections until it has been running for `seconds`, then answers 200
 *   (a refused connection is what an app that is still starting looks like to the load balancer).
 * - `broken(status)`: answers with that HTTP status; `broken('timeout')` never answers.
 */
export type AppBehaviour =
  | { kind: 'healthy' }
  | { kind: 'slow'; readyAfterSeconds: number }
  | { kind: 'broken'; status: number }
  | { kind: 'timeout' };

export const apps = {
  healthy: (): AppBehaviour => ({ kind: 'healthy' }),
  slow: (readyAfterSeconds: number): AppBehaviour => ({ kind: 'slow', readyAfterSeconds }),
  broken: (status: number | 'timeout'): AppBehaviour =>
    status === 'timeout' ? { kind: 'timeout' } : { kind: 'broken', status },
} as const;

export type ProbeResult = { kind: 'response'; status: number } | { kind: 'timeout' } | { kind: 'connection-refused' };

/** What a health check sees, given the behaviour and how long the instance has been running. */
export const probe = (behaviour: AppBehaviour, runningForMs: number | undefined, status200 = 200): ProbeResult => {
  if (runningForMs === undefined) return { kind: 'connection-refused' };
  switch (behaviour.kind) {
    case 'healthy':
      return { kind: 'response', status: status200 };
    case 'slow':
      return runningForMs >= behaviour.readyAfterSeconds * 1000
        ? { kind: 'response', status: status200 }
        : { kind: 'connection-refused' };
    case 'broken':
      return { kind: 'response', status: behaviour.status };
    case 'timeout':
      return { kind: 'timeout' };
  }
};

/** Per-instance behaviours plus a queue for "the next N launches". */
export class AppControls {
  private readonly byInstance = new Map<string, AppBehaviour>();
  private readonly queue: AppBehaviour[] = [];

  constructor(private defaultBehaviour: AppBehaviour = apps.healthy()) {}

  /** Set the behaviour of one instance (takes effect at its next health check). */
  set(instanceId: string, behaviour: AppBehaviour): void {
    this.byInstance.set(instanceId, behaviour);
  }

  /** The next `count` launched instances get `behaviour`, in launch order. */
  nextLaunches(count: number, behaviour: AppBehaviour): void {
    for (let index = 0; index < count; index++) this.queue.push(behaviour);
  }

  /** Behaviour for instances launched when the queue is empty. */
  setDefault(behaviour: AppBehaviour): void {
    this.defaultBehaviour = behaviour;
  }

  /** Called by EC2 when an instance is launched. */
  assignAtLaunch(instanceId: string): AppBehaviour {
    const behaviour = this.queue.shift() ?? this.defaultBehaviour;
    this.byInstance.set(instanceId, behaviour);
    return behaviour;
  }

  get(instanceId: string): AppBehaviour {
    return this.byInstance.get(instanceId) ?? this.defaultBehaviour;
  }
}
