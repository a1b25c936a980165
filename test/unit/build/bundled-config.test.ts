/**
 * shared/config/bundled.ts: the config as deployed functions read it at cold start (JSON written when packaging,
 * validated again with the same zod schema).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBundledConfig, parseBundledConfig, writeBundledConfig } from '../../../shared/config/bundled';
import { loadConfig } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/errors';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

describe('the bundled JSON config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetpilot-bundled-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back exactly the config validated from the YAML when packaging', () => {
    const validated = loadConfig(EXAMPLE);
    const file = join(dir, '.fleetpilot', 'config.json');

    writeBundledConfig(validated, file);

    expect(loadBundledConfig(file)).toEqual(validated);
  });

  it('names the path and the problem when the shipped JSON does not match the schema', () => {
    const json = JSON.parse(JSON.stringify(loadConfig(EXAMPLE))) as { services: { autoScalingGroup?: unknown }[] };
    delete json.services[0]?.autoScalingGroup;

    const parse = () => parseBundledConfig(JSON.stringify(json), '/var/task/.fleetpilot/config.json');

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/\/var\/task\/\.fleetpilot\/config\.json/);
    expect(parse).toThrow(/services\[0\]\.autoScalingGroup: /);
  });

  it('says the JSON is broken, and which file, when it does not parse', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{"region": "eu-west-1",');

    expect(() => loadBundledConfig(file)).toThrow(new RegExp(`${file}[\\s\\S]*JSON syntax`));
  });

  it('says the file cannot be read when it is missing', () => {
    expect(() => loadBundledConfig(join(dir, 'missing.json'))).toThrow(/cannot read the file/);
  });
});
