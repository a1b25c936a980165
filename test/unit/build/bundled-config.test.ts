/**
 * shared/config/bundled.ts: the config as deployed functions read it at cold start (JSON written when packaging,
 * validated again with the same zod schema).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { amiRefreshConfig } from '../../../functions/ami-refresh/config';
import { lifecycleConfig } from '../../../functions/lifecycle/config';
import { loadBundledConfig, parseBundledConfig, writeBundledConfig } from '../../../shared/config/bundled';
import { loadConfig } from '../../../shared/config/load';
import { sections } from '../../../shared/config/schema';
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

    expect(loadBundledConfig(file, sections)).toEqual(validated);
  });

  it('names the path and the problem when the shipped JSON does not match the schema', () => {
    const json = JSON.parse(JSON.stringify(loadConfig(EXAMPLE))) as { services: { autoScalingGroup?: unknown }[] };
    delete json.services[0]?.autoScalingGroup;

    const parse = () => parseBundledConfig(JSON.stringify(json), '/var/task/.fleetpilot/config.json', []);

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/\/var\/task\/\.fleetpilot\/config\.json/);
    expect(parse).toThrow(/services\[0\]\.autoScalingGroup: /);
  });

  it('says the JSON is broken, and which file, when it does not parse', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, '{"region": "eu-west-1",');

    expect(() => loadBundledConfig(file, sections)).toThrow(new RegExp(`${file}[\\s\\S]*JSON syntax`));
  });

  it('says the file cannot be read when it is missing', () => {
    expect(() => loadBundledConfig(join(dir, 'missing.json'), sections)).toThrow(/cannot read the file/);
  });

  describe('at the depth of one capability (cold start)', () => {
    type Json = { services: Record<string, unknown>[] };
    const example = () => JSON.parse(JSON.stringify(loadConfig(EXAMPLE))) as Json;

    it("carries another capability's section through unread, and refuses a bad value in its own", () => {
      const json = example();
      const first = json.services[0] as Record<string, unknown>;
      first.amiRefresh = { notASetting: true };
      const text = JSON.stringify(json);

      const lifecycle = parseBundledConfig(text, 'config.json', [lifecycleConfig]);

      expect((lifecycle.services[0] as unknown as Json['services'][number]).amiRefresh).toEqual({ notASetting: true });
      expect(() => parseBundledConfig(text, 'config.json', [amiRefreshConfig])).toThrow(/services\[0\]\.amiRefresh/);
    });

    it('still runs the base checks across services', () => {
      const json = example();
      json.services.push({ ...json.services[0], autoScalingGroup: 'other-asg' });

      expect(() => parseBundledConfig(JSON.stringify(json), 'config.json', [lifecycleConfig])).toThrow(
        /duplicate service name/,
      );
    });
  });
});
