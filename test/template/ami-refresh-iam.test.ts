/**
 * The AMI refresh capability's grants in the packaged template (functions/ami-refresh/deploy.ts): what it calls,
 * scoped to the configured groups, templates and images, and what Auto Scaling checks on its behalf when it starts a
 * refresh onto a launch template (RunInstances from the configured templates only, tags only at launch, PassRole
 * only of the configured instance role and only to EC2), which the code never calls itself.
 */
import { amiRefreshDeploy } from '../../functions/ami-refresh/deploy';
import { configSchema, type FleetpilotConfig } from '../../shared/config/schema';
import { DEPENDENT_ACTIONS } from './sdk-calls';
import {
  asArray,
  functionsPolicyStatements,
  loadTemplate,
  type PolicyStatement,
  packagedConfig,
  renderString,
  type Template,
} from './template';

let template: Template;
let config: FleetpilotConfig;

beforeAll(() => {
  template = loadTemplate();
  config = packagedConfig();
});

const render = (v: unknown) => renderString(v, config.region);
const withAction = (statements: PolicyStatement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action));
const managed = () => config.services.filter((s) => s.amiRefresh !== undefined);

describe('the AMI refresh grants in the packaged template', () => {
  it('lets RunInstances, checked when a refresh starts, launch only from the configured launch templates', () => {
    const statements = withAction(functionsPolicyStatements(template), 'ec2:RunInstances');
    const templates = managed().map((s) => {
      const lt = s.amiRefresh?.launchTemplate;
      return `arn:aws:ec2:${config.region}:123456789012:launch-template/${lt && 'id' in lt ? lt.id : '*'}`;
    });

    expect(statements.map((s) => render(s.Condition?.ArnLike?.['ec2:LaunchTemplate'])).sort()).toEqual(
      [...new Set(templates)].sort(),
    );
    for (const statement of statements) {
      expect(asArray(statement.Resource).map(render).sort()).toEqual(
        [
          `arn:aws:ec2:${config.region}:123456789012:*/*`,
          `arn:aws:ec2:${config.region}::image/*`,
          `arn:aws:ec2:${config.region}::snapshot/*`,
        ].sort(),
      );
      expect(Object.keys(statement.Condition ?? {})).toEqual(['ArnLike']);
    }
  });

  it('lets tags be written by a launch only (ec2:CreateAction RunInstances) on instances, volumes and interfaces', () => {
    const atLaunch = withAction(functionsPolicyStatements(template), 'ec2:CreateTags').filter(
      (s) => s.Condition?.StringEquals?.['ec2:CreateAction'] === 'RunInstances',
    );

    expect(atLaunch).toHaveLength(1);
    expect(asArray(atLaunch[0]?.Resource).map(render).sort()).toEqual(
      ['instance', 'network-interface', 'volume'].map((t) => `arn:aws:ec2:${config.region}:123456789012:${t}/*`),
    );
  });

  it('passes only the configured instance roles, and only to EC2', () => {
    const statements = withAction(functionsPolicyStatements(template), 'iam:PassRole');
    const roles = [...new Set(managed().flatMap((s) => s.amiRefresh?.instanceRole ?? []))];

    expect(roles.length).toBeGreaterThan(0);
    expect(statements.flatMap((s) => asArray(s.Resource).map(render)).sort()).toEqual(
      roles.map((r) => `arn:aws:iam::123456789012:role/${r}`).sort(),
    );
    for (const statement of statements) {
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    }
  });

  it('lists these actions as dependent on StartInstanceRefresh, which the capability does call', () => {
    expect(DEPENDENT_ACTIONS['autoscaling:StartInstanceRefresh']).toEqual([
      'ec2:RunInstances',
      'ec2:CreateTags',
      'iam:PassRole',
    ]);
    expect(withAction(functionsPolicyStatements(template), 'autoscaling:StartInstanceRefresh')).toHaveLength(1);
  });
});

describe('the AMI refresh grants from a config', () => {
  const base = {
    region: 'eu-west-1',
    notifications: { topicName: 'alerts' },
    services: [
      {
        name: 'web',
        autoScalingGroup: 'web-asg',
        targetGroups: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef'],
        amiRefresh: {
          source: { instance: { instanceId: 'i-0123456789abcdef0' } },
          launchTemplate: { id: 'lt-0123456789abcdef0' },
        },
      },
    ],
  };

  it('grants no PassRole when no service names an instance role', () => {
    const statements = amiRefreshDeploy.iamStatements(configSchema.parse(base));

    expect(statements.some((s) => s.Action.includes('iam:PassRole'))).toBe(false);
    expect(statements.filter((s) => s.Action.includes('ec2:RunInstances'))).toHaveLength(1);
  });

  it('grants nothing, checked on its behalf or not, without an amiRefresh section', () => {
    const services = base.services.map(({ amiRefresh: _, ...rest }) => rest);

    expect(amiRefreshDeploy.iamStatements(configSchema.parse({ ...base, services }))).toEqual([]);
  });

  it('refuses an instance role given as an ARN, naming what it expects', () => {
    const service = base.services[0];
    const bad = {
      ...base,
      services: [{ ...service, amiRefresh: { ...service?.amiRefresh, instanceRole: 'arn:aws:iam::1:role/x' } }],
    };

    expect(() => configSchema.parse(bad)).toThrow(/IAM role name/);
  });
});
