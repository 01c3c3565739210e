import type { DeliveryResult, Notification, Notifier } from '../../shared/core/notify/notification.js';

/** A notifier that records every message and reports a successful delivery to channel `test`. */
export function recordingNotifier(): Notifier & { sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    async notify(message): Promise<DeliveryResult[]> {
      sent.push(message);
      return [{ channel: 'test', ok: true, attempts: 1 }];
    },
  };
}
