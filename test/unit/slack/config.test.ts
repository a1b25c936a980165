/**
 * The slack config section (functions/slack/config.ts) through the same parseConfig that packaging and cold start run,
 * and what deploy.ts derives from it (the IAM grant names exactly the configured parameters).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slackDeploy, slackParameters } from '../../../functions/slack/deploy';
import { parseConfig } from '../../../shared/config/load';
import { ConfigError } from '../../../shared/errors';

const EXAMPLE = readFileSync(join(__dirname, '..', '..', '..', 'fleetpilot.example.yml'), 'utf8');

/** The example with its slack section replaced by `section` (indented as a service key). */
function withSlack(section: string): string {
  const anchor = EXAMPLE.indexOf('\n    slack:\n');
  if (anchor < 0) throw new Error('the example config has no slack section');
  const rest = EXAMPLE.slice(anchor + 1).split('\n');
  const end = rest.findIndex((line, i) => i > 0 && /^ {0,4}\S/.test(line));
  return `${EXAMPLE.slice(0, anchor + 1)}${section}\n${end < 0 ? '' : rest.slice(end).join('\n')}`;
}

function issuesOf(text: string): string {
  try {
    parseConfig(text, 'fleetpilot.yml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.join('\n');
    throw error;
  }
  return '';
}

describe('the slack config section', () => {
  it('accepts the example, with the defaults filled in', () => {
    const config = parseConfig(EXAMPLE, 'fleetpilot.example.yml');
    expect((config.services[0] as { slack?: unknown }).slack).toEqual({
      transport: { webhook: { parameter: '/fleetpilot/slack/web' } },
      mentions: { critical: 'here', warning: 'none' },
      minSeverity: 'info',
    });
    expect(slackParameters(config)).toEqual(['/fleetpilot/slack/web']);
  });

  it.each([
    [
      'a parameter under /aws/',
      '      transport: { webhook: { parameter: /aws/reference/secretsmanager/slack } }',
      'reserved by AWS',
    ],
    [
      'a channel name instead of an id',
      '      transport: { bot: { parameter: /fp/bot, channel: "#ops" } }',
      'expected a Slack channel id',
    ],
    [
      'an unknown mention',
      '      transport: { webhook: { parameter: /fp/hook } }\n      mentions: { critical: everyone }',
      'expected here, channel, none or subteam',
    ],
    [
      'the secret itself in the config',
      '      transport: { webhook: { url: "https://hooks.slack.com/services/T/B/x" } }',
      'expected transport',
    ],
  ])('refuses %s, naming the path', (_what, body, message) => {
    const issues = issuesOf(withSlack(`    slack:\n${body}`));
    expect(issues).toContain('services[0].slack');
    expect(issues).toContain(message);
  });

  it('grants ssm:GetParameter on exactly the configured parameters, and nothing without a slack section', () => {
    // Arrange
    const config = parseConfig(
      withSlack('    slack:\n      transport: { bot: { parameter: fleetpilot-bot, channel: C0123456789 } }'),
      'fleetpilot.yml',
    );
    const without = parseConfig(withSlack(''), 'fleetpilot.yml');

    // Act
    const statements = slackDeploy.iamStatements(config);

    // Assert
    expect(statements).toEqual([
      {
        Sid: 'ReadSlackSecrets',
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: [
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':ssm:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':parameter/fleetpilot-bot',
              ],
            ],
          },
        ],
      },
    ]);
    expect(slackDeploy.iamStatements(without)).toEqual([]);
    expect(Object.keys(slackDeploy.resources?.(without) ?? {})).not.toContain('SlackSubscription');
    expect(slackDeploy.resources?.(config).SlackSubscription?.Properties).toMatchObject({
      Protocol: 'sqs',
      RawMessageDelivery: false,
    });
  });
});
