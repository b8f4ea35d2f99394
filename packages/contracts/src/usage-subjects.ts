/**
 * NATS subjects of the usage-service's alert, webhook and key-activity features. Kept apart from
 * `Subjects` so the areas can grow without touching the shared list. Request/reply subjects are
 * served by the `usage-service` queue group.
 */
export const UsageSubjects = {
  alerts: {
    list: 'alerts.list',
    ack: 'alerts.ack',
    /** Internal: raise `key_leaked` for keys a secret scanner reported (and fire its webhooks). */
    keyLeaked: 'alerts.key_leaked',
    /** The organization's anomaly thresholds (its overrides of the ANOMALY_* defaults). */
    thresholdsGet: 'alerts.thresholds.get',
    thresholdsSet: 'alerts.thresholds.set',
  },
  webhooks: {
    create: 'webhooks.create',
    list: 'webhooks.list',
    delete: 'webhooks.delete',
    deliveries: 'webhooks.deliveries',
    test: 'webhooks.test',
  },
  /**
   * Core NATS: batches of `{key_id, last_used_at}` (schema `keysUsedEventSchema`) published by the
   * usage-service every few seconds. The key-service subscribes with its queue group and moves
   * `api_keys.last_used_at` forward (never backward). At-most-once: a lost batch is repaired by
   * the next batch that mentions the key.
   */
  keysUsed: 'usage.keys_used',
} as const;
