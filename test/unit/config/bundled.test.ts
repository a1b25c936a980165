/**
 * Cold start runs the same schema and checks as packaging: what `serverless package` refuses, a bundled JSON config
 * (edited or written by hand after packaging) is refused too.
 */
import { join } from 'node:path';
import { parseBundledConfig } from '../../../shared/config/bundled';
import { loadConfig } from '../../../shared/config/load';
import { sections } from '../../../shared/config/schema';
import { ConfigError } from '../../../shared/errors';

const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');
const FILE = '/var/task/.fleetpilot/config.json';

type Json = {
  services: { autoScalingGroup: string; dns: { ttl: number }; lifecycle: { hooks: { launch: unknown } } }[];
};

function exampleJson(): Json {
  return JSON.parse(JSON.stringify(loadConfig(EXAMPLE))) as Json;
}

function service(json: Json) {
  const first = json.services[0];
  if (!first) throw new Error('example has no service');
  return first;
}

describe('parseBundledConfig (cold start)', () => {
  it.each([
    {
      behaviour: 'a group name IAM would read as a wildcard (once refused only by packaging)',
      edit: (json: Json) => {
        service(json).autoScalingGroup = 'web-*';
      },
      expected: 'services[0].autoScalingGroup: contains "*" or "?"',
    },
    {
      behaviour: 'a TTL of 0',
      edit: (json: Json) => {
        service(json).dns.ttl = 0;
      },
      expected: 'services[0].dns.ttl: TTL 0 makes every lookup reach Route 53',
    },
    {
      behaviour: 'a hook name Auto Scaling refuses',
      edit: (json: Json) => {
        service(json).lifecycle.hooks.launch = ['fleetpilot launch'];
      },
      expected: 'services[0].lifecycle.hooks.launch',
    },
  ])('refuses $behaviour with the file and the path', ({ edit, expected }) => {
    // Arrange
    const json = exampleJson();
    edit(json);

    // Act
    const act = () => parseBundledConfig(JSON.stringify(json), FILE, sections);

    // Assert
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(FILE);
    expect(act).toThrow(expected);
  });

  it('accepts what packaging wrote, hook names included', () => {
    // Act
    const config = parseBundledConfig(JSON.stringify(exampleJson()), FILE, sections);

    // Assert
    expect(config.services[0]?.lifecycle.hooks).toEqual({
      launch: ['fleetpilot-launch'],
      terminate: ['fleetpilot-terminate'],
    });
  });
});
