/**
 * The packaged CloudFormation template (`npm run package` = `serverless package --stage test`) and helpers to read
 * it. Tests here check what would be deployed, not what serverless.yml intends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseConfigFile } from '../../deploy/config-file';
import { loadConfig } from '../../shared/config/load';
import type { FleetpilotConfig } from '../../shared/config/schema';

export const REPO = join(__dirname, '..', '..');
export const TEMPLATE_FILE = join(REPO, '.serverless', 'cloudformation-template-update-stack.json');
/** The stage `npm run package` uses. */
export const STAGE = 'test';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface Template {
  Resources: Record<string, CfnResource>;
}

export function loadTemplate(): Template {
  if (!existsSync(TEMPLATE_FILE)) {
    throw new Error(`${TEMPLATE_FILE} is missing: run \`npm run package\` (serverless package --stage test) first`);
  }
  return JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as Template;
}

/** The config the packaged template was built from (the same choice deploy/config.cjs makes for the test stage). */
export function packagedConfig(): FleetpilotConfig {
  return loadConfig(
    chooseConfigFile({ serviceDir: REPO, stage: STAGE, env: process.env.FLEETPILOT_CONFIG }).absolutePath,
  );
}

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function props(resource: CfnResource): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** The logical id named by { Ref: id } or { "Fn::GetAtt": [id, attr] }, if the value is one of those. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt']) && typeof v['Fn::GetAtt'][0] === 'string') return v['Fn::GetAtt'][0];
  return undefined;
}

/** Pseudo-parameter values used to render ARNs built with Fn::Join / Fn::Sub into plain strings. */
export const PSEUDO = { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012' } as const;

/**
 * Renders a CloudFormation string expression (literal, Fn::Join, Fn::Sub, pseudo-parameter Ref) to a string;
 * references to resources render as `<Ref:Id>` / `<GetAtt:Id.Attr>`.
 */
export function renderString(value: unknown, region: string): string {
  if (typeof value === 'string') return value;
  const pseudo: Record<string, string> = { ...PSEUDO, 'AWS::Region': region };
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return pseudo[v.Ref] ?? `<Ref:${v.Ref}>`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<GetAtt:${getAtt.join('.')}>`;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part) => renderString(part, region)).join(join[0]);
    }
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? `<Ref:${name}>`);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)} as a string`);
}

/** The serverless naming convention for a function's logical id: lifecycleLaunch -> LifecycleLaunchLambdaFunction. */
export function functionLogicalId(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction`;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The logical id serverless gives the functions' execution role (provider.iam.role). */
export const FUNCTIONS_ROLE = 'IamRoleLambdaExecution';

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a role's inline policies. */
export function inlineStatements(role: CfnResource): PolicyStatement[] {
  return asArray(props(role).Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[] | undefined).flatMap(
    (p) => asArray(p.PolicyDocument.Statement),
  );
}

/**
 * The functions' policy: the inline policies of serverless's IamRoleLambdaExecution, plus any AWS::IAM::Policy
 * attached to it. Other roles (e.g. the one EventBridge Scheduler assumes) are not the functions' and are checked
 * on their own.
 */
export function functionsPolicyStatements(template: Template): PolicyStatement[] {
  const role = template.Resources[FUNCTIONS_ROLE];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`the template has no ${FUNCTIONS_ROLE} role`);
  const attached = resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray(props(p).Roles as unknown[] | undefined).some((r) => referencedId(r) === FUNCTIONS_ROLE))
    .flatMap(([, p]) => asArray((props(p).PolicyDocument as { Statement: PolicyStatement[] }).Statement));
  return [...inlineStatements(role), ...attached];
}
