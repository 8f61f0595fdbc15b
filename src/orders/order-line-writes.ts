import type { PoolClient } from 'pg';
import { stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { OrderLineRow } from './order-snapshot.mapper';
import { entriesOfSql, lineListsSql, localDateSql, numberSql, storedDatesAreReal, textSql } from './stored-line-sql';

/** A line version to write, and where its JSON lies in a stored event body (delivery-schedule lines of an event). */
export interface LineWrite {
  orderId: string;
  line: OrderLineRow;
  eventId: string | null;
  /**
   * `webhook_events.body -> payloadKey -> 'lines' -> index` is this line (`payloadKey` empty: the
   * body is the order itself, as a polled order's); the body has `lineCount` lines.
   */
  source?: { eventId: string; payloadKey: string; index: number; lineCount: number };
  /**
   * The line's schedules and delivery history are the rows already stored (`sameDeliveryRows`
   * against the stored version): the line is written, its rows are left as they are.
   */
  rowsStored?: boolean;
}

/** The `order_lines` columns set from a line's mapped values, with their SQL types and values (the `line` jsonb apart). */
const LINE_COLUMNS: ReadonlyArray<readonly [column: string, type: string, value: (write: LineWrite) => unknown]> = [
  ['order_id', 'uuid', (w) => w.orderId],
  ['line_id', 'uuid', (w) => w.line.lineId],
  ['position', 'text', (w) => w.line.position],
  ['original_position', 'text', (w) => w.line.originalPosition],
  ['line_type', 'text', (w) => w.line.lineType],
  ['item_number', 'text', (w) => w.line.itemNumber],
  ['description', 'text', (w) => w.line.description],
  ['process_status', 'text', (w) => w.line.processStatus],
  ['in_progress_status', 'text', (w) => w.line.inProgressStatus],
  ['logistics_status', 'text', (w) => w.line.logisticsStatus],
  ['net_price', 'numeric', (w) => w.line.netPrice],
  ['currency', 'text', (w) => w.line.currency],
  ['price_unit_quantity', 'numeric', (w) => w.line.priceUnitQuantity],
  ['last_updated_at', 'timestamptz', (w) => w.line.lastUpdatedAt],
  ['last_event_id', 'bigint', (w) => w.eventId],
  ['buyer_net_price', 'numeric', (w) => w.line.buyerNetPrice],
  ['confirmed_net_price', 'numeric', (w) => w.line.confirmedNetPrice],
  ['proposed_net_price', 'numeric', (w) => w.line.proposedNetPrice],
  ['gross_price', 'numeric', (w) => w.line.grossPrice],
  ['discount_percentage', 'numeric', (w) => w.line.discountPercentage],
  ['price_unit_of_measure', 'text', (w) => w.line.priceUnitOfMeasure],
  ['purchase_unit_of_measure', 'text', (w) => w.line.purchaseUnitOfMeasure],
  ['supplier_sales_order_number', 'text', (w) => w.line.supplierSalesOrderNumber],
  ['supplier_sales_order_position', 'text', (w) => w.line.supplierSalesOrderPosition],
  ['delivered', 'boolean', (w) => w.line.delivered],
  ['shipped', 'boolean', (w) => w.line.shipped],
  ['completed', 'boolean', (w) => w.line.completed],
  ['cancelled', 'boolean', (w) => w.line.cancelled],
  ['no_delivery_expected', 'boolean', (w) => w.line.noDeliveryExpected],
  ['delivery_overdue', 'boolean', (w) => w.line.deliveryOverdue],
  ['proposal_reason', 'text', (w) => w.line.proposalReason],
  ['open_quantity', 'numeric', (w) => w.line.openQuantity],
];

const COLUMN_NAMES = LINE_COLUMNS.map(([column]) => column);
const COLUMN_DEFINITIONS = LINE_COLUMNS.map(([column, type]) => `${column} ${type}`).join(', ');
const ASSIGNMENTS = [...COLUMN_NAMES.filter((column) => column !== 'order_id' && column !== 'line_id'), 'line']
  .map((column) => `${column} = EXCLUDED.${column}`)
  .join(', ');

function columnValues(write: LineWrite): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, , value] of LINE_COLUMNS) row[column] = value(write);
  return row;
}

/**
 * The events whose stored bodies hold some of the written lines, each with its lines array's
 * slots: slot i carries what to write for `lines[i]` (null: that line is not written from this
 * event: stale, repeated later in the body, or a later event of the batch wrote it).
 */
function bySourceEvent(writes: LineWrite[]): Array<{ eventId: string; payloadKey: string; orderId: string; slots: Array<LineWrite | null> }> {
  const events = new Map<string, { eventId: string; payloadKey: string; orderId: string; slots: Array<LineWrite | null> }>();
  for (const write of writes) {
    const source = write.source!;
    let event = events.get(source.eventId);
    if (!event) events.set(source.eventId, (event = { eventId: source.eventId, payloadKey: source.payloadKey, orderId: write.orderId, slots: new Array(source.lineCount).fill(null) }));
    event.slots[source.index] = write;
  }
  return [...events.values()];
}

/**
 * Upserts the lines and replaces their schedules and delivery history. Lines read from a stored
 * event body (R8: a 5,000-line order is 12 MB of JSON and 60,000 schedule rows) are written from
 * that jsonb inside PostgreSQL: only their mapped column values travel, their JSON, schedules and
 * history are read from `webhook_events.body`. Other lines (fetched orders, single-delivery lines)
 * travel whole. Both give the same rows (`stored-line-sql.ts`).
 */
export async function writeOrderLines(client: PoolClient, database: TradecloudDatabase, writes: LineWrite[]): Promise<void> {
  const mapped = writes.filter((write) => !write.source);
  const sourced = bySourceEvent(writes.filter((write) => write.source));
  const events = database.table('webhook_events');
  // Each source event's lines array is zipped with its slots (ROWS FROM): one pass over the jsonb
  // array, no join of thousands of lines against thousands of slots.
  const sourcedLines = (slotsParam: string, slotColumns: string) => `
    FROM unnest($2::bigint[], $3::text[], $4::uuid[]) WITH ORDINALITY AS s(event_id, payload_key, order_id, ord)
    JOIN ${events} e ON e.id = s.event_id
    CROSS JOIN LATERAL ROWS FROM (${slotsParam}, jsonb_array_elements((CASE s.payload_key WHEN '' THEN e.body ELSE e.body -> s.payload_key END) -> 'lines')) AS z(${slotColumns}, line)`;
  const sourceParams = [sourced.map((event) => event.eventId), sourced.map((event) => event.payloadKey), sourced.map((event) => event.orderId)];

  await client.query(
    `INSERT INTO ${database.table('order_lines')} AS l (${COLUMN_NAMES.join(', ')}, line)
     SELECT ${COLUMN_NAMES.map((column) => `x.${column}`).join(', ')}, x.line
       FROM jsonb_to_recordset($1::jsonb) AS x(${COLUMN_DEFINITIONS}, line jsonb)
     UNION ALL
     SELECT ${COLUMN_NAMES.map((column) => `z.${column}`).join(', ')}, z.line
       ${sourcedLines(`jsonb_to_recordset($5::jsonb -> (s.ord::int - 1)) AS (${COLUMN_DEFINITIONS})`, COLUMN_NAMES.join(', '))}
      WHERE z.line_id IS NOT NULL
     ON CONFLICT (order_id, line_id) DO UPDATE SET ${ASSIGNMENTS}, updated_at = now()
     WHERE l.last_updated_at < EXCLUDED.last_updated_at`,
    [
      stringifyExact(mapped.map((write) => ({ ...columnValues(write), line: write.line.line }))),
      ...sourceParams,
      stringifyExact(sourced.map((event) => event.slots.map((write) => (write ? columnValues(write) : {})))),
    ],
  );

  // Schedules and delivery history are replaced with their lines, unless they are the rows stored
  // already (`rowsStored`): one statement removes the old rows and writes the new ones
  // (data-modifying CTEs; the inserts cannot see the deleted rows, and the keys of old and new rows
  // never need each other: the deletes and inserts touch the same keys only as old and new versions).
  const replaced = writes.filter((write) => !write.rowsStored);
  if (!replaced.length) return;
  const replacedMapped = mapped.filter((write) => !write.rowsStored);
  await client.query(
    `WITH written AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS w(order_id, line_id)),
          old_history AS (
            DELETE FROM ${database.table('delivery_history')} h USING written w
             WHERE h.order_id = w.order_id AND h.line_id = w.line_id),
          old_schedules AS (
            DELETE FROM ${database.table('delivery_lines')} d USING written w
             WHERE d.order_id = w.order_id AND d.line_id = w.line_id)
     SELECT 1`,
    [replaced.map((write) => write.orderId), replaced.map((write) => write.line.lineId)],
  );

  const historyRows = replacedMapped.flatMap(({ orderId, line }) =>
    line.deliveryHistory.map((entry) => ({ order_id: orderId, line_id: line.lineId, seq: entry.seq, position: entry.position, date: entry.date, quantity: entry.quantity })),
  );
  const deliveryRows = replacedMapped.flatMap(({ orderId, line }) =>
    line.deliveryLines.map((entry) => ({
      order_id: orderId,
      line_id: line.lineId,
      schedule: entry.schedule,
      seq: entry.seq,
      position: entry.position,
      date: entry.date,
      quantity: entry.quantity,
      status: entry.status,
      etd: entry.etd,
      eta: entry.eta,
      transport_mode: entry.transportMode,
    })),
  );
  const sourcedReplaced = sourced.some((event) => event.slots.some((write) => write && !write.rowsStored));
  if (!deliveryRows.length && !historyRows.length && !sourcedReplaced) return;
  // The rows are checked against their lines once for the statement (migration ScheduleRowChecks),
  // planned for its rows: no per-row check whose plan a connection cached while `order_lines` was
  // a few pages (a sequential scan per row, seconds per thousand rows of a large order).
  // Dates read from the stored bodies are cast without a pattern match when every one of them is known to be real.
  const checked = sourced.every((event) => event.slots.every((write) => !write || storedDatesAreReal(write.line.line)));
  await client.query(
    `WITH stored AS (
       SELECT s.order_id, z.line_id::uuid AS line_id, list.name AS list, (entry.n - 1)::int AS seq, entry.value AS v
         ${sourcedLines(`jsonb_array_elements_text($5::jsonb -> (s.ord::int - 1))`, 'line_id')}
        CROSS JOIN LATERAL ${lineListsSql('z.line')} AS list(name, entries)
        CROSS JOIN LATERAL ${entriesOfSql('list.entries')} WITH ORDINALITY AS entry(value, n)
        WHERE z.line_id IS NOT NULL),
     history AS (
       INSERT INTO ${database.table('delivery_history')} (order_id, line_id, seq, position, date, quantity)
       SELECT h.order_id, h.line_id, h.seq, h.position, h.date, h.quantity
         FROM jsonb_to_recordset($6::jsonb) AS h(order_id uuid, line_id uuid, seq integer, position text, date date, quantity numeric)
       UNION ALL
       SELECT order_id, line_id, seq, ${textSql('v', 'position')}, ${localDateSql('v', 'date', checked)}, ${numberSql('v', 'quantity')}
         FROM stored WHERE list = 'history')
     INSERT INTO ${database.table('delivery_lines')}
       (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
     SELECT x.order_id, x.line_id, x.schedule, x.seq, x.position, x.date, x.quantity, x.status, x.etd, x.eta, x.transport_mode
       FROM jsonb_to_recordset($1::jsonb) AS x(
            order_id uuid, line_id uuid, schedule text, seq integer, position text, date date, quantity numeric, status text,
            etd date, eta date, transport_mode text)
     UNION ALL
     SELECT order_id, line_id, list, seq, ${textSql('v', 'position')}, ${localDateSql('v', 'date', checked)}, ${numberSql('v', 'quantity')},
            ${textSql('v', 'status')}, ${localDateSql('v', 'etd', checked)}, ${localDateSql('v', 'eta', checked)}, ${textSql('v', 'transportMode')}
       FROM stored WHERE list <> 'history'`,
    [
      stringifyExact(deliveryRows),
      ...sourceParams,
      JSON.stringify(sourced.map((event) => event.slots.map((write) => (write && !write.rowsStored ? write.line.lineId : null)))),
      stringifyExact(historyRows),
    ],
  );
}
