/**
 * Section 5, AWS calls per AMI refresh step: one AMI refresh of the example config's first service on the simulated
 * account, fleetpilot's real handlers wired as serverless.yml wires them. The service keeps the example's refresh
 * preferences and retention policy; only what must name the simulated account changes: the image is adopted (an
 * image named `<service>-…` made elsewhere, since the example's reference instance does not exist there) and the
 * launch template is the group's own `<group>-lt`. Five fleetpilot-made images older than the retention window exist
 * from the start, so retention has something to retire.
 *
 * Steps, by the function whose invocation made the call (each AMI refresh handler runs in its own async context):
 *   image      amiRefreshImage (+ amiRefreshResume): the "EC2 AMI State Change" event → version + StartInstanceRefresh
 *   refresh    amiRefreshOutcome: each instance refresh event (read the refresh, default version, report)
 *   retention  amiRefreshOutcome on success, from retention's first DescribeImages up to the report's Publish
 * The lifecycle functions' calls for the replacements are counted apart (section 3 measures them per instance).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CreateImageCommand, EC2Client } from '@aws-sdk/client-ec2';
import { handlerFactories } from '../../functions/registry';
import type { FleetpilotConfig } from '../../shared/config/schema';
import type { HandlerDeps } from '../../shared/runtime/deps';
import { type CallRecord, createSimAccount } from '../../sim/account';
import { createVirtualClock } from '../../sim/clock';
import { LocalLambda } from '../../sim/lambda';
import { attachSim } from '../../sim/plug';
import { stackFromConfig } from '../../sim/simulation';
import { readWiring } from '../../sim/wiring';

export type AmiStep = 'image' | 'refresh' | 'retention';

export interface AmiStepCalls {
  step: AmiStep;
  invocations: number;
  calls: number;
  byOperation: Record<string, number>;
}

export interface AmiRefreshResult {
  service: string;
  refreshStatus: string;
  /** Instances the refresh replaced. */
  replaced: number;
  imagesRetired: number;
  steps: AmiStepCalls[];
  /** Calls of every AMI refresh step together. */
  total: number;
  /** Calls the other functions (lifecycle, DNS writer) made for the replacements (not part of the steps). */
  lifecycleCalls: number;
  virtualSeconds: number;
  wallMs: number;
}

const HOUR = 3_600_000;
const BASE_IMAGE = `ami-0${'a'.repeat(16)}`;
const OLD_IMAGES = 5;
type Owner = 'image' | 'outcome' | 'other';
const AMI_FUNCTIONS: Record<string, Owner> = {
  'functions/ami-refresh/image-handler.handler': 'image',
  'functions/ami-refresh/resume-handler.handler': 'image',
  'functions/ami-refresh/refresh-handler.handler': 'outcome',
};
const TERMINAL = ['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful', 'RollbackFailed'];

export async function measureAmiRefresh(config: FleetpilotConfig, configFile: string): Promise<AmiRefreshResult> {
  const wallStart = performance.now();
  const adapted = structuredClone(config);
  const service = adapted.services.find((s) => s.amiRefresh !== undefined);
  if (!service?.amiRefresh) throw new Error(`${configFile} declares no service with an amiRefresh section`);
  const { schedule: _schedule, ...rest } = service.amiRefresh;
  service.amiRefresh = {
    ...rest,
    source: { adopt: { owners: ['self'], namePrefix: `${service.name}-` } },
    launchTemplate: { name: `${service.autoScalingGroup}-lt` },
  };

  // Which function (and which invocation) made each call. Every handler is wrapped, not only the AMI refresh ones: a
  // timer the account schedules during a call (the refresh's progress, an event's delivery) keeps the async context
  // of that call, so a function it starts must set its own.
  const scope = new AsyncLocalStorage<{ kind: Owner; invocation: number }>();
  let invocationCount = 0;
  const wrapped = Object.fromEntries(
    Object.entries(handlerFactories).map(([key, factory]) => {
      const kind = AMI_FUNCTIONS[key] ?? 'other';
      return [
        key,
        (deps: HandlerDeps) => {
          const handler = factory(deps);
          return (event: unknown, context: Parameters<typeof handler>[1]) => {
            invocationCount += 1;
            return scope.run({ kind, invocation: invocationCount }, () => handler(event, context));
          };
        },
      ];
    }),
  );

  const clock = createVirtualClock({ seedMathRandom: 'math:bench-ami-refresh' });
  try {
    const wiring = readWiring(configFile, { stage: 'sim' });
    const options = {
      config: adapted,
      seed: 'bench-ami-refresh',
      initialCapacity: 2,
      launchTemplate: { imageId: BASE_IMAGE },
    };
    const stack = stackFromConfig(adapted, options, clock, wiring);
    const created = new Date(clock.now() - 60 * 86_400_000);
    for (let i = 0; i < OLD_IMAGES; i++) {
      const at = new Date(created.getTime() + i * 86_400_000).toISOString();
      stack.images = [
        ...(stack.images ?? []),
        {
          id: `ami-0${String(i + 1).repeat(16)}`,
          name: `fleetpilot-${service.name}-old-${i}`,
          creationDate: at,
          tags: { 'fleetpilot:service': service.name, 'fleetpilot:source': 'i-0123456789abcdef0' },
        },
      ];
    }
    const account = createSimAccount(stack);
    const lambda = new LocalLambda({ account, wiring, config: adapted, seed: 'bench-ami-refresh', handlers: wrapped });
    lambda.start();
    const quiet = () =>
      lambda.idle() &&
      account.autoscaling.pendingActions().length === 0 &&
      account.autoscaling
        .view()
        .every(
          (g) => g.instances.length === g.desiredCapacity && g.instances.every((i) => i.lifecycleState === 'InService'),
        );
    const settle = async () => {
      await clock.advance(1_000);
      return clock.runUntil(quiet, HOUR, 5_000);
    };
    try {
      if (!(await settle())) throw new Error('the group did not settle');
      const calls: Array<CallRecord & { owner?: { kind: Owner; invocation: number } }> = [];
      account.onCall((call) => {
        const owner = scope.getStore();
        calls.push(owner ? { ...call, owner } : call);
      });
      const invocationsBefore = lambda.invocations.length;
      const start = clock.now();
      const before = new Set(account.autoscaling.view()[0]?.instances.map((i) => i.id));

      // Someone else's pipeline makes the image (its calls go through a client of the bench's own, not counted).
      const ec2 = new EC2Client({ region: adapted.region, maxAttempts: 1 });
      attachSim(ec2, account);
      const member = [...before][0] ?? '';
      const stopCounting = calls.length;
      await ec2.send(new CreateImageCommand({ InstanceId: member, Name: `${service.name}-bench`, NoReboot: true }));
      calls.splice(stopCounting);

      const refresh = () => account.autoscaling.refreshes.list().at(-1);
      await clock.runUntil(() => TERMINAL.includes(refresh()?.status ?? ''), 6 * HOUR);
      if (!(await settle())) throw new Error('the refresh did not settle');

      const retired = account.ec2.images.deregistrations.length;
      const steps = split(calls, lambda.invocations.slice(invocationsBefore));
      const after = account.autoscaling.view()[0]?.instances.map((i) => i.id) ?? [];
      return {
        service: service.name,
        refreshStatus: refresh()?.status ?? 'none',
        replaced: after.filter((id) => !before.has(id)).length,
        imagesRetired: retired,
        steps,
        total: steps.reduce((n, s) => n + s.calls, 0),
        lifecycleCalls: calls.filter((c) => c.owner?.kind === 'other').length,
        virtualSeconds: (clock.now() - start) / 1000,
        wallMs: performance.now() - wallStart,
      };
    } finally {
      lambda.stop();
    }
  } finally {
    clock.uninstall();
  }
}

function split(
  calls: ReadonlyArray<CallRecord & { owner?: { kind: Owner; invocation: number } }>,
  invocations: ReadonlyArray<{ fn: string }>,
): AmiStepCalls[] {
  const byStep: Record<AmiStep, CallRecord[]> = { image: [], refresh: [], retention: [] };
  const inRetention = new Set<number>();
  const retentionRuns = new Set<number>();
  for (const call of calls) {
    if (!call.owner || call.owner.kind === 'other') continue;
    if (call.owner.kind === 'image') {
      byStep.image.push(call);
      continue;
    }
    const id = call.owner.invocation;
    const key = `${call.service}:${call.operation}`;
    if (key === 'ec2:DescribeImages') {
      inRetention.add(id);
      retentionRuns.add(id);
    }
    if (key === 'sns:Publish') inRetention.delete(id);
    byStep[inRetention.has(id) ? 'retention' : 'refresh'].push(call);
  }
  const count = (fn: RegExp) => invocations.filter((i) => fn.test(i.fn)).length;
  const invocationsOf: Record<AmiStep, number> = {
    image: count(/amiRefreshImage|amiRefreshResume/),
    refresh: count(/amiRefreshOutcome/),
    retention: retentionRuns.size,
  };
  return (Object.keys(byStep) as AmiStep[]).map((step) => {
    const byOperation: Record<string, number> = {};
    for (const call of byStep[step]) {
      const key = `${call.service}:${call.operation}`;
      byOperation[key] = (byOperation[key] ?? 0) + 1;
    }
    return { step, invocations: invocationsOf[step], calls: byStep[step].length, byOperation };
  });
}
