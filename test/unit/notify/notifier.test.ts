import { InvalidParameterException, PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  chatbotBody,
  consoleLinks,
  createSnsNotifier,
  emailBody,
  type Notification,
  publishInput,
  subjectOf,
} from '../../../shared/notify/notifier';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:fleetpilot-alerts';
const MESSAGE_MAX_BYTES = 256 * 1024;

const snsMock = mockClient(SNSClient);

function aNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    severity: 'critical',
    kind: 'lifecycle.launch.abandoned',
    title: 'Launch abandoned for i-0abc12345def67890',
    summary: 'The instance never became healthy in web-http within 900 seconds.',
    facts: [
      ['Instance', 'i-0abc12345def67890'],
      ['Auto Scaling group', 'web-asg'],
      ['Target group', 'web-http'],
    ],
    links: [
      consoleLinks.instance('eu-west-1', 'i-0abc12345def67890'),
      consoleLinks.autoScalingGroup('eu-west-1', 'web-asg'),
    ],
    service: 'web',
    correlationId: '7bf73129-1428-4cd3-a780-95db273d1602',
    ...overrides,
  };
}

interface ProtocolBodies {
  default: string;
  email: string;
  https: string;
}

function bodiesOf(input: PublishCommandInput): ProtocolBodies {
  if (input.Message === undefined) throw new Error('Publish input has no Message');
  return JSON.parse(input.Message) as ProtocolBodies;
}

function sentInput(): PublishCommandInput {
  const [call] = snsMock.commandCalls(PublishCommand);
  if (!call) throw new Error('no Publish call was made');
  return call.args[0].input;
}

/**
 * The Amazon Q Developer in chat applications (AWS Chatbot) custom notification schema, as far as the service checks
 * it: a body that fails these checks is dropped without an error.
 */
function expectValidChatbotNotification(body: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(parsed).toMatchObject({
    version: '1.0',
    source: 'custom',
    content: { description: expect.any(String) },
  });
  const content = parsed.content as Record<string, unknown>;
  expect((content.description as string).trim()).not.toBe('');
  if ('title' in content) expect(typeof content.title).toBe('string');
  if ('textType' in content) expect(content.textType).toBe('client-markdown');
  if ('keywords' in content) expect(content.keywords).toEqual(expect.arrayContaining([expect.any(String)]));
  if ('id' in parsed) expect(typeof parsed.id).toBe('string');
  if ('metadata' in parsed) {
    const metadata = parsed.metadata as Record<string, unknown>;
    for (const key of ['summary', 'eventType', 'threadId'] as const) {
      if (key in metadata) expect(typeof metadata[key]).toBe('string');
    }
  }
}

beforeEach(() => {
  snsMock.reset();
});

describe('createSnsNotifier', () => {
  it('publishes one JSON-structured message to the topic with severity, kind and service attributes', async () => {
    // Arrange
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = createSnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN);

    // Act
    await notifier.notify(aNotification());

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      MessageStructure: 'json',
      Subject: '[fleetpilot CRITICAL] web: Launch abandoned for i-0abc12345def67890',
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        kind: { DataType: 'String', StringValue: 'lifecycle.launch.abandoned' },
        service: { DataType: 'String', StringValue: 'web' },
      },
    });
  });

  it('leaves out the service attribute when the notification concerns no service', async () => {
    // Arrange
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = createSnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN);

    // Act
    await notifier.notify(aNotification({ service: undefined, severity: 'warning', kind: 'config.reloaded' }));

    // Assert
    expect(sentInput().MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'warning' },
      kind: { DataType: 'String', StringValue: 'config.reloaded' },
    });
  });

  it('propagates a rejected Publish so the invocation fails and is retried', async () => {
    // Arrange
    snsMock
      .on(PublishCommand)
      .rejects(new InvalidParameterException({ message: 'Invalid parameter: Message too long', $metadata: {} }));
    const notifier = createSnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN);

    // Act
    const result = notifier.notify(aNotification());

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(result).rejects.toThrow('Invalid parameter: Message too long');
  });
});

describe('publishInput', () => {
  it('carries a default body for every protocol SNS has no specific body for', () => {
    // Act
    const bodies = bodiesOf(publishInput(TOPIC_ARN, aNotification()));

    // Assert
    expect(Object.keys(bodies).sort()).toEqual(['default', 'email', 'https', 'sqs']);
    for (const body of Object.values(bodies)) expect(typeof body).toBe('string');
    expect(bodies.default).toBe(
      'CRITICAL web: Launch abandoned for i-0abc12345def67890. The instance never became healthy in web-http within 900 seconds.',
    );
  });

  it('puts every fact, every link, the severity and the correlation id in the e-mail body', () => {
    // Arrange
    const notification = aNotification();

    // Act
    const { email } = bodiesOf(publishInput(TOPIC_ARN, notification));

    // Assert
    expect(email).toContain(notification.title);
    expect(email).toContain(notification.summary);
    for (const [label, value] of notification.facts) {
      expect(email).toMatch(new RegExp(`^${label}: +${value}$`, 'm'));
    }
    for (const link of notification.links) expect(email).toContain(link.url);
    expect(email).toContain('Severity: critical');
    expect(email).toContain(`Correlation id: ${notification.correlationId}`);
  });

  it('sends a valid Amazon Q Developer custom notification as the https body', () => {
    // Arrange
    const notification = aNotification();

    // Act
    const { https } = bodiesOf(publishInput(TOPIC_ARN, notification));

    // Assert
    expectValidChatbotNotification(https);
    expect(JSON.parse(https)).toMatchObject({
      id: notification.correlationId,
      content: { title: expect.stringContaining(notification.title) },
      metadata: { summary: notification.title, eventType: notification.kind, threadId: 'fleetpilot-web' },
    });
  });

  it('sets the subject: severity marker, service and title', () => {
    // Arrange
    const notification = aNotification({ title: 'Zoned out' });

    // Act
    const input = publishInput(TOPIC_ARN, notification);

    // Assert
    expect(input.Subject).toBe('[fleetpilot CRITICAL] web: Zoned out');
  });

  it('leaves out the facts that do not fit in 256 KB from the e-mail, keeping its title and trailer', () => {
    // Arrange: one fact larger than SNS's whole message limit.
    const notification = aNotification({
      facts: [
        ['Small', 'fits'],
        ['Target health', 'unhealthy '.repeat(30_000)],
      ],
    });

    // Act
    const input = publishInput(TOPIC_ARN, notification);

    // Assert
    expect(Buffer.byteLength(input.Message ?? '')).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    const bodies = bodiesOf(input);
    expectValidChatbotNotification(bodies.https);
    expect(JSON.parse(bodies.https).content.description.split('\n')).toEqual([
      notification.summary,
      '*Small:* fits',
      '_1 more facts in the e-mail_',
      ...notification.links.map((l) => `<${l.url}|${l.label}>`),
    ]);
    expect(bodies.default).toBe(
      'CRITICAL web: Launch abandoned for i-0abc12345def67890. The instance never became healthy in web-http within 900 seconds.',
    );
    expect(bodies.email).toContain('Small:');
    expect(bodies.email).toContain('1 more facts left out');
    expect(bodies.email).toContain(`Correlation id: ${notification.correlationId}`);
    expect(bodies.email.startsWith(`${notification.title}\n`)).toBe(true);
  });

  it('does not trim a message that fits', () => {
    // Arrange
    const notification = aNotification();

    // Act
    const { email } = bodiesOf(publishInput(TOPIC_ARN, notification));

    // Assert
    expect(email).not.toContain('left out');
    expect(email.split('\n')).toEqual(
      expect.arrayContaining([
        'Instance:           i-0abc12345def67890',
        'Auto Scaling group: web-asg',
        'Target group:       web-http',
      ]),
    );
  });

  // chatbotBody() copies facts into content.description too (escaped twice, once per JSON level), so trimming the
  // e-mail alone would not keep a message with very many facts under SNS's limit; the chat description is cut instead.
  it('keeps a message with very many facts within 256 KB and its https body a valid notification', () => {
    // Arrange
    const facts = Array.from(
      { length: 3_000 },
      (_, i) => [`Target ${i}`, `"state": "unhealthy",\n"reason": "Target.Timeout"`] as const,
    );
    const notification = aNotification({ facts });

    // Act
    const input = publishInput(TOPIC_ARN, notification);

    // Assert
    expect(Buffer.byteLength(input.Message ?? '')).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    const bodies = bodiesOf(input);
    expectValidChatbotNotification(bodies.https);
    expect(bodies.default).toBe(
      'CRITICAL web: Launch abandoned for i-0abc12345def67890. The instance never became healthy in web-http within 900 seconds.',
    );
  });
});

describe('subjectOf', () => {
  it.each([
    ['info', '[fleetpilot INFO] '],
    ['warning', '[fleetpilot WARNING] '],
    ['critical', '[fleetpilot CRITICAL] '],
  ] as const)('begins a subject of severity %s with its marker', (severity, marker) => {
    // Act
    const subject = subjectOf(aNotification({ severity }));

    // Assert
    expect(subject.startsWith(marker)).toBe(true);
  });

  it('keeps a very long title within 100 characters and shows that it was cut', () => {
    // Arrange
    const notification = aNotification({ title: `Launch abandoned ${'because of a very long reason '.repeat(20)}` });

    // Act
    const subject = subjectOf(notification);

    // Assert
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject.length).toBeGreaterThan(90);
    expect(subject.startsWith('[fleetpilot CRITICAL] web: Launch abandoned because')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('replaces non-ASCII characters and line breaks so the subject is printable ASCII on one line', () => {
    // Arrange
    const notification = aNotification({ title: 'Déploiement échoué 🚨\r\nsur 東京\tzone' });

    // Act
    const subject = subjectOf(notification);

    // Assert
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe('[fleetpilot CRITICAL] web: D?ploiement ?chou? ?? sur ???zone');
  });

  it('leaves out the service prefix when there is no service', () => {
    // Act
    const subject = subjectOf(aNotification({ severity: 'info', service: undefined, title: 'Nothing to do' }));

    // Assert
    expect(subject).toBe('[fleetpilot INFO] Nothing to do');
  });
});

describe('emailBody', () => {
  it('aligns fact values after the longest label', () => {
    // Act
    const body = emailBody(
      aNotification({
        facts: [
          ['AZ', 'eu-west-1a'],
          ['Instance', 'i-1'],
        ],
        links: [],
      }),
    );

    // Assert
    expect(body.split('\n')).toEqual(expect.arrayContaining(['AZ:       eu-west-1a', 'Instance: i-1']));
    expect(body).not.toContain('Links:');
  });
});

describe('chatbotBody', () => {
  it.each([
    ['critical', ':rotating_light: '],
    ['warning', ':warning: '],
    ['info', ''],
  ] as const)('titles a notification of severity %s with its emoji prefix', (severity, prefix) => {
    // Act
    const body = JSON.parse(chatbotBody(aNotification({ severity, title: 'Drain timed out' })));

    // Assert
    expect(body.content.title).toBe(`${prefix}Drain timed out`);
  });

  it('puts the summary, the facts and the links in the description and tags the thread by service', () => {
    // Arrange
    const notification = aNotification();

    // Act
    const body = JSON.parse(chatbotBody(notification));

    // Assert
    expect(body.content.description.split('\n')).toEqual([
      notification.summary,
      '*Instance:* i-0abc12345def67890',
      '*Auto Scaling group:* web-asg',
      '*Target group:* web-http',
      ...notification.links.map((l) => `<${l.url}|${l.label}>`),
    ]);
    expect(body.content.keywords).toEqual(['critical', 'lifecycle.launch.abandoned', 'web']);
  });

  it('stays a valid notification without a service, facts or links', () => {
    // Act
    const body = chatbotBody(aNotification({ service: undefined, facts: [], links: [] }));

    // Assert
    expectValidChatbotNotification(body);
    expect(JSON.parse(body).metadata).not.toHaveProperty('threadId');
  });
});

describe('consoleLinks', () => {
  it('links an instance in its region', () => {
    // Act
    const link = consoleLinks.instance('eu-west-1', 'i-0abc12345def67890');

    // Assert
    expect(link).toEqual({
      label: 'EC2 instance i-0abc12345def67890',
      url: 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc12345def67890',
    });
  });

  it('encodes an Auto Scaling group name in its link', () => {
    // Act
    const link = consoleLinks.autoScalingGroup('eu-west-1', 'web asg/blue');

    // Assert
    expect(link.url).toContain('#AutoScalingGroupDetails:id=web%20asg%2Fblue;view=activity');
  });

  it('labels a target group by its name', () => {
    // Act
    const link = consoleLinks.targetGroup(
      'eu-west-1',
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-http/0123456789abcdef',
    );

    // Assert
    expect(link.label).toBe('Target group web-http');
    expect(link.url.startsWith('https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#TargetGroup:')).toBe(
      true,
    );
  });

  it('links a hosted zone to its record sets', () => {
    // Act
    const link = consoleLinks.hostedZone('Z0EXAMPLEPUBLIC001');

    // Assert
    expect(link.url).toBe('https://console.aws.amazon.com/route53/v2/hostedzones#ListRecordSets/Z0EXAMPLEPUBLIC001');
  });
});
