import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type Harness, rejectionOf, startAccount } from './harness';

const BASE = `ami-0${'1'.repeat(16)}`;

describe('simulated EC2 security groups', () => {
  let h: Harness;
  const groupId = (name: string): string => h.account.ec2.securityGroups.resolve([name], 'vpc-0sim')[0] ?? '';

  beforeEach(() => {
    h = startAccount({
      securityGroups: [
        { name: 'alb', description: 'load balancer', ingress: [{ protocol: 'tcp', fromPort: 443, cidr: '0.0.0.0/0' }] },
        {
          name: 'web',
          description: 'web servers',
          ingress: [
            { protocol: 'tcp', fromPort: 80, toPort: 80, sourceGroup: 'alb' },
            { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8', description: 'ssh' },
          ],
          tags: { team: 'web' },
        },
        { name: 'ssh-only', ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' }] },
        { name: 'vpc-wide', ingress: [{ protocol: 'tcp', fromPort: 0, toPort: 65535, cidr: '10.0.0.0/16' }] },
      ],
      targetGroups: [
        {
          name: 'web',
          sourceSecurityGroups: ['alb'],
          healthCheck: { intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
          healthCheckPhaseSeconds: 0,
        },
      ],
      launchTemplates: [{ name: 'web-lt', imageId: BASE }],
      autoScalingGroups: [
        {
          name: 'web-asg',
          minSize: 0,
          maxSize: 2,
          desiredCapacity: 0,
          subnetIds: ['subnet-0aaa'],
          launchTemplate: { name: 'web-lt', version: '$Latest' },
        },
      ],
    });
  });
  afterEach(() => h.done());

  const launch = (securityGroupIds?: string[]) =>
    h.account.ec2.launch({
      subnetId: 'subnet-0aaa',
      imageId: BASE,
      instanceType: 't3.micro',
      alreadyRunning: true,
      ...(securityGroupIds ? { securityGroupIds } : {}),
    }).id;

  it('fails the health checks of a target whose groups do not let the load balancer in (Target.Timeout)', async () => {
    const arn = h.account.elbv2.arnOf('web');
    const open = launch(['web']);
    const closed = launch(['ssh-only']);
    const byDefault = launch();
    const byCidr = launch(['vpc-wide']);
    for (const id of [open, closed, byDefault, byCidr]) h.account.elbv2.register(arn, id);

    await h.clock.advance(60_000);
    const { TargetHealthDescriptions } = await h.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    const health = Object.fromEntries(
      (TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id, [d.TargetHealth?.State, d.TargetHealth?.Reason]]),
    );
    expect(health).toEqual({
      [open]: ['healthy', undefined],
      [closed]: ['unhealthy', 'Target.Timeout'],
      [byDefault]: ['unhealthy', 'Target.Timeout'],
      [byCidr]: ['healthy', undefined],
    });
    expect(h.account.elbv2.healthCheckSources(arn)).toEqual({
      groupIds: [groupId('alb')],
      addresses: ['10.0.1.4', '10.0.2.4'],
    });
  });

  it('lists an instance’s groups in DescribeInstances, the VPC default group when it was given none', async () => {
    const web = launch(['web']);
    const plain = launch();
    const { Reservations } = await h.ec2.send(new DescribeInstancesCommand({ InstanceIds: [web, plain] }));
    expect(Reservations?.map((r) => r.Instances?.[0]?.SecurityGroups)).toEqual([
      [{ GroupId: groupId('web'), GroupName: 'web' }],
      [{ GroupId: groupId('default'), GroupName: 'default' }],
    ]);
    const filtered = await h.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'instance.group-name', Values: ['we*'] }] }),
    );
    expect(filtered.Reservations?.map((r) => r.Instances?.[0]?.InstanceId)).toEqual([web]);
  });

  it('launches a group’s instances with the security groups of its launch template version', async () => {
    await h.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'web-lt',
        SourceVersion: '1',
        LaunchTemplateData: { SecurityGroupIds: [groupId('web')] },
      }),
    );
    await h.autoScaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 1 }));
    await h.clock.advance(5_000);
    expect(h.account.ec2.list().map((instance) => instance.securityGroupIds)).toEqual([[groupId('web')]]);
  });

  it('describes groups by id, name and filters, with their rules as IpPermissions', async () => {
    const { SecurityGroups } = await h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId('web')] }));
    expect(SecurityGroups?.[0]).toMatchObject({
      GroupId: groupId('web'),
      GroupName: 'web',
      Description: 'web servers',
      VpcId: 'vpc-0sim',
      OwnerId: '123456789012',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [],
          UserIdGroupPairs: [{ GroupId: groupId('alb'), UserId: '123456789012' }],
        },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'ssh' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      Tags: [{ Key: 'team', Value: 'web' }],
    });

    const fromAlb = await h.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [groupId('alb')] }] }),
    );
    expect(fromAlb.SecurityGroups?.map((g) => g.GroupName)).toEqual(['web']);
    const ssh = await h.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'ip-permission.from-port', Values: ['22'] },
          { Name: 'group-name', Values: ['ssh-*', 'web'] },
        ],
      }),
    );
    expect(ssh.SecurityGroups?.map((g) => g.GroupName)).toEqual(['web', 'ssh-only']);
    const first = await h.ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 3 }));
    const rest = await h.ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 3, NextToken: first.NextToken }));
    expect([...(first.SecurityGroups ?? []), ...(rest.SecurityGroups ?? [])].map((g) => g.GroupName)).toEqual([
      'alb',
      'web',
      'ssh-only',
      'vpc-wide',
    ]);
  });

  it('answers InvalidGroup.NotFound and InvalidGroupId.Malformed as EC2 does', async () => {
    const missing = await rejectionOf(
      h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] })),
    );
    expect(missing.name).toBe('InvalidGroup.NotFound');
    expect(missing.message).toBe("The security group 'sg-0123456789abcdef0' does not exist");
    const malformed = await rejectionOf(h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['web'] })));
    expect(malformed.name).toBe('InvalidGroupId.Malformed');
  });
});
