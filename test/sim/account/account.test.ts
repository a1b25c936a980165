import { createHash } from 'node:crypto';
import {
  CompleteLifecycleActionCommand,
  DescribeLifecycleHooksCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { InvalidParameterException, NotFoundException, PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type AccountSnapshot, apps, SimUnsupportedOperationError, SimulatedCrashError } from '../../../sim';
import { type Harness, rejectionOf, startAccount } from './harness';

const STACK = {
  zones: [{ name: 'example.com' }],
  targetGroups: [{ name: 'web', healthCheck: { intervalSeconds: 10, healthyThreshold: 2 } }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      minSize: 0,
      maxSize: 6,
      desiredCapacity: 2,
      subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
      targetGroupNames: ['web'],
      lifecycleHooks: [
        { name: 'launch', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING' as const, heartbeatTimeout: 60 },
      ],
    },
  ],
  topics: ['ops'],
  queues: [{ name: 'work' }],
};

/** A small scripted run: scale out, complete some hooks through the SDK, write DNS, publish. */
const scriptedRun = async (seed: number): Promise<AccountSnapshot> => {
  const h = startAccount({ ...STACK, seed });
  try {
    h.account.faults.throttle({ service: 'route53', rate: 0.3 }).eventDelivery({ duplicateRate: 0.5, delayRate: 0.3 });
    h.account.onEvent(async (event) => {
      if (event['detail-type'] !== 'EC2 Instance-launch Lifecycle Action') return;
      await h.autoScaling
        .send(
          new CompleteLifecycleActionCommand({
            AutoScalingGroupName: event.detail.AutoScalingGroupName,
            LifecycleHookName: event.detail.LifecycleHookName,
            LifecycleActionToken: event.detail.LifecycleActionToken,
            LifecycleActionResult: 'CONTINUE',
          }),
        )
        .catch(() => undefined);
      await h.route53
        .send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: h.account.route53.zoneIdOf('example.com'),
            ChangeBatch: {
              Changes: [
                {
                  Action: 'UPSERT',
                  ResourceRecordSet: {
                    Name: `${event.detail.EC2InstanceId}.example.com`,
                    Type: 'A',
                    TTL: 60,
                    ResourceRecords: [{ Value: '10.0.0.1' }],
                  },
                },
              ],
            },
          }),
        )
        .catch(() => undefined);
      await h.sns.send(
        new PublishCommand({ TopicArn: h.account.sns.topicArns()[0], Message: `up ${event.detail.EC2InstanceId}` }),
      );
    });
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 5 }));
    await h.clock.advance(10 * 60_000);
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 1 }));
    await h.clock.advance(60 * 60_000);
    return h.account.snapshot();
  } finally {
    h.done();
  }
};

describe('simulated account', () => {
  it('is deterministic: the same seed gives the same snapshot, another seed a different one', async () => {
    const started = performance.now();
    const first = await scriptedRun(1);
    const second = await scriptedRun(1);
    const other = await scriptedRun(2);
    expect(second).toEqual(first);
    expect(other.instances.map((i) => i.id)).not.toEqual(first.instances.map((i) => i.id));
    expect(first.autoScalingGroups[0]?.instances).toHaveLength(1);
    expect(first.published.length).toBeGreaterThanOrEqual(3);
    // Seventy virtual minutes, three times, in well under the wall-clock budget of a unit test.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  describe('plumbing', () => {
    let h: Harness;
    beforeEach(() => {
      h = startAccount(STACK);
    });
    afterEach(() => h.done());

    it('fails loudly, naming service and operation, for an operation the sim does not implement', async () => {
      const error = await rejectionOf(h.ec2.send(new DescribeVpcsCommand({})));
      expect(error).toBeInstanceOf(SimUnsupportedOperationError);
      expect(error.message).toContain('ec2:DescribeVpcs');
    });

    it('makes the n-th call die with SimulatedCrashError after the earlier ones took effect', async () => {
      h.account.faults.killAfterCalls(2, { service: 'sns' });
      const topic = h.account.sns.topicArns()[0];
      await h.sns.send(new PublishCommand({ TopicArn: topic, Message: 'one' }));
      const error = await rejectionOf(h.sns.send(new PublishCommand({ TopicArn: topic, Message: 'two' })));
      expect(error).toBeInstanceOf(SimulatedCrashError);
      expect(h.account.sns.published.map((m) => m.message)).toEqual(['one']);
      await h.sns.send(new PublishCommand({ TopicArn: topic, Message: 'three' }));
      expect(h.account.sns.published).toHaveLength(2);
    });

    it('retries injected 5xx errors through the SDK and counts the attempts', async () => {
      h.account.faults.serverErrors({ service: 'autoScaling', rate: 1, status: 503 });
      const pending = rejectionOf(
        h.autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web-asg' })),
      );
      await h.clock.advance(30_000);
      const error = await pending;
      expect(error.name).toBe('ServiceUnavailable');
      expect(error.$fault).toBe('server');
      expect(error.$metadata?.attempts).toBe(3);
      h.account.faults.clear();
      const out = await h.autoScaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'web-asg' }));
      expect(out.LifecycleHooks?.[0]).toMatchObject({
        LifecycleHookName: 'launch',
        HeartbeatTimeout: 60,
        GlobalTimeout: 6000,
        DefaultResult: 'ABANDON',
      });
    });

    it('delays answers by injected latency on the virtual clock', async () => {
      h.account.faults.latency({ service: 'ec2', ms: 5_000 });
      const t0 = h.clock.now();
      const pending = h.ec2.send(new DescribeInstancesCommand({}));
      await h.clock.advance(5_000);
      await pending;
      expect(h.clock.now() - t0).toBe(5_000);
    });
  });

  describe('EC2', () => {
    let h: Harness;
    beforeEach(() => {
      h = startAccount(STACK);
    });
    afterEach(() => h.done());

    it('describes instances with ids, states, addresses from the subnet, and filters by tag and state', async () => {
      const out = await h.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:aws:autoscaling:groupName', Values: ['web-*'] },
            { Name: 'instance-state-name', Values: ['running'] },
          ],
        }),
      );
      const instances = out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
      expect(instances).toHaveLength(2);
      for (const instance of instances) {
        expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
        expect(instance.State).toEqual({ Code: 16, Name: 'running' });
        expect(instance.PrivateIpAddress).toMatch(/^10\.0\.[12]\.\d+$/);
        expect(instance.Placement?.AvailabilityZone).toMatch(/^eu-west-1[ab]$/);
        expect(instance.LaunchTime).toBeInstanceOf(Date);
      }
    });

    it('keeps a terminated instance describable for about an hour, then answers InvalidInstanceID.NotFound', async () => {
      const id = h.account.ec2.list()[0]?.id ?? '';
      h.account.ec2.terminate(id);
      await h.clock.advance(31_000);
      const out = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      expect(out.Reservations?.[0]?.Instances?.[0]?.State).toEqual({ Code: 48, Name: 'terminated' });
      await h.clock.advance(60 * 60_000);
      const error = await rejectionOf(h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
      expect(error.name).toBe('InvalidInstanceID.NotFound');
      expect(error.message).toBe(`The instance ID '${id}' does not exist`);
    });

    it('deletes a tag by key alone, but by key and value only when the value matches', async () => {
      const id = h.account.ec2.list()[0]?.id ?? '';
      await h.ec2.send(
        new CreateTagsCommand({
          Resources: [id],
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'b', Value: '2' },
            { Key: 'c', Value: '3' },
          ],
        }),
      );
      await h.ec2.send(
        new DeleteTagsCommand({
          Resources: [id],
          Tags: [{ Key: 'a' }, { Key: 'b', Value: 'other' }, { Key: 'c', Value: '3' }],
        }),
      );
      const tags = Object.fromEntries(h.account.ec2.get(id)?.tags ?? []);
      expect(tags).toEqual({ 'aws:autoscaling:groupName': 'web-asg', b: '2' });
    });
  });

  describe('SNS and SQS', () => {
    let h: Harness;
    beforeEach(() => {
      h = startAccount(STACK);
    });
    afterEach(() => h.done());

    it('records published messages with their attributes', async () => {
      const topic = h.account.sns.topicArns()[0];
      const out = await h.sns.send(
        new PublishCommand({
          TopicArn: topic,
          Subject: 'Instance ready',
          MessageStructure: 'json',
          Message: JSON.stringify({ default: 'ready', email: 'ready!' }),
          MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' } },
        }),
      );
      expect(h.account.sns.published).toEqual([
        expect.objectContaining({
          messageId: out.MessageId,
          topicArn: topic,
          subject: 'Instance ready',
          attributes: { severity: { DataType: 'String', StringValue: 'info' } },
        }),
      ]);
    });

    it('rejects a long subject, a JSON message without default, and unknown topics like SNS', async () => {
      const topic = h.account.sns.topicArns()[0];
      const subject = await rejectionOf(
        h.sns.send(new PublishCommand({ TopicArn: topic, Subject: 'x'.repeat(101), Message: 'm' })),
      );
      expect(subject).toBeInstanceOf(InvalidParameterException);
      expect(subject.message).toBe('Invalid parameter: Subject');
      const noDefault = await rejectionOf(
        h.sns.send(new PublishCommand({ TopicArn: topic, MessageStructure: 'json', Message: '{"email":"x"}' })),
      );
      expect(noDefault.message).toBe('Invalid parameter: Message Structure - No default entry in JSON message body');
      const missing = await rejectionOf(h.sns.send(new PublishCommand({ TopicArn: `${topic}-nope`, Message: 'm' })));
      expect(missing).toBeInstanceOf(NotFoundException);
      expect(h.account.sns.published).toEqual([]);
    });

    it('holds delayed SQS messages until their delay has passed', async () => {
      const url = h.account.sqs.urlOf('work');
      const out = await h.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));
      expect(out.MD5OfMessageBody).toBe(createHash('md5').update('later').digest('hex'));
      expect(h.account.sqs.takeDue(url)).toEqual([]);
      await h.clock.advance(60_000);
      expect(h.account.sqs.takeDue(url).map((m) => m.body)).toEqual(['later']);
      const tooLong = await rejectionOf(
        h.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })),
      );
      expect(tooLong.name).toBe('InvalidParameterValue');
    });
  });

  it('launches instances with the queued app behaviour', async () => {
    const h = startAccount({ ...STACK, autoScalingGroups: [] });
    try {
      h.account.apps.nextLaunches(1, apps.broken(500));
      const first = h.account.ec2.launch({ subnetId: 'subnet-0aaa', imageId: 'ami-1', instanceType: 't3.micro' });
      const second = h.account.ec2.launch({ subnetId: 'subnet-0aaa', imageId: 'ami-1', instanceType: 't3.micro' });
      expect(h.account.apps.get(first.id)).toEqual({ kind: 'broken', status: 500 });
      expect(h.account.apps.get(second.id)).toEqual({ kind: 'healthy' });
    } finally {
      h.done();
    }
  });
});
