/**
 * deploy/scheduler.ts: the Scheduler role and schedules every capability declares through it (the packaged template's
 * schedules are checked per capability in test/template/; these are the cases the example config does not reach).
 */
import {
  addUnique,
  arnOf,
  LogicalIdConflictError,
  logicalIdPart,
  schedulerRole,
  schedulerSchedule,
} from '../../../deploy/scheduler';

type Props = Record<string, unknown>;
type Statement = { Sid?: string; Action: string; Resource: unknown };

const statements = (role: ReturnType<typeof schedulerRole>): Statement[] =>
  ((role.Properties as Props).Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

describe('the Scheduler role', () => {
  it('invokes exactly the functions given, one ARN as a value and several as a list', () => {
    const base = { description: 'd', policyName: 'p', invokeSid: 'Invoke', deadLetterArn: arnOf('Dlq') };

    const one = statements(schedulerRole({ ...base, functionArns: [arnOf('A')] }));
    const two = statements(schedulerRole({ ...base, functionArns: [arnOf('A'), arnOf('B')] }));

    expect(one.find((s) => s.Sid === 'Invoke')?.Resource).toEqual(arnOf('A'));
    expect(two.find((s) => s.Sid === 'Invoke')?.Resource).toEqual([arnOf('A'), arnOf('B')]);
    expect(two.find((s) => s.Action === 'sqs:SendMessage')?.Resource).toEqual(arnOf('Dlq'));
  });
});

describe('a schedule', () => {
  const target = {
    arn: arnOf('Fn'),
    role: 'Role',
    input: '{"a":1}',
    retry: { maximumEventAgeInSeconds: 900, maximumRetryAttempts: 5 },
    deadLetterArn: arnOf('Dlq'),
  };

  it('names its time zone only when it has one (a rate expression has none)', () => {
    const rate = schedulerSchedule({ description: 'r', expression: 'rate(15 minutes)', target }).Properties as Props;
    const cron = schedulerSchedule({
      description: 'c',
      expression: 'cron(30 7 ? * MON-FRI *)',
      timezone: 'Asia/Seoul',
      target,
    }).Properties as Props;

    expect(rate).not.toHaveProperty('ScheduleExpressionTimezone');
    expect(cron.ScheduleExpressionTimezone).toBe('Asia/Seoul');
    expect(cron.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
  });

  it('makes logical id parts from names whatever their separators', () => {
    expect([logicalIdPart('web-api'), logicalIdPart('business_hours'), logicalIdPart('x')]).toEqual([
      'WebApi',
      'BusinessHours',
      'X',
    ]);
  });
});

describe('resources under logical ids made from names', () => {
  it('refuses a second resource under an id two names made, naming the id', () => {
    const resources = {};
    const resource = { Type: 'AWS::Scheduler::Schedule', Properties: {} };
    addUnique(resources, `Rule${logicalIdPart('web-1')}`, resource, 'rules');

    const again = () => addUnique(resources, `Rule${logicalIdPart('web1')}`, resource, 'rules');

    expect(again).toThrow(LogicalIdConflictError);
    expect(again).toThrow('two rules make the logical id RuleWeb1');
    expect(Object.keys(resources)).toEqual(['RuleWeb1']);
  });
});
