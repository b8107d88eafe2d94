/**
 * The metrics the functions emit (CloudWatch embedded metric format, through Powertools), in
 * one place: the handlers count them, `infra/alarms.ts` alarms on them. Pure data.
 */
export const METRICS = {
  namespace: "Filegate",
  /** The `service` dimension every metric carries. */
  service: "filegate",
  names: {
    /** One per S3 event record, by what applying it did. */
    applied: "EventsApplied",
    duplicate: "EventsDuplicate",
    stale: "EventsStale",
    skipped: "EventsSkipped",
    failed: "EventsFailed",
    /** A record that failed its last delivery: the queue moves it to the dead-letter queue. */
    deadLettered: "EventsDeadLettered",
    /** Reconciler: files found wrong, and files repaired. */
    reconcileFound: "ReconcileFound",
    reconcileRepaired: "ReconcileRepaired",
    reconcileSkipped: "ReconcileSkipped",
    /** 1 when a reconciler run stopped at its deadline before comparing every tenant. */
    reconcileIncomplete: "ReconcileIncomplete",
    /** Webhooks: messages queued by the subscriber, kept in the outbox when the queue refused them. */
    webhooksQueued: "WebhooksQueued",
    webhooksOutboxed: "WebhooksOutboxed",
    /** One per delivery attempt, by what it came to. */
    webhookDelivered: "WebhookDelivered",
    webhookFailed: "WebhookFailed",
    webhookDeadLettered: "WebhookDeadLettered",
  },
} as const;
