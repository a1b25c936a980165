/**
 * Capability modules on the deploy spine: what each `functions/<capability>/deploy.ts` declares (rules, IAM
 * statements, resources) ends up in the packaged template, the combiner (deploy/stack-values.ts) merges several
 * capabilities and refuses conflicts, and deploy/ and shared/ reach capability code only through their one list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CapabilityDeploy } from '../../deploy/capability';
import { CapabilityConflictError, capabilities, deriveStackValues } from '../../deploy/stack-values';
import { sourceFiles } from './sdk-calls';
import {
  asArray,
  functionLogicalId,
  functionsPolicyStatements,
  loadTemplate,
  packagedConfig,
  props,
  REPO,
  referencedId,
  renderString,
  resourcesOfType,
  STAGE,
  type Template,
} from './template';

const STACK = { configFile: 'fleetpilot.example.yml', service: 'fleetpilot', stage: STAGE };

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

let template: Template;
let roleStatements: Statement[];

beforeAll(() => {
  template = loadTemplate();
  roleStatements = functionsPolicyStatements(template) as Statement[];
});

/** A statement as IAM reads it: a single action or resource is the same as a one-element list. */
const normalised = (s: Statement) => ({
  Sid: s.Sid,
  Effect: s.Effect,
  Action: asArray(s.Action),
  Resource: asArray(s.Resource),
  Condition: s.Condition,
});

describe.each(capabilities.map((c) => [c.name, c] as const))('the %s capability in the packaged template', (_, c) => {
  it('carries every IAM statement its deploy module declares for the packaged config, as declared', () => {
    // Arrange
    const declared = c.iamStatements(packagedConfig(), STACK);

    // Act
    const deployed = declared.map((s) => roleStatements.find((r) => r.Sid === s.Sid));

    // Assert
    expect(declared.length).toBeGreaterThan(0);
    expect(deployed.map((s) => s && normalised(s))).toEqual(declared.map(normalised));
  });

  it('has one rule per declared pattern, targeting that function, named for the stage, allowed to dead-letter', () => {
    const region = packagedConfig().region;
    const policySourceArns = resourcesOfType(template, 'AWS::SQS::QueuePolicy').flatMap(([, p]) =>
      (
        props(p).PolicyDocument as { Statement: { Condition?: { ArnEquals?: Record<string, unknown> } }[] }
      ).Statement.flatMap((s) => asArray(s.Condition?.ArnEquals?.['aws:SourceArn'])).map((arn) =>
        renderString(arn, region),
      ),
    );
    const rules = resourcesOfType(template, 'AWS::Events::Rule').map(([, r]) => props(r));

    for (const [fn, pattern] of Object.entries(c.eventPatterns(packagedConfig(), STACK))) {
      const name = `fleetpilot-${STAGE}-${fn.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
      const rule = rules.find((r) => r.Name === name);

      expect({ fn, rule: rule !== undefined }).toEqual({ fn, rule: true });
      expect(rule?.EventPattern).toEqual(pattern);
      expect(asArray(rule?.Targets as { Arn: unknown }[]).map((t) => referencedId(t.Arn))).toEqual([
        functionLogicalId(fn),
      ]);
      expect(policySourceArns).toContain(`arn:aws:events:${region}:123456789012:rule/${name}`);
    }
  });

  it('carries the resources its deploy module declares', () => {
    for (const [id, resource] of Object.entries(c.resources?.(packagedConfig(), STACK) ?? {})) {
      expect(template.Resources[id]).toEqual(resource);
    }
  });
});

describe('combining capabilities (deploy/stack-values.ts)', () => {
  const probe: CapabilityDeploy = {
    name: 'probe',
    eventPatterns: (config) => ({
      probeCheck: { source: ['aws.ec2'], detail: { ImageId: [config.region] } },
    }),
    iamStatements: () => [{ Sid: 'DescribeImages', Effect: 'Allow', Action: ['ec2:DescribeImages'], Resource: '*' }],
    resources: () => ({ ProbeQueue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } } }),
  };

  it("adds a second capability's rule, statements and resources next to the first one's and the spine's", () => {
    // Act
    const values = deriveStackValues(packagedConfig(), STACK, [...capabilities, probe]);

    // Assert
    expect(values.eventRules.probeCheck).toEqual({
      name: `fleetpilot-${STAGE}-probe-check`,
      pattern: { source: ['aws.ec2'], detail: { ImageId: [packagedConfig().region] } },
    });
    expect(Object.keys(values.eventRules)).toEqual([
      ...capabilities.flatMap((c) => Object.keys(c.eventPatterns(packagedConfig(), STACK))),
      'probeCheck',
    ]);
    expect(values.eventRuleArns.map((arn) => renderString(arn, 'eu-west-1'))).toContain(
      `arn:aws:events:eu-west-1:123456789012:rule/fleetpilot-${STAGE}-probe-check`,
    );
    const sids = values.iamStatements.map((s) => s.Sid);
    expect(sids).toContain('DescribeImages');
    expect(sids).toEqual(expect.arrayContaining(['PublishToAlertsTopic', 'SendContinuations']));
    expect(values.resources.ProbeQueue).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true },
    });
  });

  it('refuses two capabilities that declare the same statement id, rule or resource', () => {
    const twin = { ...probe, name: 'twin' };
    const sidOnly: CapabilityDeploy = { ...twin, eventPatterns: () => ({}), resources: () => ({}) };
    const resourceOnly: CapabilityDeploy = { ...twin, eventPatterns: () => ({}), iamStatements: () => [] };

    expect(() => deriveStackValues(packagedConfig(), STACK, [probe, twin])).toThrow(CapabilityConflictError);
    expect(() => deriveStackValues(packagedConfig(), STACK, [probe, sidOnly])).toThrow(/DescribeImages/);
    expect(() => deriveStackValues(packagedConfig(), STACK, [probe, resourceOnly])).toThrow(/ProbeQueue/);
  });

  it('refuses a capability statement that reuses one of the spine statement ids', () => {
    const clash: CapabilityDeploy = {
      ...probe,
      iamStatements: () => [{ Sid: 'PublishToAlertsTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: '*' }],
    };

    expect(() => deriveStackValues(packagedConfig(), STACK, [clash])).toThrow(CapabilityConflictError);
  });
});

describe('deploy/ and shared/ reach capability code only through their one list', () => {
  const capabilityDirs = readdirSync(join(REPO, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it('imports capability modules only in deploy/stack-values.ts and shared/config/schema.ts', () => {
    const offenders = [...sourceFiles(join(REPO, 'deploy')), ...sourceFiles(join(REPO, 'shared'))].flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      const rel = relative(REPO, file);
      const allowed = ['deploy/stack-values.ts', 'shared/config/schema.ts'].includes(rel);
      return imports.filter((i) => i.includes('/functions/') && !allowed).map((i) => `${rel} imports ${i}`);
    });

    expect(capabilityDirs.length).toBeGreaterThan(0);
    expect(offenders).toEqual([]);
  });

  it('lists every capability folder that has a deploy module', () => {
    const withDeploy = capabilityDirs.filter((dir) => readdirSync(join(REPO, 'functions', dir)).includes('deploy.ts'));

    expect(capabilities.map((c) => c.name).sort()).toEqual(withDeploy.sort());
  });
});
