/**
 * The one Route 53 writer as packaged: the only function that may change records, fed by one queue, with as many
 * concurrent writers as its pacing allows under Route 53's five requests per second per account (developer guide,
 * "Quotas").
 */
import { MIN_MS_BETWEEN_CALLS } from '../../shared/dns/writer';
import { loadTemplate, props, referencedId, resourcesOfType, type Template } from './template';

let template: Template;

beforeAll(() => {
  template = loadTemplate();
});

const writerId = () => {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').find(([, fn]) =>
    String(props(fn).Handler).startsWith('functions/dns-writer/'),
  );
  if (!found) throw new Error('the packaged template has no dns-writer function');
  return found[0];
};

describe('the Route 53 writer in the packaged template', () => {
  it('is capped so that its writers together stay within five Route 53 requests per second', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => referencedId(props(m).FunctionName) === writerId(),
    );
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0] as [string, Parameters<typeof props>[0]];
    const scaling = props(mapping).ScalingConfig as { MaximumConcurrency?: number } | undefined;
    const writers = Number(scaling?.MaximumConcurrency ?? Number.POSITIVE_INFINITY);

    expect(writers * (1000 / MIN_MS_BETWEEN_CALLS)).toBeLessThanOrEqual(5);
    expect(Number(props(mapping).BatchSize)).toBeGreaterThan(10);
    expect(Number(props(mapping).MaximumBatchingWindowInSeconds)).toBeGreaterThanOrEqual(1);
  });

  it('is fed by the queue every function is told to send record changes to', () => {
    const [, mapping] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
      ([, m]) => referencedId(props(m).FunctionName) === writerId(),
    ) as [string, Parameters<typeof props>[0]];
    const source = referencedId(props(mapping).EventSourceArn);
    for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const env = (props(fn).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect(referencedId(env.FLEETPILOT_DNS_QUEUE_URL)).toBe(source);
    }
    expect(source).toBe('DnsChangeQueue');
  });
});
