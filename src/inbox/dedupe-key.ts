import { createHash } from 'node:crypto';

/**
 * The inbox's idempotency key (`webhook_events.dedupe_key`) of a valid webhook event: its
 * `meta.messageId`, else the SHA-256 of the body exactly as received (its UTF-8 bytes, given as
 * text or as those bytes), per route. A Tradecloud
 * redelivery carries the same message id (or the same bytes), so it maps onto the stored event.
 * Shared by the intake and the CLI's replay of rejected requests, which must agree on it.
 */
export function webhookDedupeKey(endpoint: string, messageId: string | null, rawText: string | Buffer): string {
  return messageId ? `${endpoint}:message:${messageId}` : `${endpoint}:sha256:${createHash('sha256').update(rawText).digest('hex')}`;
}
