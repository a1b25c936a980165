export { type AccountSnapshot, createSimAccount, SimAccount, type StackSpec } from './account';
export { type AppBehaviour, AppControls, apps } from './apps';
export type { AutoScalingGroupSpec, HookResultRecord, LifecycleHookSpec } from './autoscaling';
export { createVirtualClock, type VirtualClock, type VirtualClockOptions } from './clock';
export type { ServiceName } from './context';
export type { SubnetSpec } from './ec2';
export type { HealthCheckSpec, TargetGroupSpec } from './elbv2';
export { SimConfigError, SimUnsupportedOperationError, SimulatedCrashError } from './errors';
export {
  type AwsEventParts,
  awsEvent,
  type EventDeliveryFaults,
  type EventEnvelope,
  instanceIdOf,
  type LifecycleActionDetail,
  type ScalingActivityDetail,
  type SimEvent,
} from './events';
export type { Faults } from './faults';
export { attachSim } from './plug';
export { createRandom, SeededRandom } from './random';
export type { ZoneSpec } from './route53';
export type { PublishedMessage } from './sns';
export type { QueuedMessage, QueueSpec } from './sqs';
