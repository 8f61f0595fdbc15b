import type { Pool } from 'pg';

/** The receiver's processing queue (src/inbox/event-processor.service.ts). */
export const PROCESS_EVENT_QUEUE = 'tradecloud-process-event';

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

let loadCounter = 0;

/**
 * Pre-stored events for the drain scenarios: stored exactly as the intake would (same columns,
 * dedupe key, jsonb body) by {@link storeEvents}, then their processing jobs enqueued in one
 * statement by {@link enqueueJobs}, so the receiver's idle workers find a full queue all at once.
 * Jobs get ids that sort in the events' order, and pg-boss fetches by (priority, created_on, id):
 * the queue is worked in the given order, as if received so.
 */
/** Inserts the events (nothing processes them yet: no job refers to them); returns their ids in order. */
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
        `INSERT INTO ${table} (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body)
         VALUES ${rows.join(', ')} RETURNING id, message_id`,
        values,
      );
      const byMessage = new Map(result.rows.map((row) => [row.message_id, String(row.id)]));
      slice.forEach((event, index) => (ids[start + index] = byMessage.get(event.messageId)!));
    }
  };
  await Promise.all([insertBatches(), insertBatches(), insertBatches()]);
  return ids;
}

/** One processing job per event id, in one statement: the workers see them all at once. */
export async function enqueueJobs(pool: Pool, schema: string, ids: string[]): Promise<void> {
  const load = (++loadCounter + (Date.now() % 100_000) * 100) >>> 0;
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  const jobs = ids.map((eventId, index) => ({ id: `${hex(load, 8)}-0000-4000-8000-${hex(index, 12)}`, event_id: eventId }));
  await pool.query(
    `INSERT INTO "${schema}_queue".job (id, name, data, retry_limit, retry_delay, retry_backoff, expire_in, keep_until, policy)
     SELECT x.id, q.name, jsonb_build_object('eventId', x.event_id), coalesce(q.retry_limit, 2),
            CASE WHEN q.retry_backoff THEN greatest(coalesce(q.retry_delay, 0), 1) ELSE coalesce(q.retry_delay, 0) END,
            coalesce(q.retry_backoff, false), coalesce(q.expire_seconds * interval '1 second', interval '15 minutes'),
            now() + coalesce(q.retention_minutes * interval '1 minute', interval '14 days'), q.policy
       FROM json_to_recordset($1::json) AS x(id uuid, event_id text)
       JOIN "${schema}_queue".queue q ON q.name = $2`,
    [JSON.stringify(jobs), PROCESS_EVENT_QUEUE],
  );
}
