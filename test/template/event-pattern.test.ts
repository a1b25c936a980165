/**
 * matchesEventPattern follows the EventBridge user guide ("Event patterns", "Content filtering in Amazon EventBridge
 * event patterns") for the operators it supports, and refuses the others.
 */
import { matchesEventPattern, UnsupportedPatternError } from '../../sim/event-pattern';

const event = {
  source: 'aws.autoscaling',
  'detail-type': 'EC2 Instance-launch Lifecycle Action',
  region: 'eu-west-1',
  resources: ['arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:x', 'arn:aws:ec2:eu-west-1:1:instance/i-1'],
  detail: {
    AutoScalingGroupName: 'web-asg',
    Origin: 'EC2',
    Destination: 'WarmPool',
    Count: 3,
    Flag: false,
    Nested: {},
  },
};

describe('matchesEventPattern', () => {
  it('matches when every named field equals one of its listed values, at any depth', () => {
    expect(matchesEventPattern({ source: ['aws.ec2', 'aws.autoscaling'] }, event)).toBe(true);
    expect(
      matchesEventPattern({ detail: { AutoScalingGroupName: ['web-asg'], Count: [3], Flag: [false] } }, event),
    ).toBe(true);
    expect(
      matchesEventPattern({ source: ['aws.autoscaling'], detail: { AutoScalingGroupName: ['db-asg'] } }, event),
    ).toBe(false);
  });

  it('compares exactly: case, type and missing fields count', () => {
    expect(matchesEventPattern({ source: ['AWS.autoscaling'] }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { Count: ['3'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { Action: ['ReplaceRootVolume'] } }, event)).toBe(false);
    expect(matchesEventPattern({ nowhere: { deeper: ['x'] } }, event)).toBe(false);
  });

  it('matches an array field when any element matches', () => {
    expect(matchesEventPattern({ resources: ['arn:aws:ec2:eu-west-1:1:instance/i-1'] }, event)).toBe(true);
    expect(matchesEventPattern({ resources: [{ prefix: 'arn:aws:autoscaling:' }] }, event)).toBe(true);
  });

  it('supports prefix, anything-but and exists', () => {
    expect(matchesEventPattern({ region: [{ prefix: 'eu-' }] }, event)).toBe(true);
    expect(matchesEventPattern({ region: [{ prefix: 'us-' }] }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { Destination: [{ 'anything-but': 'WarmPool' }] } }, event)).toBe(false);
    expect(
      matchesEventPattern({ detail: { Destination: [{ 'anything-but': ['EC2', 'AutoScalingGroup'] }] } }, event),
    ).toBe(true);
    // anything-but needs the field to be there.
    expect(matchesEventPattern({ detail: { Action: [{ 'anything-but': 'ReplaceRootVolume' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { Origin: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { Action: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { Action: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { Origin: [{ exists: false }] } }, event)).toBe(false);
    // exists applies to leaves: an object at that path does not count.
    expect(matchesEventPattern({ detail: { Nested: [{ exists: true }] } }, event)).toBe(false);
  });

  it('ORs the alternatives of a field, literal and filter alike', () => {
    expect(matchesEventPattern({ detail: { Destination: ['EC2', { prefix: 'Warm' }] } }, event)).toBe(true);
  });

  it.each([
    [{ detail: { Count: [{ numeric: ['>', 0] }] } }],
    [{ detail: { AutoScalingGroupName: [{ suffix: '-asg' }] } }],
    [{ detail: { AutoScalingGroupName: [{ 'equals-ignore-case': 'WEB-ASG' }] } }],
    [{ detail: { AutoScalingGroupName: [{ wildcard: 'web-*' }] } }],
    [{ $or: [{ source: ['aws.ec2'] }, { source: ['aws.autoscaling'] }] }],
    [{ detail: { Destination: [{ 'anything-but': { prefix: 'Warm' } }] } }],
    [{ source: 'aws.autoscaling' }],
    [{ source: [] }],
  ])('throws on what it does not support: %j', (pattern) => {
    expect(() => matchesEventPattern(pattern, event)).toThrow(UnsupportedPatternError);
  });

  it('throws on an unsupported operator even after an earlier field has already failed', () => {
    expect(() =>
      matchesEventPattern({ source: ['aws.ec2'], detail: { Count: [{ numeric: ['>', 0] }] } }, event),
    ).toThrow(UnsupportedPatternError);
  });
});
