import { checkNamePattern, type NamePlaceholder, renderName } from '../../../functions/lifecycle/config';

const facts: Record<NamePlaceholder, string> = {
  instanceId: 'i-0ABC12345DEF67890',
  privateIp: '10.0.1.23',
  privateIpDashed: '10-0-1-23',
  publicIp: '203.0.113.7',
  publicIpDashed: '203-0-113-7',
  az: 'eu-west-1a',
  asgName: 'Web-ASG',
  service: 'web',
};

describe('renderName', () => {
  it('substitutes every placeholder with the instance fact', () => {
    // Act
    const name = renderName('{service}-{instanceId}.{az}.{privateIpDashed}.internal.example.com', facts);

    // Assert
    expect(name).toBe('web-i-0abc12345def67890.eu-west-1a.10-0-1-23.internal.example.com');
  });

  it('lets an IP placeholder form four labels', () => {
    // Act
    const name = renderName('{privateIp}.web.internal.example.com', facts);

    // Assert
    expect(name).toBe('10.0.1.23.web.internal.example.com');
  });

  it('lower-cases the rendered name, facts and literal text alike', () => {
    // Act
    const name = renderName('{asgName}-{instanceId}.WEB.Internal.example.COM', facts);

    // Assert
    expect(name).toBe('web-asg-i-0abc12345def67890.web.internal.example.com');
  });

  it('drops a trailing dot', () => {
    // Act
    const name = renderName('{instanceId}.internal.example.com.', facts);

    // Assert
    expect(name).toBe('i-0abc12345def67890.internal.example.com');
  });

  it('leaves an unknown placeholder in place rather than inventing a value', () => {
    // Act
    const name = renderName('{hostname}.internal.example.com', facts);

    // Assert
    expect(name).toBe('{hostname}.internal.example.com');
  });
});

describe('checkNamePattern', () => {
  it.each([
    '{instanceId}.web.internal.example.com',
    '{privateIp}.internal.example.com',
    '{az}-{publicIpDashed}.web.internal.example.com',
    '{instanceId}.Web.Internal.Example.com.',
  ])('accepts %s inside internal.example.com', (pattern) => {
    // Act
    const problems = checkNamePattern(pattern, 'internal.example.com');

    // Assert
    expect(problems).toEqual([]);
  });

  it('names the unknown placeholder and lists the known ones', () => {
    // Act
    const problems = checkNamePattern('{instanceId}.{host}.internal.example.com', 'internal.example.com');

    // Assert
    expect(problems).toEqual([
      'unknown placeholder {host} (expected: {instanceId}, {privateIp}, {privateIpDashed}, {publicIp}, {publicIpDashed}, {az}, {asgName}, {service})',
    ]);
  });

  it('rejects a name that every instance would share', () => {
    // Act
    const problems = checkNamePattern('{service}.{az}.internal.example.com', 'internal.example.com');

    // Assert
    expect(problems).toEqual([expect.stringContaining('is the same for every instance')]);
  });

  it('rejects a name outside the zone, including one that only ends with the same characters', () => {
    // Act
    const problems = checkNamePattern('{instanceId}.notinternal.example.com', 'internal.example.com');

    // Assert
    expect(problems).toEqual([
      `"{instanceId}.notinternal.example.com" is not inside its hosted zone's domain "internal.example.com"`,
    ]);
  });

  it('rejects a name that does not render to a valid DNS name', () => {
    // Act
    const problems = checkNamePattern('{instanceId} web.internal.example.com', 'internal.example.com');

    // Assert
    expect(problems).toEqual([
      expect.stringMatching(/does not render to a valid DNS name \(e\.g\. "i-0123456789abcdef0 web/),
    ]);
  });
});
