/** Simulated Parameter Store: GetParameter with and without decryption, versions, and AWS's errors. */
import { GetParameterCommand, ParameterNotFound, ParameterVersionNotFound } from '@aws-sdk/client-ssm';
import { type Harness, startAccount } from './harness';

let h: Harness;
const URL_VALUE = 'https://hooks.slack.com/services/T0/B0/secret';

beforeEach(() => {
  h = startAccount({
    parameters: [
      { name: '/fleetpilot/slack/web', value: URL_VALUE },
      { name: 'plain', value: 'visible', type: 'String' },
    ],
  });
});
afterEach(() => h.done());

describe('simulated SSM Parameter Store', () => {
  it('returns a SecureString decrypted only WithDecryption', async () => {
    // Act
    const decrypted = await h.ssm.send(
      new GetParameterCommand({ Name: '/fleetpilot/slack/web', WithDecryption: true }),
    );
    const encrypted = await h.ssm.send(new GetParameterCommand({ Name: '/fleetpilot/slack/web' }));

    // Assert
    expect(decrypted.Parameter).toMatchObject({
      Name: '/fleetpilot/slack/web',
      Type: 'SecureString',
      Value: URL_VALUE,
      Version: 1,
      ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/fleetpilot/slack/web',
      DataType: 'text',
    });
    expect(encrypted.Parameter?.Value).not.toContain('secret');
  });

  it('finds a parameter by ARN and by version, and a String without decryption', async () => {
    // Arrange
    h.account.ssm.putParameter({ name: '/fleetpilot/slack/web', value: `${URL_VALUE}-2` });

    // Act
    const latest = await h.ssm.send(
      new GetParameterCommand({
        Name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/fleetpilot/slack/web',
        WithDecryption: true,
      }),
    );
    const first = await h.ssm.send(new GetParameterCommand({ Name: '/fleetpilot/slack/web:1', WithDecryption: true }));
    const plain = await h.ssm.send(new GetParameterCommand({ Name: 'plain' }));

    // Assert
    expect([latest.Parameter?.Version, latest.Parameter?.Value]).toEqual([2, `${URL_VALUE}-2`]);
    expect([first.Parameter?.Version, first.Parameter?.Value, first.Parameter?.Selector]).toEqual([1, URL_VALUE, ':1']);
    expect(plain.Parameter?.Value).toBe('visible');
  });

  it("fails with AWS's errors for an unknown name or version", async () => {
    await expect(h.ssm.send(new GetParameterCommand({ Name: '/nope', WithDecryption: true }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
    await expect(h.ssm.send(new GetParameterCommand({ Name: '/fleetpilot/slack/web:9' }))).rejects.toBeInstanceOf(
      ParameterVersionNotFound,
    );
  });
});
