/**
 * A capability's notification kinds are a typed union (functions/<capability>/report.ts): a notifier typed with the
 * union refuses other kinds at compile time (tsc runs on tests), and the union lists exactly the kinds the
 * capability's code sends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type LifecycleNotification,
  type LifecycleNotifier,
  lifecycleKinds,
} from '../../../functions/lifecycle/report';
import { createSnsNotifier } from '../../../shared/notify/notifier';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts';
const LIFECYCLE_DIR = join(__dirname, '..', '..', '..', 'functions', 'lifecycle');
/** The transitions a template literal such as `lifecycle.${action.transition}.retrying` stands for. */
const TRANSITIONS = ['launch', 'terminate'];

const snsMock = mockClient(SNSClient);
beforeEach(() => snsMock.reset());

function aNotification(kind: LifecycleNotification['kind']): LifecycleNotification {
  return {
    severity: 'info',
    kind,
    title: 'Instance i-0abc12345def67890 is in service',
    summary: 'Healthy in 1 target group(s).',
    facts: [],
    links: [],
    correlationId: '7bf73129-1428-4cd3-a780-95db273d1602',
  };
}

/** Kinds written in the capability's code: quoted literals and template literals over the transition. */
function kindsInCode(): Set<string> {
  const kinds = new Set<string>();
  for (const file of readdirSync(LIFECYCLE_DIR).filter((f) => f.endsWith('.ts') && f !== 'report.ts')) {
    const text = readFileSync(join(LIFECYCLE_DIR, file), 'utf8');
    for (const m of text.matchAll(/['"`](lifecycle\.[a-z-]+\.[a-z-]+)['"`]/g)) kinds.add(m[1] ?? '');
    for (const m of text.matchAll(/`lifecycle\.\$\{[^}]+\}\.([a-z-]+)`/g)) {
      for (const t of TRANSITIONS) kinds.add(`lifecycle.${t}.${m[1] ?? ''}`);
    }
  }
  return kinds;
}

describe('lifecycle notification kinds', () => {
  it('publishes the kind as the message attribute filter policies match', async () => {
    // Arrange
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier: LifecycleNotifier = createSnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN);

    // Act
    await notifier.notify(aNotification('lifecycle.terminate.drain-timeout'));

    // Assert
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({
        kind: { DataType: 'String', StringValue: 'lifecycle.terminate.drain-timeout' },
      }),
    });
  });

  it('refuses a kind outside the union at compile time', () => {
    // @ts-expect-error 'lifecycle.launch.aborted' is not a LifecycleKind: tsc fails if this line ever compiles.
    const misspelt = aNotification('lifecycle.launch.aborted');

    expect(lifecycleKinds).not.toContain(misspelt.kind);
  });

  it('lists exactly the kinds the lifecycle code sends', () => {
    // Act
    const used = kindsInCode();

    // Assert
    expect(used.size).toBeGreaterThan(5);
    expect([...used].sort()).toEqual([...lifecycleKinds].sort());
  });

  it('names every kind <capability>.<subject>.<outcome>, once', () => {
    expect(new Set(lifecycleKinds).size).toBe(lifecycleKinds.length);
    for (const kind of lifecycleKinds) expect(kind).toMatch(/^lifecycle\.[a-z]+\.[a-z-]+$/);
  });
});
