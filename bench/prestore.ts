import type { Pool } from 'pg';

export interface PreStoredEvent {
  endpoint: 'orders' | 'shipments';
  payloadKind: 'orderEvent' | 'shipment';
  eventName: string;
  entityId: string;
  messageId: string;
  body: string;
}

/** Events made on demand (20,000 bodies of 20 KB need not sit in memory at once). */
export interface EventSource {
  count: number;
  at(index: number): PreStoredEvent;
}

/**
 * Pre-stored events for the drain scenarios: stored as the intake would (same columns, dedupe key,
 * jsonb body) but not ready (`available_at` = infinity) by {@link storeEvents}, then all made
 * ready in one statement by {@link enqueueJobs}, so the receiver's idle workers find a full inbox
 * all at once. The workers claim in id order: the inbox is worked in the given order, as if
 * received so.
 */
/** Inserts the events (nothing processes them yet: none is ready); returns their ids in order. */
export async function storeEvents(pool: Pool, schema: string, events: EventSource, isAborted: () => boolean): Promise<string[]> {
  const table = `"${schema}".webhook_events`;
  const ids: string[] = new Array(events.count);
  const batch = 200;
  const batches: number[] = [];
  for (let start = 0; start < events.count; start += batch) batches.push(start);
  // Three connections insert in parallel: storing 20,000 bodies should not dominate the run.
  const insertBatches = async () => {
    for (let start = batches.shift(); start !== undefined && !isAborted(); start = batches.shift()) {
      const slice = Array.from({ length: Math.min(batch, events.count - start) }, (_, index) => events.at(start + index));
      const values: unknown[] = [];
      const rows = slice.map((event, index) => {
        values.push(event.endpoint, event.payloadKind, event.eventName, event.entityId, event.messageId, `${event.endpoint}:message:${event.messageId}`, event.body);
        const p = index * 7;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::jsonb)`;
      });
      const result = await pool.query<{ id: string; message_id: string }>(
        `INSERT INTO ${table} (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body, available_at)
         SELECT v.*, 'infinity'::timestamptz FROM (VALUES ${rows.join(', ')}) AS v RETURNING id, message_id`,
        values,
      );
      const byMessage = new Map(result.rows.map((row) => [row.message_id, String(row.id)]));
      slice.forEach((event, index) => (ids[start + index] = byMessage.get(event.messageId)!));
    }
  };
  await Promise.all([insertBatches(), insertBatches(), insertBatches()]);
  return ids;
}

/** Makes the stored events ready, in one statement: the workers see them all at once. */
export async function enqueueJobs(pool: Pool, schema: string, ids: string[]): Promise<void> {
  await pool.query(`UPDATE "${schema}".webhook_events SET available_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
}
