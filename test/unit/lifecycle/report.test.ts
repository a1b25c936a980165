/**
 * functions/lifecycle/report.ts: how a batch's notices become notifications, and what happens when SNS refuses one.
 */
import { NotFoundException, ThrottledException } from '@aws-sdk/client-sns';
import type { LifecycleAction } from '../../../functions/lifecycle/action';
import { type Notice, sendNotices } from '../../../functions/lifecycle/report';
import { parseConfig } from '../../../shared/config/load';
import type { Notification } from '../../../shared/notify/notifier';
import { createMutations } from '../../../shared/runtime/mutations';
import { configYaml } from './harness';

const config = parseConfig(configYaml(), 'test.yml');
const service = config.services[0];
if (!service) throw new Error('the test config has no service');
const silent = { info: () => undefined };

function notice(instanceId: string, kind: Notice['kind'], severity: Notice['severity'] = 'info'): Notice {
  const action: LifecycleAction = {
    eventId: `event-${instanceId}`,
    time: 0,
    region: 'us-west-2',
    account: '123456789012',
    transition: 'launch',
    groupName: 'my-asg',
    hookName: 'my-lifecycle-hook',
    instanceId,
    token: 't',
    replaceRootVolume: false,
  };
  return {
    severity,
    kind,
    title: `title ${instanceId}`,
    summary: `summary ${instanceId}`,
    extra: [
      ['Reason', `reason ${instanceId}`],
      ['Private IP', '10.0.0.1'],
    ],
    action,
    service: service as NonNullable<typeof service>,
    hops: 0,
    mutations: createMutations(false, silent),
    region: 'us-west-2',
  };
}

function ports(fail: (n: Notification) => Error | undefined) {
  const sent: Notification[] = [];
  const errors: Record<string, unknown>[] = [];
  return {
    sent,
    errors,
    notifier: {
      async notify(n: Notification) {
        const error = fail(n);
        if (error) throw error;
        sent.push(n);
      },
    },
    log: { error: (_message: string, fields: Record<string, unknown>) => errors.push(fields) },
  };
}

const throttled = () => new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
const notFound = () => new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } });

describe('the notices of a batch', () => {
  it('sends one summary per kind and service, repeating each instance’s unusual facts but not its address', async () => {
    const p = ports(() => undefined);

    await sendNotices(p, [
      notice('i-1', 'lifecycle.launch.abandoned', 'critical'),
      notice('i-2', 'lifecycle.launch.abandoned', 'critical'),
      notice('i-3', 'lifecycle.launch.continued'),
    ]);

    expect(p.sent.map((n) => n.kind)).toEqual(['lifecycle.launch.abandoned', 'lifecycle.launch.continued']);
    const [summary] = p.sent;
    expect(summary?.title).toBe('2 launches of web abandoned');
    expect(summary?.facts).toContainEqual(['i-2 Reason', 'reason i-2']);
    expect(summary?.facts.some(([label]) => label.endsWith('Private IP'))).toBe(false);
  });

  it('logs and counts a notification refused for good, sends the others, and does not throw', async () => {
    const p = ports((n) => (n.kind === 'lifecycle.launch.continued' ? notFound() : undefined));

    await sendNotices(p, [notice('i-1', 'lifecycle.launch.continued'), notice('i-2', 'lifecycle.launch.abandoned')]);

    expect(p.sent.map((n) => n.kind)).toEqual(['lifecycle.launch.abandoned']);
    expect(p.errors).toEqual([expect.objectContaining({ fleetpilotNotificationFailed: 1, instances: ['i-1'] })]);
  });

  it('sends the others, then throws a notification refused for now, so that the batch comes back', async () => {
    const p = ports((n) => (n.kind === 'lifecycle.launch.abandoned' ? throttled() : undefined));

    await expect(
      sendNotices(p, [notice('i-1', 'lifecycle.launch.abandoned'), notice('i-2', 'lifecycle.launch.continued')]),
    ).rejects.toThrow('Rate exceeded');

    expect(p.sent.map((n) => n.kind)).toEqual(['lifecycle.launch.continued']);
    expect(p.errors).toEqual([expect.objectContaining({ retried: true, instances: ['i-1'] })]);
  });
});
