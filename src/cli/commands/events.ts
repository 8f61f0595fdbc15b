import { stringify } from 'lossless-json';
import { parseExact } from '../../changes/lossless-json';
import { WEBHOOK_EVENT_KINDS, WEBHOOK_EVENT_STATUSES } from '../../observability/event-kinds';
import { CliDatabase } from '../cli-database';
import { CliError, CliIo, formatTable, formatTime, parseCount, parseEventIds, parseTimeOption, printJson, usageError } from '../cli-output';

export interface EventFilters {
  status?: string;
  kind?: string;
  eventName?: string;
  /** Order id or purchase order number. */
  order?: string;
  /** Shipment id or shipment number. */
  shipment?: string;
  since?: string;
  until?: string;
  limit?: string;
}

export interface EventSummary {
  id: string;
  receivedAt: string;
  kind: string;
  eventName: string | null;
  entityId: string | null;
  purchaseOrderNumber: string | null;
  status: string;
  attempts: number;
  processedAt: string | null;
  error: string | null;
}

const UUID = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;
/** The purchase order number as the body carries it, for events whose order was never stored (rejected, pending, dead). */
const BODY_PO = `coalesce(e.body #>> '{orderEvent,buyerOrder,purchaseOrderNumber}', e.body #>> '{singleDeliveryOrderEvent,buyerOrder,purchaseOrderNumber}',
  e.body #>> '{simpleOrderEvent,buyerOrder,purchaseOrderNumber}',
  e.body #>> '{orderDocumentsEvent,buyerOrder,purchaseOrderNumber}')`;

function listOf(name: string, value: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const values = value.split(',').map((item) => item.trim()).filter(Boolean);
  const wrong = values.filter((item) => !allowed.includes(item));
  if (wrong.length || !values.length) throw usageError(`--${name} must be one or more of ${allowed.join(', ')} (comma-separated), got "${value}"`);
  return values;
}

/** The WHERE clause of `events list` (also used by `replay --status`). */
export function eventConditions(db: CliDatabase, filters: EventFilters): { where: string; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(sql(`$${values.length}`));
  };
  const statuses = listOf('status', filters.status, WEBHOOK_EVENT_STATUSES);
  if (statuses) add((n) => `e.status = ANY(${n}::text[])`, statuses);
  const kinds = listOf('kind', filters.kind, WEBHOOK_EVENT_KINDS);
  if (kinds) add((n) => `e.endpoint = ANY(${n}::text[])`, kinds);
  if (filters.eventName) add((n) => `e.event_name = ${n}`, filters.eventName);
  if (filters.order) {
    // The order's own events, by id or PO number (stored order, else the body), and the shipments that carry its lines.
    add(
      (n) => `(e.entity_id = ${n}
        OR e.entity_id IN (SELECT order_id::text FROM ${db.table('orders')} WHERE purchase_order_number = ${n})
        OR ${BODY_PO} = ${n}
        OR (e.endpoint LIKE 'shipments%' AND e.entity_id IN (SELECT shipment_id FROM ${db.table('shipment_lines')}
              WHERE purchase_order_number = ${n} OR order_id::text = ${n})))`,
      filters.order,
    );
  }
  if (filters.shipment) {
    add(
      (n) => `(e.endpoint LIKE 'shipments%' AND (e.entity_id = ${n}
        OR e.entity_id IN (SELECT shipment_id FROM ${db.table('shipments')} WHERE shipment_number = ${n})))`,
      filters.shipment,
    );
  }
  const since = parseTimeOption('since', filters.since);
  if (since) add((n) => `e.received_at >= ${n}`, since);
  const until = parseTimeOption('until', filters.until);
  if (until) add((n) => `e.received_at < ${n}`, until);
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', values };
}

export async function listEvents(db: CliDatabase, filters: EventFilters): Promise<EventSummary[]> {
  const { where, values } = eventConditions(db, filters);
  const limit = parseCount('limit', filters.limit, 50, 100_000);
  const rows = await db.query<{
    id: string;
    received_at: Date;
    endpoint: string;
    event_name: string | null;
    entity_id: string | null;
    po: string | null;
    status: string;
    attempts: number;
    processed_at: Date | null;
    last_error: string | null;
  }>(
    `SELECT e.id::text, e.received_at, e.endpoint, e.event_name, e.entity_id, coalesce(o.purchase_order_number, ${BODY_PO}) AS po,
            e.status, e.attempts, e.processed_at, e.last_error
       FROM ${db.table('webhook_events')} e
       LEFT JOIN LATERAL (SELECT purchase_order_number FROM ${db.table('orders')}
                           WHERE order_id = CASE WHEN e.entity_id ~ ${UUID} THEN e.entity_id::uuid END) o ON true
       ${where}
      ORDER BY e.received_at DESC, e.id DESC
      LIMIT ${limit}`,
    values,
  );
  return rows.map((row) => ({
    id: row.id,
    receivedAt: row.received_at.toISOString(),
    kind: row.endpoint,
    eventName: row.event_name,
    entityId: row.entity_id,
    purchaseOrderNumber: row.po,
    status: row.status,
    attempts: row.attempts,
    processedAt: row.processed_at?.toISOString() ?? null,
    error: row.last_error,
  }));
}

/** `tradecloud events list [filters]`, newest first. */
export async function eventsListCommand(db: CliDatabase, io: CliIo, filters: EventFilters & { json: boolean }): Promise<number> {
  const events = await listEvents(db, filters);
  if (filters.json) {
    printJson(io, events);
    return 0;
  }
  if (!events.length) {
    io.out('No events match.');
    return 0;
  }
  io.out(
    formatTable(
      ['ID', 'RECEIVED (UTC)', 'KIND', 'EVENT NAME', 'ORDER/SHIPMENT', 'PO', 'STATUS', 'ATTEMPTS', 'ERROR'],
      events.map((event) => [event.id, formatTime(event.receivedAt), event.kind, event.eventName, event.entityId, event.purchaseOrderNumber, event.status, event.attempts, event.error?.split('\n')[0]]),
    ),
  );
  io.out(`${events.length} event(s), newest first${events.length === parseCount('limit', filters.limit, 50, 100_000) ? ' (--limit reached)' : ''}`);
  return 0;
}

/** `tradecloud events show <id>`: everything stored about one event, with the changes it applied. */
export async function eventsShowCommand(db: CliDatabase, io: CliIo, ids: string[], options: { json: boolean }): Promise<number> {
  if (ids.length !== 1) throw usageError('events show takes one event id');
  const [id] = parseEventIds(ids);
  const [row] = await db.query<Record<string, unknown> & { body_text: string | null; raw_body: string | null }>(
    `SELECT e.id::text, e.received_at, e.endpoint AS kind, e.payload_kind, e.event_name, e.entity_id, e.message_id, e.status, e.attempts,
            e.last_error, e.processed_at, e.outcome, e.body::text AS body_text, e.raw_body, e.body_pruned_at, o.purchase_order_number
       FROM ${db.table('webhook_events')} e
       LEFT JOIN ${db.table('orders')} o ON o.order_id = CASE WHEN e.entity_id ~ ${UUID} THEN e.entity_id::uuid END
      WHERE e.id = $1`,
    [id],
  );
  if (!row) throw new CliError(`No event ${id}`);
  const changes = await db.query<{ entity: string; change_type: string; order_id: string | null; line_id: string | null; shipment_id: string | null; recorded_at: Date }>(
    `SELECT entity, change_type, order_id, line_id, shipment_id, recorded_at FROM ${db.table('changes')} WHERE event_id = $1 ORDER BY id`,
    [id],
  );
  const event = {
    id: row.id,
    receivedAt: (row.received_at as Date).toISOString(),
    kind: row.kind,
    payloadKind: row.payload_kind,
    eventName: row.event_name,
    entityId: row.entity_id,
    purchaseOrderNumber: row.purchase_order_number ?? null,
    messageId: row.message_id,
    status: row.status,
    attempts: row.attempts,
    processedAt: (row.processed_at as Date | null)?.toISOString() ?? null,
    error: row.last_error,
    outcome: row.outcome,
    changes: changes.map((change) => ({ ...change, recorded_at: change.recorded_at.toISOString() })),
    // Parsed with exact numbers: a price with many decimals prints as it was received.
    body: row.body_text !== null ? parseExact(row.body_text) : row.raw_body,
    /** Set when retention removed the body (the row, its idempotency key and outcome stay). */
    bodyPrunedAt: (row.body_pruned_at as Date | null)?.toISOString() ?? null,
  };
  if (options.json) {
    io.out(stringify(event, undefined, 2) ?? 'null');
    return 0;
  }
  const fields: Array<[string, unknown]> = [
    ['Event', event.id],
    ['Received', `${formatTime(event.receivedAt)} UTC`],
    ['Kind', event.kind],
    ['Payload', event.payloadKind],
    ['Event name', event.eventName],
    ['Order/shipment', event.entityId],
    ['Purchase order', event.purchaseOrderNumber],
    ['Message id', event.messageId],
    ['Status', `${event.status} after ${event.attempts} attempt(s)`],
    ['Processed', event.processedAt ? `${formatTime(event.processedAt)} UTC` : null],
    ['Error', event.error],
  ];
  for (const [label, value] of fields) io.out(`${`${label}:`.padEnd(16)}${value ?? '-'}`);
  if (event.outcome) io.out(`\nOutcome:\n${JSON.stringify(event.outcome, null, 2)}`);
  io.out(`\nChanges applied: ${changes.length}`);
  if (changes.length) io.out(formatTable(['ENTITY', 'CHANGE', 'ORDER', 'LINE', 'SHIPMENT'], changes.map((c) => [c.entity, c.change_type, c.order_id, c.line_id, c.shipment_id])));
  if (event.bodyPrunedAt) io.out(`\nBody: removed by retention at ${formatTime(event.bodyPrunedAt)} UTC (EVENTS_BODY_RETENTION / EVENTS_FAILED_RETENTION)`);
  else io.out(`\nBody:\n${typeof event.body === 'string' ? event.body : stringify(event.body, undefined, 2)}`);
  return 0;
}
