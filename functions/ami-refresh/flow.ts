/**
 * The AMI refresh core: each step is driven by the event AWS emits for the previous one, never by sleeping.
 *
 *   bake (schedule or manual request) ─ CreateImage ─▶ "EC2 AMI State Change" available ─▶ version + refresh
 *   ─▶ instance refresh events ─▶ Succeeded: default version, retention / Failed, Cancelled, Rollback*: rejected
 *
 * It takes its clients, clock, notifier and config as arguments; every mutating call goes through Mutations.run.
 * Nothing in an event is believed: the image is read with DescribeImages, the group with DescribeAutoScalingGroups,
 * the refresh with DescribeInstanceRefreshes.
 */
export * from './bake';
export * from './common';
export * from './outcome';
export * from './refresh';
export * from './retention';
