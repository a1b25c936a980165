import { join } from 'node:path';
import { isDryRun, loadConfig, parseConfig, serviceForGroup } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/errors';

const FILE = 'fleetpilot.test.yml';
const EXAMPLE = join(__dirname, '..', '..', '..', 'fleetpilot.example.yml');

/** A small valid config; each test below breaks one thing in it. */
const VALID = `region: eu-west-1
notifications:
  topicName: fleetpilot-alerts
hostedZones:
  internal:
    id: Z0EXAMPLEPRIVATE01
    domain: internal.example.com
    private: true
  public:
    id: Z0EXAMPLEPUBLIC001
    domain: example.com
services:
  - name: web
    autoScalingGroup: web-asg
    targetGroups:
      - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-http/0123456789abcdef
    dns:
      records:
        - name: "{instanceId}.web.internal.example.com"
          zone: internal
        - name: "{publicIpDashed}.web.example.com"
          zone: public
          value: publicIp
`;

const SECOND_SERVICE = (name: string, group: string) => `  - name: ${name}
    autoScalingGroup: ${group}
`;

/** Replaces exactly one occurrence, so a typo in a test cannot silently leave the config valid. */
function replaceOnce(text: string, search: string, replacement: string): string {
  expect(text.split(search)).toHaveLength(2);
  return text.replace(search, replacement);
}

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** 1-based line of the last line containing `needle` (the second service comes after the first). */
function lastLineOf(text: string, needle: string): number {
  const index = text.split('\n').findLastIndex((line) => line.includes(needle));
  expect(index).toBeGreaterThanOrEqual(0);
  return index + 1;
}

function configErrorOf(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('loadConfig', () => {
  it('loads the example config and fills in the defaults it leaves out', () => {
    // Act
    const config = loadConfig(EXAMPLE);

    // Assert
    expect(config.region).toBe('eu-west-1');
    expect(config.dryRun).toBe(false);
    expect(config.hostedZones.public).toEqual({ id: 'Z0EXAMPLEPUBLIC001', domain: 'example.com', private: false });
    expect(config.services).toHaveLength(1);
    const [web] = config.services;
    expect(web?.name).toBe('web');
    expect(web?.dns.ttl).toBe(60);
    expect(web?.dns.records.map((r) => r.name)).toEqual([
      '{instanceId}.web.internal.example.com',
      '{az}-{privateIpDashed}.web.internal.example.com',
    ]);
    expect(web?.lifecycle).toEqual({
      launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 },
      terminate: { drainTimeoutSeconds: 330 },
      pollIntervalSeconds: 10,
    });
    expect(web?.dryRun).toBeUndefined();
  });

  it('reports an unreadable file as a ConfigError naming the file and carrying the cause', () => {
    // Arrange
    const missing = join(__dirname, 'no-such-dir', 'fleetpilot.missing.yml');

    // Act
    const error = configErrorOf(() => loadConfig(missing));

    // Assert
    expect(error.name).toBe('ConfigError');
    expect(error.file).toBe(missing);
    expect(error.message).toContain(missing);
    expect(error.issues).toEqual([expect.stringMatching(/^cannot read the file: ENOENT/)]);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('parseConfig', () => {
  it('fills lifecycle timeouts, DNS ttl, record value and dryRun with their defaults', () => {
    // Arrange
    const text = `region: eu-west-1
notifications:
  topicName: alerts
services:
  - name: web
    autoScalingGroup: web-asg
`;

    // Act
    const config = parseConfig(text, FILE);

    // Assert
    expect(config.dryRun).toBe(false);
    expect(config.notifications.emails).toEqual([]);
    expect(config.hostedZones).toEqual({});
    expect(config.services[0]).toEqual({
      name: 'web',
      autoScalingGroup: 'web-asg',
      targetGroups: [],
      dns: { ttl: 60, records: [] },
      certificates: [],
      lifecycle: {
        launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 },
        terminate: { drainTimeoutSeconds: 330 },
        pollIntervalSeconds: 10,
      },
    });
  });

  it('fills the timeouts a partial lifecycle block leaves out', () => {
    // Arrange
    const text = `${VALID}    lifecycle:
      launch:
        healthyTimeoutSeconds: 1800
`;

    // Act
    const config = parseConfig(text, FILE);

    // Assert
    expect(config.services[0]?.lifecycle).toEqual({
      launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 1800 },
      terminate: { drainTimeoutSeconds: 330 },
      pollIntervalSeconds: 10,
    });
  });

  it('normalises a zone domain to lower case without a trailing dot', () => {
    // Arrange
    const text = replaceOnce(VALID, 'domain: internal.example.com', 'domain: Internal.Example.COM.');

    // Act
    const config = parseConfig(text, FILE);

    // Assert
    expect(config.hostedZones.internal?.domain).toBe('internal.example.com');
  });

  it('rejects an unknown top-level key, naming the file, the key and the root path', () => {
    // Arrange
    const text = replaceOnce(VALID, 'services:\n', 'bogus: 1\nservices:\n');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.message).toContain(FILE);
    expect(error.issues).toEqual([expect.stringMatching(/^line \d+: \(root\): Unrecognized key: "bogus"$/)]);
  });

  // zod reports an unknown key with the path of the map that holds it (here []) and the key in `keys`: the line must
  // be the key's own, not the map's first line ("region:").
  it('points an unknown top-level key at the line of that key', () => {
    // Arrange
    const text = replaceOnce(VALID, 'services:\n', 'bogus: 1\nservices:\n');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.issues).toEqual([`line ${lineOf(text, 'bogus:')}: (root): Unrecognized key: "bogus"`]);
  });

  it('rejects a config without services, naming the path and the expected array', () => {
    // Arrange
    const text = VALID.slice(0, VALID.indexOf('services:'));

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.message).toContain(FILE);
    expect(error.issues).toEqual([expect.stringMatching(/^line 1: services: .*expected array/)]);
  });

  it('rejects an empty services list', () => {
    // Arrange
    const text = `${VALID.slice(0, VALID.indexOf('services:'))}services: []\n`;

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.issues).toEqual([`line ${lineOf(text, 'services:')}: services: expected at least one service`]);
  });

  interface BadCase {
    behaviour: string;
    text: string;
    /** Text on the line the error must point at (its last occurrence). */
    at: string;
    path: string;
    expected: string;
  }

  const badCases: BadCase[] = [
    {
      behaviour: 'a target group that is not a target group ARN',
      text: replaceOnce(VALID, 'targetgroup/web-http/0123456789abcdef', 'loadbalancer/app/web/0123456789abcdef'),
      at: 'loadbalancer/app/web',
      path: 'services[0].targetGroups[0]',
      expected: 'expected a target group ARN',
    },
    {
      behaviour: 'a hosted zone id that is not a Route 53 zone id',
      text: replaceOnce(VALID, 'id: Z0EXAMPLEPUBLIC001', 'id: /hostedzone/Z0EXAMPLEPUBLIC001'),
      at: '/hostedzone/',
      path: 'hostedZones.public.id',
      expected: 'expected a Route 53 hosted zone id',
    },
    {
      behaviour: 'a record name with an unknown placeholder',
      text: replaceOnce(VALID, '{publicIpDashed}.web.example.com', '{hostname}.web.example.com'),
      at: '{hostname}',
      path: 'services[0].dns.records[1].name',
      expected: 'unknown placeholder {hostname} (expected: {instanceId}, {privateIp}',
    },
    {
      behaviour: 'a record name that is the same for every instance',
      text: replaceOnce(VALID, '{publicIpDashed}.web.example.com', '{az}.web.example.com'),
      at: '{az}.web.example.com',
      path: 'services[0].dns.records[1].name',
      expected: '"{az}.web.example.com" is the same for every instance; use {instanceId} or an IP placeholder',
    },
    {
      behaviour: "a record name outside its zone's domain",
      text: replaceOnce(VALID, '{instanceId}.web.internal.example.com', '{instanceId}.web.example.org'),
      at: '{instanceId}.web.example.org',
      path: 'services[0].dns.records[0].name',
      expected: `"{instanceId}.web.example.org" is not inside its hosted zone's domain "internal.example.com"`,
    },
    {
      behaviour: 'a record name that does not render to a DNS name',
      text: replaceOnce(VALID, '{instanceId}.web.internal.example.com', '{instanceId}..internal.example.com'),
      at: '{instanceId}..internal',
      path: 'services[0].dns.records[0].name',
      expected: 'does not render to a valid DNS name',
    },
    {
      behaviour: 'a record pointing at a zone key that is not defined',
      text: replaceOnce(VALID, 'zone: public', 'zone: pubic'),
      at: 'zone: pubic',
      path: 'services[0].dns.records[1].zone',
      expected: 'unknown hosted zone "pubic" (expected one of: internal, public)',
    },
    {
      behaviour: 'a site in a zone that is not defined',
      text: `${VALID}    site:\n      domain: www.example.com\n      zone: www\n`,
      at: 'zone: www',
      path: 'services[0].site.zone',
      expected: 'unknown hosted zone "www"',
    },
    {
      behaviour: 'a publicIp record in a private zone',
      text: replaceOnce(
        VALID,
        '          zone: internal\n',
        '          zone: internal\n          value: publicIp # in the private zone\n',
      ),
      at: '# in the private zone',
      path: 'services[0].dns.records[0].value',
      expected: 'publicIp records belong in a public zone; "internal" is private',
    },
    {
      behaviour: 'two services with the same name',
      text: `${VALID}${SECOND_SERVICE('web', 'api-asg')}`,
      at: 'name: web',
      path: 'services[1].name',
      expected: 'duplicate service name "web"',
    },
    {
      behaviour: 'two services on one Auto Scaling group',
      text: `${VALID}${SECOND_SERVICE('api', 'web-asg')}`,
      at: 'autoScalingGroup: web-asg',
      path: 'services[1].autoScalingGroup',
      expected: 'Auto Scaling group "web-asg" is already managed by another service',
    },
    {
      behaviour: 'a poll interval of zero seconds',
      text: `${VALID}    lifecycle:\n      pollIntervalSeconds: 0\n`,
      at: 'pollIntervalSeconds: 0',
      path: 'services[0].lifecycle.pollIntervalSeconds',
      expected: '>=1',
    },
    {
      behaviour: 'a healthy timeout longer than two days',
      text: `${VALID}    lifecycle:\n      launch:\n        healthyTimeoutSeconds: 172801\n`,
      at: 'healthyTimeoutSeconds',
      path: 'services[0].lifecycle.launch.healthyTimeoutSeconds',
      expected: '<=172800',
    },
    {
      behaviour: 'an unknown key inside a service',
      text: replaceOnce(VALID, '    dns:\n', '    dns:\n      tll: 30\n'),
      at: '      tll: 30',
      path: 'services[0].dns',
      expected: 'Unrecognized key: "tll"',
    },
  ];

  it.each(badCases)('rejects $behaviour with the file, line, path and what was expected', (bad) => {
    // Arrange
    const line = lastLineOf(bad.text, bad.at);

    // Act
    const error = configErrorOf(() => parseConfig(bad.text, FILE));

    // Assert
    expect(error.file).toBe(FILE);
    expect(error.message).toContain(`invalid fleetpilot config ${FILE}:`);
    expect(error.issues).toEqual([
      expect.stringMatching(new RegExp(`^line ${line}: ${escapeRegExp(bad.path)}: .*${escapeRegExp(bad.expected)}`)),
    ]);
    expect(error.message).toContain(error.issues[0]);
  });

  it('reports a YAML syntax error with its line', () => {
    // Arrange
    const text = replaceOnce(VALID, 'topicName: fleetpilot-alerts', 'topicName: @fleetpilot-alerts');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.message).toContain(FILE);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(
      new RegExp(`^line ${lineOf(text, '@fleetpilot-alerts')}: YAML syntax: .*reserved character @`),
    );
  });

  it('rejects a duplicate YAML key instead of keeping the last value', () => {
    // Arrange
    const text = replaceOnce(VALID, 'region: eu-west-1\n', 'region: eu-west-1\nregion: us-east-1\n');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.message).toContain(FILE);
    expect(error.issues).toEqual([
      expect.stringMatching(new RegExp(`^line ${lineOf(text, 'us-east-1')}: YAML syntax: Map keys must be unique`)),
    ]);
  });

  it('reports every problem of a config, not only the first', () => {
    // Arrange
    let text = replaceOnce(VALID, 'id: Z0EXAMPLEPUBLIC001', 'id: nope');
    text = replaceOnce(text, 'zone: public', 'zone: pubic');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.issues).toHaveLength(2);
    expect(error.issues.join('\n')).toContain('hostedZones.public.id');
    expect(error.issues.join('\n')).toContain('services[0].dns.records[1].zone');
  });
});

describe('serviceForGroup', () => {
  const config = parseConfig(`${VALID}${SECOND_SERVICE('api', 'api-asg')}`, FILE);

  it('finds the service that manages an Auto Scaling group', () => {
    // Act
    const service = serviceForGroup(config, 'api-asg');

    // Assert
    expect(service?.name).toBe('api');
  });

  it('returns undefined for a group fleetpilot does not manage', () => {
    // Act
    const service = serviceForGroup(config, 'someone-elses-asg');

    // Assert
    expect(service).toBeUndefined();
  });
});

describe('isDryRun', () => {
  it.each([
    { top: 'false', own: '', expected: false },
    { top: 'true', own: '', expected: true },
    { top: 'true', own: 'false', expected: false },
    { top: 'false', own: 'true', expected: true },
  ])('is $expected when the top level says $top and the service says "$own"', ({ top, own, expected }) => {
    // Arrange
    let text = `dryRun: ${top}\n${VALID}`;
    if (own !== '')
      text = replaceOnce(
        text,
        '    autoScalingGroup: web-asg\n',
        `    autoScalingGroup: web-asg\n    dryRun: ${own}\n`,
      );
    const config = parseConfig(text, FILE);
    const service = serviceForGroup(config, 'web-asg');
    if (!service) throw new Error('fixture has no web-asg service');

    // Act
    const dryRun = isDryRun(config, service);

    // Assert
    expect(dryRun).toBe(expected);
  });
});
