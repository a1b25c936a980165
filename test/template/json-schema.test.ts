/**
 * schema/fleetpilot.schema.json (what editors check fleetpilot.*.yml against) is current with shared/config/schema.ts,
 * accepts the example config and rejects broken ones.
 *
 * The JSON Schema is checked with Ajv, which is installed as a dependency of osls (not declared by this package):
 * if it ever disappears, declare `ajv` as a devDependency or drop the Ajv checks; the zod checks below stay.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { renderJsonSchema, SCHEMA_FILE } from '../../scripts/write-json-schema';
import { configSchema } from '../../shared/config/schema';
import { REPO } from './template';

const example = parse(readFileSync(join(REPO, 'fleetpilot.example.yml'), 'utf8')) as Record<string, unknown>;
const committed = readFileSync(SCHEMA_FILE, 'utf8');
// Formats are not asserted (the e-mail format also carries a pattern, which is checked).
const validate = new Ajv2020({ allErrors: true, strict: true, validateFormats: false }).compile(JSON.parse(committed));

/** The parts of the example the cases below edit. */
interface EditableConfig {
  [key: string]: unknown;
  services: [{ autoScalingGroup: string; targetGroups: string[]; dns: { records: [{ value: string }] } }];
}

function broken(edit: (config: EditableConfig) => void): Record<string, unknown> {
  const config = structuredClone(example) as EditableConfig;
  edit(config);
  return config;
}

const BROKEN: [string, Record<string, unknown>][] = [
  ['a region that is not one', broken((c) => (c.region = 'europe'))],
  ['an unknown top-level key', broken((c) => (c.regions = ['eu-west-1']))],
  ['a missing services list', broken((c) => Reflect.deleteProperty(c, 'services'))],
  ['a group name that is an ARN', broken((c) => (c.services[0].autoScalingGroup = 'arn:aws:autoscaling:x'))],
  ['a malformed target group ARN', broken((c) => (c.services[0].targetGroups = ['web-http']))],
  ['a record value that is not an address kind', broken((c) => (c.services[0].dns.records[0].value = 'ipv6'))],
];

describe('schema/fleetpilot.schema.json', () => {
  it('is what scripts/write-json-schema.ts generates now (run `npm run schema` if not)', () => {
    expect(committed).toBe(renderJsonSchema());
  });

  it('accepts fleetpilot.example.yml, as zod does', () => {
    expect(validate(example) ? [] : validate.errors).toEqual([]);
    expect(configSchema.safeParse(example).success).toBe(true);
  });

  it('leaves fields with defaults optional (it describes what a user writes)', () => {
    const minimal = {
      region: 'eu-west-1',
      notifications: { topicName: 'alerts' },
      // A service needs target groups or records (a cross-field check, zod only); everything else has a default.
      services: [
        {
          name: 'web',
          autoScalingGroup: 'web-asg',
          targetGroups: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef'],
        },
      ],
    };

    expect(validate(minimal) ? [] : validate.errors).toEqual([]);
    expect(configSchema.safeParse(minimal).success).toBe(true);
  });

  it.each(BROKEN)('rejects %s, as zod does', (_, config) => {
    expect(validate(config)).toBe(false);
    expect(configSchema.safeParse(config).success).toBe(false);
  });
});
