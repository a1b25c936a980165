import type { Notification, Notifier } from '../../shared/notify/notifier';

export interface RecordingNotifier extends Notifier {
  sent: Notification[];
}

/** Keeps every notification in memory, for assertions. */
export function recordingNotifier(): RecordingNotifier {
  const sent: Notification[] = [];
  return {
    sent,
    async notify(n) {
      sent.push(n);
    },
  };
}
