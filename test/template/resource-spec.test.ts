/**
 * Every resource type and property in the packaged template exists in AWS's CloudFormation resource specification,
 * as published in @aws-cdk/aws-service-spec (updated weekly from the CloudFormation registry schemas), and every
 * required property is set. Nested property objects are checked against their type definitions too.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
// The database's own types (the package @aws-cdk/aws-service-spec declares its API with).
import type { PropertyType, ResourceProperties, SpecDatabase } from '@aws-cdk/service-spec-types';
import { loadTemplate, type Template } from './template';

let db: SpecDatabase;
let template: Template;

beforeAll(async () => {
  template = loadTemplate();
  db = await loadAwsServiceSpec();
}, 30_000);

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || (keys[0] ?? '').startsWith('Fn::'));
}

/** Problems of `value` against a property type ("" path means the resource's Properties). */
function checkValue(value: unknown, type: PropertyType, path: string): string[] {
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'ref': {
      const definition = db.get('typeDefinition', type.reference);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return [`${path}: expected an object (${definition.name})`];
      }
      return checkObject(value as Record<string, unknown>, definition.properties, path);
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => checkValue(v, type.element, `${path}[${i}]`))
        : [`${path}: expected a list`];
    case 'map':
      return typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => checkValue(v, type.element, `${path}.${k}`))
        : [`${path}: expected a map`];
    case 'union': {
      const results = type.types.map((t) => checkValue(value, t, path));
      return results.some((r) => r.length === 0) ? [] : (results[0] ?? []);
    }
    default:
      // Primitive and JSON types: CloudFormation coerces scalars ("5" for 5), so only the shape above is checked.
      return [];
  }
}

function checkObject(value: Record<string, unknown>, properties: ResourceProperties, path: string): string[] {
  const problems: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in value)) problems.push(`${path}${path ? '.' : ''}${name}: required but missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const property = properties[name];
    const where = `${path}${path ? '.' : ''}${name}`;
    if (!property) {
      problems.push(`${where}: no such property (known: ${Object.keys(properties).join(', ')})`);
      continue;
    }
    problems.push(...checkValue(v, property.type, where));
  }
  return problems;
}

describe('the packaged template against the CloudFormation resource specification', () => {
  it('uses only resource types that exist', () => {
    const unknown = Object.entries(template.Resources)
      .filter(([, r]) => db.lookup('resource', 'cloudFormationType', 'equals', r.Type).length === 0)
      .map(([id, r]) => `${id}: ${r.Type}`);

    expect(unknown).toEqual([]);
  });

  it('uses only properties that exist, with every required property set', () => {
    const problems = Object.entries(template.Resources).flatMap(([id, r]) => {
      const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', r.Type);
      return spec ? checkObject(r.Properties ?? {}, spec.properties, '').map((p) => `${id} (${r.Type}) ${p}`) : [];
    });

    expect(problems).toEqual([]);
  });

  it('catches a misspelt property and a missing required one (the check itself works)', () => {
    const [queue] = db.lookup('resource', 'cloudFormationType', 'equals', 'AWS::SQS::Queue');
    const [version] = db.lookup('resource', 'cloudFormationType', 'equals', 'AWS::Lambda::Version');
    const [rule] = db.lookup('resource', 'cloudFormationType', 'equals', 'AWS::Events::Rule');
    if (!queue || !version || !rule) throw new Error('spec lookups failed');

    expect(checkObject({ VisibilityTimeOut: 30 }, queue.properties, '')).toEqual([
      expect.stringContaining('VisibilityTimeOut: no such property'),
    ]);
    expect(checkObject({}, version.properties, '')).toEqual(['FunctionName: required but missing']);
    expect(checkObject({ Targets: [{ Arn: 'arn:x', Id: 'x', DeadLetterConfg: {} }] }, rule.properties, '')).toEqual([
      expect.stringContaining('Targets[0].DeadLetterConfg: no such property'),
    ]);
  });
});
