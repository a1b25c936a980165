/**
 * The EventBridge rules in the packaged template route AWS's published sample events (events/) to the right
 * function, only for the groups the config names, and equal what sim/wiring.ts reads from serverless.yml, so the
 * simulated account's event bus routes exactly as the deployed rules would.
 */
import { matchesEventPattern, readWiring, type Wiring } from '../../sim/wiring';
import { loadEvent } from '../helpers/events';
import {
  asArray,
  functionLogicalId,
  loadTemplate,
  packagedConfig,
  props,
  referencedId,
  resourcesOfType,
  STAGE,
  type Template,
} from './template';

/** Which function each sample should reach; events/README.md describes every sample. */
const EXPECTED: Record<string, string[]> = {
  lifecycleLaunch: [
    'autoscaling-launch-lifecycle-action',
    'autoscaling-launch-lifecycle-action-warm-pool',
    'autoscaling-launch-lifecycle-action-from-warm-pool',
    'autoscaling-launch-lifecycle-action-replace-root-volume',
  ],
  lifecycleTerminate: [
    'autoscaling-terminate-lifecycle-action',
    'autoscaling-terminate-lifecycle-action-to-warm-pool',
    'autoscaling-terminate-lifecycle-action-replace-root-volume',
  ],
  amiRefreshImage: ['ec2-ami-state-change', 'ec2-ami-state-change-failed'],
  amiRefreshOutcome: [
    'autoscaling-instance-refresh-started',
    'autoscaling-instance-refresh-checkpoint-reached',
    'autoscaling-instance-refresh-succeeded',
    'autoscaling-instance-refresh-failed',
    'autoscaling-instance-refresh-cancelled',
    'autoscaling-instance-refresh-rollback-started',
    'autoscaling-instance-refresh-rollback-succeeded',
    'autoscaling-instance-refresh-rollback-failed',
  ],
  // AWS's alarm sample names an alarm fleetpilot does not deploy (UNROUTED below); with a fleetpilot alarm's name it
  // reaches targetHealthAlarm (test/unit/target-health/deploy.test.ts).
  targetHealthAlarm: [],
  siteRotate: ['acm-certificate-available'],
};
/** Samples that name no group (an AMI belongs to no group): routed whatever the config's groups; the handler decides. */
/** Rules keyed by something other than a group, routed in their own tests (certificates: test/unit/certificates/deploy.test.ts). */
const ROUTED_BY_RESOURCE = ['certificatesEvent'];
const GROUPLESS = ['ec2-ami-state-change', 'ec2-ami-state-change-failed', 'acm-certificate-available'];
/** EventBridge samples no rule of ours may match. */
const UNROUTED = [
  'autoscaling-instance-launch-successful',
  'autoscaling-test-notification',
  'acm-certificate-approaching-expiration',
  'cloudwatch-alarm-state-change',
];
const ALL_SAMPLES = [...Object.values(EXPECTED).flat(), ...UNROUTED];

type Sample = Record<string, unknown> & { detail?: Record<string, unknown> };

/**
 * A sample with its group set to `group` (AWS's samples all use "my-asg", which no config of ours names) and its hook
 * to the one the config names for that group and transition (the samples' "my-lifecycle-hook" is nobody's).
 */
function sampleFor(name: string, group: string, hook?: string): Sample {
  const event = loadEvent<Sample>(name);
  if (event.detail && 'AutoScalingGroupName' in event.detail) event.detail.AutoScalingGroupName = group;
  if (event.detail && 'LifecycleHookName' in event.detail) {
    const service = packagedConfig().services.find((s) => s.autoScalingGroup === group);
    const transition =
      event.detail.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING' ? 'launch' : 'terminate';
    event.detail.LifecycleHookName = hook ?? service?.lifecycle.hooks[transition][0] ?? 'fleetpilot-launch';
  }
  return event;
}

let template: Template;
let wiring: Wiring;
let rules: { id: string; functionName: string; pattern: unknown; properties: Record<string, unknown> }[];
let groups: string[];

beforeAll(() => {
  template = loadTemplate();
  wiring = readWiring(undefined, { stage: STAGE });
  groups = packagedConfig().services.map((s) => s.autoScalingGroup);
  const functionByLogicalId = new Map(wiring.functions.map((f) => [functionLogicalId(f.name), f.name]));
  rules = resourcesOfType(template, 'AWS::Events::Rule').flatMap(([id, rule]) =>
    asArray(props(rule).Targets as { Arn: unknown }[]).map((target) => ({
      id,
      functionName: functionByLogicalId.get(referencedId(target.Arn) ?? '') ?? `unknown target of ${id}`,
      pattern: props(rule).EventPattern,
      properties: props(rule),
    })),
  );
});

const rulesOf = (fn: string) => rules.filter((r) => r.functionName === fn);
const routes = (event: unknown) =>
  rules.filter((r) => matchesEventPattern(r.pattern, event)).map((r) => r.functionName);

describe('EventBridge rules in the packaged template', () => {
  it('exist for exactly the functions that expect EventBridge events', () => {
    expect([...new Set(rules.map((r) => r.functionName))].sort()).toEqual(
      [...Object.keys(EXPECTED), ...ROUTED_BY_RESOURCE].sort(),
    );
  });

  it.each(Object.entries(EXPECTED).flatMap(([fn, samples]) => samples.map((s) => [s, fn])))(
    'route %s (for a configured group) to %s only',
    (sample, fn) => {
      for (const group of groups) {
        expect(routes(sampleFor(sample, group))).toEqual([fn]);
      }
    },
  );

  it.each(ALL_SAMPLES.filter((s) => !GROUPLESS.includes(s)))(
    'do not route %s for a group the config does not name',
    (sample) => {
      // As published: "my-asg" is not in the config. A clone with a made-up group must not match either.
      expect(groups).not.toContain('my-asg');
      expect(routes(loadEvent(sample))).toEqual([]);
      expect(routes(sampleFor(sample, 'some-other-asg'))).toEqual([]);
    },
  );

  it.each(UNROUTED)('do not route %s even for a configured group', (sample) => {
    for (const group of groups) {
      expect(routes(sampleFor(sample, group))).toEqual([]);
    }
  });

  it('deliver with a retry policy and a dead-letter queue', () => {
    for (const rule of rules) {
      const targets = asArray(rule.properties.Targets as Record<string, unknown>[]);
      for (const target of targets) {
        expect(target.RetryPolicy).toEqual(expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }));
        expect(referencedId((target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn)).toBeDefined();
      }
    }
  });
});

describe('readWiring() against the packaged template', () => {
  it('match only the hooks the config names, never another hook of the same group', () => {
    const config = packagedConfig();
    for (const fn of ['lifecycleLaunch', 'lifecycleTerminate'] as const) {
      const transition = fn === 'lifecycleLaunch' ? 'launch' : 'terminate';
      const named = [...new Set(config.services.flatMap((s) => s.lifecycle.hooks[transition]))];
      for (const rule of rulesOf(fn)) {
        expect((rule.pattern as { detail: { LifecycleHookName: unknown } }).detail.LifecycleHookName).toEqual(named);
      }
    }
    for (const group of groups) {
      expect(routes(sampleFor('autoscaling-launch-lifecycle-action', group, 'bootstrap'))).toEqual([]);
      expect(routes(sampleFor('autoscaling-terminate-lifecycle-action', group, 'ship-logs'))).toEqual([]);
      expect(routes(sampleFor('autoscaling-launch-lifecycle-action', group))).toEqual(['lifecycleLaunch']);
    }
  });

  it('returns the same event patterns as the deployed rules, function by function', () => {
    for (const fn of wiring.functions) {
      expect(rulesOf(fn.name).map((r) => r.pattern)).toEqual(fn.eventPatterns);
    }
  });

  it('returns the handlers, timeouts, memory and environment keys the template deploys', () => {
    for (const fn of wiring.functions) {
      const resource = template.Resources[functionLogicalId(fn.name)];
      const p = resource ? props(resource) : {};
      const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};

      expect(p.Handler).toBe(`${fn.handler.module}.${fn.handler.exportName}`);
      expect(p.Timeout).toBe(fn.timeoutSeconds);
      expect(p.MemorySize).toBe(fn.memoryMb);
      expect(Object.keys(variables).sort()).toEqual([...fn.environmentKeys].sort());
      expect(variables).toEqual(fn.environment);
    }
  });

  it('returns the SQS sources the template maps to each function', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, m]) => props(m));
    for (const fn of wiring.functions) {
      const deployed = mappings
        .filter((m) => referencedId(m.FunctionName) === functionLogicalId(fn.name))
        .map((m) => ({
          queueLogicalId: referencedId(m.EventSourceArn),
          batchSize: m.BatchSize,
          reportBatchItemFailures: asArray(m.FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
        }));

      expect(deployed).toEqual(
        fn.sqsSources.map((s) => ({
          queueLogicalId: s.queueLogicalId,
          batchSize: s.batchSize,
          reportBatchItemFailures: s.reportBatchItemFailures,
        })),
      );
    }
  });
});
