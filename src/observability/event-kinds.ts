/**
 * The `endpoint` values of `webhook_events`: the route an event arrived on (GET webhooks have their
 * own), or `orders-poll`/`shipments-poll` for entities fetched by reconciliation (polling API).
 */
export const WEBHOOK_EVENT_KINDS = ['orders', 'order-documents', 'shipments', 'orders-get', 'shipments-get', 'orders-poll', 'shipments-poll'] as const;

/** Every `webhook_events.status`. */
export const WEBHOOK_EVENT_STATUSES = ['pending', 'processed', 'stale', 'failed', 'dead', 'rejected'] as const;
