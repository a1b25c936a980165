import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  type LoadBalancer,
  LoadBalancerNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkSiteAlias, ownerName, ownerValue, type SiteTarget } from '../../../functions/site/alias';
import type { SiteDnsConfig } from '../../../functions/site/config';
import { type DnsRequest, dnsRequestSchema } from '../../../shared/dns/request';
import { createMutations } from '../../../shared/runtime/mutations';
import { type RecordingNotifier, recordingNotifier } from '../../helpers/recording-notifier';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const route53 = mockClient(Route53Client);
const sqs = mockClient(SQSClient);

const ZONE = 'Z0EXAMPLEPUBLIC001';
const DNS_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/fleetpilot-test-dns';
const ALB_ZONE = 'Z32O12XQLNTSW2';
const NEW_LB: LoadBalancer = {
  LoadBalancerName: 'web-alb',
  LoadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web-alb/0123456789abcdef',
  DNSName: 'web-alb-1234567890.eu-west-1.elb.amazonaws.com',
  CanonicalHostedZoneId: ALB_ZONE,
  IpAddressType: 'ipv4',
  Type: 'application',
};
const OLD_ALIAS = {
  HostedZoneId: ALB_ZONE,
  DNSName: 'web-old-1111111111.eu-west-1.elb.amazonaws.com.',
  EvaluateTargetHealth: true,
};

const siteDns = (overrides: Partial<SiteDnsConfig> = {}): SiteDnsConfig => ({
  loadBalancer: 'web-alb',
  mode: 'repair',
  adopt: false,
  evaluateTargetHealth: true,
  ...overrides,
});
const target = (overrides: Partial<SiteDnsConfig> = {}): SiteTarget => ({
  service: 'web',
  domain: 'www.example.com',
  zoneId: ZONE,
  siteDns: siteDns(overrides),
});

let notifier: RecordingNotifier;

/** Route 53 as ListResourceRecordSets sees it: the records at the site name and, optionally, the owner TXT. */
function zoneHolds(atName: ResourceRecordSet[], owner?: string) {
  route53.on(ListResourceRecordSetsCommand, { StartRecordName: 'www.example.com' }).resolves({
    ResourceRecordSets: [
      ...atName,
      { Name: 'zz.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] },
    ],
  });
  route53.on(ListResourceRecordSetsCommand, { StartRecordName: ownerName('www.example.com') }).resolves({
    ResourceRecordSets: owner
      ? [{ Name: `${ownerName('www.example.com')}.`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: owner }] }]
      : [{ Name: 'zz.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] }],
  });
}

const alias = (type: 'A' | 'AAAA', to: ResourceRecordSet['AliasTarget']): ResourceRecordSet => ({
  Name: 'www.example.com.',
  Type: type,
  AliasTarget: to,
});
const current = (type: 'A' | 'AAAA' = 'A') =>
  alias(type, { HostedZoneId: ALB_ZONE, DNSName: `${NEW_LB.DNSName}.`, EvaluateTargetHealth: true });

/** The requests sent to the Route 53 writer, parsed with the writer's own schema. */
const writerRequests = (): DnsRequest[] =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((e) => {
      expect(call.args[0].input.QueueUrl).toBe(DNS_QUEUE);
      return dnsRequestSchema.parse(JSON.parse(e.MessageBody ?? '').payload) as DnsRequest;
    }),
  );

const run = (t: SiteTarget, options: { dryRun?: boolean; verbosity?: 'all' | 'changes' } = {}) =>
  checkSiteAlias(
    t,
    {
      elbv2: new ElasticLoadBalancingV2Client({}),
      route53: new Route53Client({}),
      sqs: new SQSClient({}),
      dnsQueueUrl: DNS_QUEUE,
      notifier,
      log: { info: () => undefined, error: () => undefined },
      mutations: createMutations(options.dryRun ?? false, { info: () => undefined }),
    },
    'corr-1',
    options.verbosity,
  );

beforeEach(() => {
  elbv2.reset();
  route53.reset();
  sqs.reset();
  notifier = recordingNotifier();
  elbv2.on(DescribeLoadBalancersCommand, { Names: ['web-alb'] }).resolves({ LoadBalancers: [NEW_LB] });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('the site alias check', () => {
  it('leaves an alias that already points at the load balancer alone, and says nothing', async () => {
    zoneHolds([current()], ownerValue('web'));

    const result = await run(target());

    expect(result).toMatchObject({ status: 'checked', findings: [{ type: 'A', status: 'in-sync' }], changes: 0 });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(notifier.sent).toEqual([]);
  });

  it('creates a missing alias with its ownership record in one writer request', async () => {
    zoneHolds([]);

    await run(target());

    const [request, ...more] = writerRequests();
    expect(more).toEqual([]);
    expect(request?.changes).toEqual([
      {
        action: 'UPSERT',
        zoneId: ZONE,
        name: ownerName('www.example.com'),
        type: 'TXT',
        ttl: 300,
        values: ['"fleetpilot site service=web"'],
      },
      {
        action: 'UPSERT',
        zoneId: ZONE,
        name: 'www.example.com',
        type: 'A',
        values: [],
        alias: { hostedZoneId: ALB_ZONE, dnsName: NEW_LB.DNSName, evaluateTargetHealth: true },
      },
    ]);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.alias.created']);
  });

  it('repairs an alias it owns that points at an old load balancer, without rewriting the ownership record', async () => {
    zoneHolds([alias('A', OLD_ALIAS)], ownerValue('web'));

    const result = await run(target());

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'repaired' }] });
    expect(writerRequests()[0]?.changes.map((c) => [c.action, c.type, c.alias?.dnsName])).toEqual([
      ['UPSERT', 'A', NEW_LB.DNSName],
    ]);
    expect(notifier.sent.map((n) => [n.kind, n.severity])).toEqual([['site.alias.repaired', 'warning']]);
    expect(notifier.sent[0]?.facts).toContainEqual(['A was', expect.stringContaining('web-old-1111111111')]);
  });

  it('leaves a record it did not create alone and reports it', async () => {
    zoneHolds([alias('A', OLD_ALIAS)]);

    const result = await run(target());

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'foreign' }], changes: 0 });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.alias.foreign']);
  });

  it("treats another service's ownership record as foreign", async () => {
    zoneHolds([alias('A', OLD_ALIAS)], ownerValue('shop'));

    const result = await run(target());

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'foreign' }] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('takes a foreign record over with adopt, writing the ownership record with it', async () => {
    zoneHolds([{ Name: 'www.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] }]);

    const result = await run(target({ adopt: true }));

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'adopted' }] });
    expect(writerRequests()[0]?.changes.map((c) => [c.type, c.name])).toEqual([
      ['TXT', ownerName('www.example.com')],
      ['A', 'www.example.com'],
    ]);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.alias.adopted']);
  });

  it('in report mode changes nothing and reports the drift', async () => {
    zoneHolds([alias('A', OLD_ALIAS)], ownerValue('web'));

    const result = await run(target({ mode: 'report' }));

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'drift' }], changes: 0 });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(notifier.sent.map((n) => n.kind)).toEqual(['site.alias.drift']);
  });

  it('keeps A and AAAA for a dualstack load balancer', async () => {
    elbv2
      .on(DescribeLoadBalancersCommand, { Names: ['web-alb'] })
      .resolves({ LoadBalancers: [{ ...NEW_LB, IpAddressType: 'dualstack' }] });
    zoneHolds([current('A')], ownerValue('web'));

    const result = await run(target());

    expect(result).toMatchObject({
      findings: [
        { type: 'A', status: 'in-sync' },
        { type: 'AAAA', status: 'created' },
      ],
    });
    expect(writerRequests()[0]?.changes.map((c) => [c.action, c.type])).toEqual([['UPSERT', 'AAAA']]);
  });

  it('deletes its own AAAA, with the alias target Route 53 holds, when the load balancer is no longer dualstack', async () => {
    zoneHolds([current('A'), alias('AAAA', OLD_ALIAS)], ownerValue('web'));

    await run(target());

    expect(writerRequests()[0]?.changes).toEqual([
      {
        action: 'DELETE',
        zoneId: ZONE,
        name: 'www.example.com',
        type: 'AAAA',
        values: [],
        alias: { hostedZoneId: ALB_ZONE, dnsName: OLD_ALIAS.DNSName, evaluateTargetHealth: true },
      },
    ]);
  });

  it('never creates an alias next to a CNAME at the site name', async () => {
    zoneHolds([
      { Name: 'www.example.com.', Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'shop.example.net' }] },
    ]);

    const result = await run(target({ adopt: true }));

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'foreign' }] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('in dry run sends nothing to the writer and says what it would have done', async () => {
    zoneHolds([alias('A', OLD_ALIAS)], ownerValue('web'));

    await run(target(), { dryRun: true });

    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(notifier.sent[0]?.title).toMatch(/^\[dry run\] /);
    expect(notifier.sent[0]?.facts).toContainEqual([
      'Dry run: would have',
      expect.stringContaining('UPSERT A www.example.com'),
    ]);
  });

  it('on the hourly check tells repairs but not a foreign record (the daily report does)', async () => {
    zoneHolds([alias('A', OLD_ALIAS)]);

    const result = await run(target(), { verbosity: 'changes' });

    expect(result).toMatchObject({ findings: [{ type: 'A', status: 'foreign' }] });
    expect(notifier.sent).toEqual([]);
  });

  it('reports a load balancer that does not exist and changes nothing', async () => {
    elbv2
      .on(DescribeLoadBalancersCommand)
      .rejects(new LoadBalancerNotFoundException({ message: 'One or more load balancers not found', $metadata: {} }));
    zoneHolds([]);

    const result = await run(target({ loadBalancer: 'gone-alb' }));

    expect(result).toEqual({ status: 'failed', service: 'web', reason: 'load balancer gone-alb not found' });
    expect(route53).not.toHaveReceivedCommand(ListResourceRecordSetsCommand);
    expect(notifier.sent.map((n) => [n.kind, n.severity])).toEqual([['site.config.mismatch', 'critical']]);
  });

  it('looks a load balancer named by ARN up by ARN', async () => {
    elbv2.on(DescribeLoadBalancersCommand, { LoadBalancerArns: [NEW_LB.LoadBalancerArn ?? ''] }).resolves({
      LoadBalancers: [NEW_LB],
    });
    zoneHolds([current()], ownerValue('web'));

    await run(target({ loadBalancer: NEW_LB.LoadBalancerArn ?? '' }));

    expect(elbv2).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, {
      LoadBalancerArns: [NEW_LB.LoadBalancerArn],
    });
  });
});
