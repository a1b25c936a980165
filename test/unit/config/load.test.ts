import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../../shared/config/load';
import { isDryRun, serviceForGroup } from '../../../shared/config/lookup';
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
    targetGroups: [arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${name}/0123456789abcdef]
`;

const HOOKS = { launch: ['fleetpilot-launch'], terminate: ['fleetpilot-terminate'] };

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
      hooks: HOOKS,
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
    targetGroups: [arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef]
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
      targetGroups: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef'],
      dns: { ttl: 60, records: [] },
      certificates: [],
      lifecycle: {
        launch: { runningTimeoutSeconds: 300, healthyTimeoutSeconds: 900 },
        terminate: { drainTimeoutSeconds: 330 },
        pollIntervalSeconds: 10,
        hooks: HOOKS,
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
      hooks: HOOKS,
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
      expected: 'longer than a lifecycle hook can wait (48 h, heartbeats included)',
    },
    {
      behaviour: 'a target group in another region than the stack',
      text: replaceOnce(VALID, 'elasticloadbalancing:eu-west-1:', 'elasticloadbalancing:us-east-1:'),
      at: 'elasticloadbalancing:us-east-1:',
      path: 'services[0].targetGroups[0]',
      expected: 'target group in region us-east-1, but the stack runs in eu-west-1 (region)',
    },
    {
      behaviour: 'target groups in two accounts',
      text: replaceOnce(
        VALID,
        'targetgroup/web-http/0123456789abcdef\n',
        'targetgroup/web-http/0123456789abcdef\n      - arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/web-grpc/0123456789abcdef\n',
      ),
      at: '210987654321',
      path: 'services[0].targetGroups[1]',
      expected: 'target group in account 210987654321, but services[0].targetGroups[0] is in 123456789012',
    },
    {
      behaviour: 'one hosted zone id under two keys',
      text: replaceOnce(VALID, 'id: Z0EXAMPLEPUBLIC001', 'id: Z0EXAMPLEPRIVATE01'),
      at: 'id: Z0EXAMPLEPRIVATE01',
      path: 'hostedZones.public.id',
      expected: 'zone Z0EXAMPLEPRIVATE01 is already listed as "internal"',
    },
    {
      behaviour: 'private addresses written into a public zone',
      text: replaceOnce(VALID, '          value: publicIp\n', '          value: privateIp\n'),
      at: 'value: privateIp',
      path: 'services[0].dns.records[1].value',
      expected: 'privateIp records would publish private addresses in "public", a public zone',
    },
    {
      behaviour: 'a TTL of 0',
      text: replaceOnce(VALID, '    dns:\n', '    dns:\n      ttl: 0\n'),
      at: 'ttl: 0',
      path: 'services[0].dns.ttl',
      expected: 'TTL 0 makes every lookup reach Route 53',
    },
    {
      behaviour: 'a record TTL longer than two days',
      text: replaceOnce(VALID, '          zone: internal\n', '          zone: internal\n          ttl: 604800\n'),
      at: 'ttl: 604800',
      path: 'services[0].dns.records[0].ttl',
      expected: 'more than 2 days (172800 s)',
    },
    {
      behaviour: 'a drain timeout of zero seconds',
      text: `${VALID}    lifecycle:\n      terminate:\n        drainTimeoutSeconds: 0\n`,
      at: 'drainTimeoutSeconds: 0',
      path: 'services[0].lifecycle.terminate.drainTimeoutSeconds',
      expected: '0 continues the terminate hook before draining starts',
    },
    {
      behaviour: 'a site domain outside its zone',
      text: `${VALID}    site:\n      domain: www.example.org\n      zone: public\n`,
      at: 'domain: www.example.org',
      path: 'services[0].site.domain',
      expected: '"www.example.org" is not inside the domain "example.com" of its zone "public"',
    },
    {
      behaviour: 'a certificate in another region',
      text: `${VALID}    certificates:\n      - arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789\n`,
      at: 'arn:aws:acm:us-east-1',
      path: 'services[0].certificates[0]',
      expected: 'certificate in region us-east-1, but the stack runs in eu-west-1',
    },
    {
      behaviour: 'a service with no target groups and no records',
      text: `${VALID}  - name: api\n    autoScalingGroup: api-asg\n`,
      at: 'name: api',
      path: 'services[1]',
      expected: 'no targetGroups and no dns.records: every launch would be continued without any check',
    },
    {
      behaviour: 'a hook name with a character Auto Scaling refuses',
      text: `${VALID}    lifecycle:\n      hooks:\n        launch: fleetpilot launch\n`,
      at: 'launch: fleetpilot launch',
      path: 'services[0].lifecycle.hooks.launch',
      expected: 'expected a lifecycle hook name',
    },
    {
      behaviour: 'a group name IAM would read as a wildcard',
      text: replaceOnce(VALID, 'autoScalingGroup: web-asg', 'autoScalingGroup: web-*'),
      at: 'autoScalingGroup: web-*',
      path: 'services[0].autoScalingGroup',
      expected: 'contains "*" or "?", which IAM would read as a wildcard',
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

describe('parseConfig on documents that are not configs', () => {
  it.each(['', '# nothing but a comment\n'])('names line 1 and says the file is empty (%j)', (text) => {
    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.issues).toEqual([
      'line 1: (root): the file is empty; expected a mapping with region, notifications and services',
    ]);
  });

  it('turns a YAML alias bomb into a ConfigError naming the file', () => {
    // Arrange: nine aliases per level, five levels: 9^5 expansions.
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ] as const) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `${levels.join('\n')}\n${VALID}`;

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.message).toContain(FILE);
    expect(error.issues).toEqual([expect.stringMatching(/^YAML aliases: .*resource exhaustion.*\(at most 100\)$/)]);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('names a missing region as missing, in the mapping that starts on line 1', () => {
    // Arrange
    const text = replaceOnce(VALID, 'region: eu-west-1\n', '# no region\n');

    // Act
    const error = configErrorOf(() => parseConfig(text, FILE));

    // Assert
    expect(error.issues).toEqual([
      expect.stringMatching(/^line 2: region: missing key "region" in the mapping that starts on this line \(/),
    ]);
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
