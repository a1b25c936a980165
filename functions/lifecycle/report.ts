/**
 * The kinds of notification the lifecycle capability sends: `lifecycle.<transition or subject>.<outcome>`. They are
 * SNS message attributes (subscription filter policies match them) and the Chatbot event type, so a kind is part of
 * fleetpilot's interface: add one here before using it, never rename one silently.
 */
import type { Notification, Notifier } from '../../shared/notify/notifier';

export const lifecycleKinds = [
  /** A launch into the warm pool was continued without target-group or DNS changes. */
  'lifecycle.launch.warm-pool',
  /** The instance is healthy, its records are written, the launch action continued. */
  'lifecycle.launch.continued',
  /** The launch action stopped being pending before fleetpilot answered it (the hook's default result applied). */
  'lifecycle.launch.expired',
  /** The instance never became healthy (or the launch failed for good): cleaned up and ABANDON. */
  'lifecycle.launch.abandoned',
  /** An error interrupted a launch; Lambda retries the event. */
  'lifecycle.launch.retrying',
  /** Draining outlasted drainTimeoutSeconds; the terminate action continues anyway. */
  'lifecycle.terminate.drain-timeout',
  /** The instance was taken out of service and the terminate action continued. */
  'lifecycle.terminate.continued',
  /** Taking the instance out of service failed. */
  'lifecycle.terminate.failed',
  /** An error interrupted a terminate; Lambda retries the event. */
  'lifecycle.terminate.retrying',
  /** An event that does not have the shape AWS documents was rejected; nothing changed. */
  'lifecycle.event.invalid',
] as const;

export type LifecycleKind = (typeof lifecycleKinds)[number];
export type LifecycleNotification = Notification<LifecycleKind>;
export type LifecycleNotifier = Notifier<LifecycleKind>;
