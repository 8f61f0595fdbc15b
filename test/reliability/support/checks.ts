import type { Pool } from 'pg';
import type { StreamEvent } from './event-stream';
import { waitUntil } from './delivery';

const q = (schema: string) => `"${schema}"`;

/**
 * Every row of every data table as text, without what legitimately differs between two runs of
 * the same events: when a row was written, by which event id, generated ids, and the moment a
 * shipment line was marked removed (whether it is removed is kept).
 */
export async function dataState(sql: Pool, schema: string): Promise<Record<string, string[]>> {
  const s = q(schema);
  const dump = async (query: string) => (await sql.query<{ r: string }>(query)).rows.map((row) => row.r);
  const volatile = `- 'created_at' - 'updated_at' - 'last_event_id'`;
  return {
    orders: await dump(`SELECT (to_jsonb(t) ${volatile})::text AS r FROM ${s}.orders t ORDER BY order_id`),
    order_lines: await dump(`SELECT (to_jsonb(t) ${volatile})::text AS r FROM ${s}.order_lines t ORDER BY order_id, line_id`),
    delivery_lines: await dump(`SELECT to_jsonb(t)::text AS r FROM ${s}.delivery_lines t ORDER BY order_id, line_id, schedule, seq`),
    documents: await dump(
      `SELECT (to_jsonb(t) - 'id' - 'created_at' - 'first_event_id')::text AS r FROM ${s}.documents t
        ORDER BY coalesce(order_id::text, ''), coalesce(shipment_id, ''), coalesce(line_id::text, line_position, ''), side, document_key`,
    ),
    shipments: await dump(`SELECT (to_jsonb(t) ${volatile})::text AS r FROM ${s}.shipments t ORDER BY shipment_id`),
    shipment_lines: await dump(
      `SELECT (to_jsonb(t) ${volatile} - 'removed_at' || jsonb_build_object('removed', t.removed_at IS NOT NULL))::text AS r
         FROM ${s}.shipment_lines t ORDER BY shipment_id, despatch_advice_number, despatch_advice_line_position`,
    ),
  };
}

/** Row counts of every table a webhook can write to. */
export async function rowCounts(sql: Pool, schema: string): Promise<Record<string, number>> {
  const tables = ['webhook_events', 'orders', 'order_lines', 'delivery_lines', 'documents', 'shipments', 'shipment_lines', 'changes'];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = (await sql.query(`SELECT count(*)::int AS n FROM ${q(schema)}.${table}`)).rows[0].n;
  return counts;
}

/** Waits until no stored event is `pending` or `failed` any more. */
export function waitForQuiet(sql: Pool, schema: string, timeoutMs: number): Promise<number> {
  return waitUntil('every event to be processed', timeoutMs, async () => {
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${q(schema)}.webhook_events WHERE status IN ('pending', 'failed')`);
    return rows[0].n === 0 ? 0 : undefined;
  }, 250);
}

export interface ExactlyOnce {
  /** Distinct messages sent. */
  messages: number;
  /** Messages with exactly one stored event that ended `processed` or `stale`. */
  processed: number;
  /** Messages stored once whose event is still `pending`/`failed`. */
  waiting: number;
  /** Messages neither processed nor waiting: missing, stored twice, dead or rejected. */
  lost: number;
  /** Messages stored more than once. */
  storedTwice: number;
  /** Entities with more than one `created` change row (shipment lines: more than they have rows). */
  createdTwice: number;
  /** One version of one entity recorded in `changes` by more than one event (or twice by one). */
  versionsAppliedTwice: number;
  appliedTwice: number;
  statuses: Record<string, number>;
  examples: string[];
}

/**
 * Whether every message was stored once and applied once. The `changes` log is the witness of
 * every application: a version of an order, an order line, a shipment or a document appears
 * there at most once; shipment line rows do not name their line, so for them a version is
 * (shipment, lastUpdatedAt, diff) and may only come from one event.
 */
export async function exactlyOnce(sql: Pool, schema: string, messageIds: Iterable<string>): Promise<ExactlyOnce> {
  const s = q(schema);
  const sent = [...new Set(messageIds)];
  const stored = await sql.query<{ message_id: string; n: number; done: number; waiting: number }>(
    `SELECT message_id, count(*)::int AS n, count(*) FILTER (WHERE status IN ('processed', 'stale'))::int AS done,
            count(*) FILTER (WHERE status IN ('pending', 'failed'))::int AS waiting
       FROM ${s}.webhook_events WHERE message_id = ANY($1::text[]) AND status <> 'rejected' GROUP BY message_id`,
    [sent],
  );
  const byMessage = new Map(stored.rows.map((row) => [row.message_id, row]));
  const examples: string[] = [];
  let processed = 0;
  let waiting = 0;
  let storedTwice = 0;
  for (const id of sent) {
    const row = byMessage.get(id);
    if (row && row.n === 1 && row.done === 1) processed++;
    else if (row && row.n === 1 && row.waiting === 1) waiting++;
    else if (examples.length < 5) examples.push(`message ${id}: ${row ? `${row.n} stored, ${row.done} done` : 'not stored'}`);
    if (row && row.n > 1) storedTwice++;
  }
  const statuses = Object.fromEntries(
    (await sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM ${s}.webhook_events GROUP BY status ORDER BY status`)).rows.map(
      (row) => [row.status, row.n],
    ),
  );
  const created = await sql.query<{ k: string; n: number }>(
    `SELECT concat_ws('/', entity, order_id, line_id, shipment_id, document_id) AS k, count(*)::int AS n FROM ${s}.changes
      WHERE change_type = 'created' AND entity <> 'shipment_line' GROUP BY 1 HAVING count(*) > 1
     UNION ALL
     SELECT 'shipment_line/' || c.shipment_id, (count(*) - (SELECT count(*) FROM ${s}.shipment_lines l WHERE l.shipment_id = c.shipment_id))::int
       FROM ${s}.changes c WHERE change_type = 'created' AND entity = 'shipment_line' GROUP BY c.shipment_id
     HAVING count(*) > (SELECT count(*) FROM ${s}.shipment_lines l WHERE l.shipment_id = c.shipment_id)`,
  );
  const versions = await sql.query<{ k: string; n: number }>(
    `SELECT concat_ws('/', entity, order_id, line_id, shipment_id, document_id, last_updated_at) AS k, count(*)::int AS n FROM ${s}.changes
      WHERE entity <> 'shipment_line' GROUP BY 1 HAVING count(*) > 1
     UNION ALL
     SELECT concat_ws('/', 'shipment_line', shipment_id, last_updated_at, change_type, diff::text), count(DISTINCT event_id)::int FROM ${s}.changes
      WHERE entity = 'shipment_line' GROUP BY shipment_id, last_updated_at, change_type, diff::text HAVING count(DISTINCT event_id) > 1`,
  );
  for (const row of [...created.rows, ...versions.rows].slice(0, 5)) examples.push(`applied twice: ${row.k} (${row.n})`);
  const createdTwice = created.rows.length;
  const versionsAppliedTwice = versions.rows.length;
  return {
    messages: sent.length,
    processed,
    waiting,
    lost: sent.length - processed - waiting,
    storedTwice,
    createdTwice,
    versionsAppliedTwice,
    appliedTwice: storedTwice + createdTwice + versionsAppliedTwice,
    statuses,
    examples,
  };
}

/**
 * Entities whose stored version is not the newest one the stream carried: every order, order
 * line, shipment and live shipment line must hold the greatest `lastUpdatedAt` that was sent.
 */
export async function staleEntities(sql: Pool, schema: string, stream: StreamEvent[]): Promise<string[]> {
  const s = q(schema);
  const newest = new Map<string, string>();
  const keep = (key: string, at: string) => {
    if (!newest.has(key) || Date.parse(newest.get(key)!) < Date.parse(at)) newest.set(key, at);
  };
  for (const event of stream) {
    if (event.kind === 'order-documents') continue;
    keep(`${event.kind}:${event.entityId}`, event.at);
    for (const line of event.lines) keep(`${event.kind}-line:${event.entityId}:${line.key}`, line.at);
  }
  const stored = new Map<string, number>();
  const load = async (query: string) => {
    for (const row of (await sql.query<{ k: string; at: Date }>(query)).rows) stored.set(row.k, row.at.getTime());
  };
  await load(`SELECT 'order:' || order_id AS k, last_updated_at AS at FROM ${s}.orders`);
  await load(`SELECT 'order-line:' || order_id || ':' || line_id AS k, last_updated_at AS at FROM ${s}.order_lines`);
  await load(`SELECT 'shipment:' || shipment_id AS k, last_updated_at AS at FROM ${s}.shipments`);
  await load(
    `SELECT 'shipment-line:' || shipment_id || ':' || despatch_advice_number || '/' || despatch_advice_line_position AS k, last_updated_at AS at
       FROM ${s}.shipment_lines`,
  );
  const wrong: string[] = [];
  for (const [key, at] of newest) if (stored.get(key) !== Date.parse(at)) wrong.push(`${key}: stored ${stored.has(key) ? new Date(stored.get(key)!).toISOString() : 'nothing'}, newest sent ${at}`);
  return wrong;
}
