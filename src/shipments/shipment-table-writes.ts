import type { PoolClient } from 'pg';
import { stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { ShipmentHeaderRow, ShipmentLineRow } from './shipment-snapshot.mapper';

/**
 * The set-based statements of {@link ShipmentWriteSession}: each writes the rows of every shipment
 * of a flush at once, with the `lastUpdatedAt` guard in SQL as a last line of defence (the session
 * resolved the versions under the shipment locks already).
 */

/** A stored event whose body holds the shipment written: `webhook_events.body -> payloadKey`. */
export interface ShipmentSource {
  eventId: string;
  payloadKey: string;
}

export interface ShipmentHeaderWrite {
  header: ShipmentHeaderRow;
  eventId: string | null;
  /** The shipment's JSON is read from this stored body instead of being sent. */
  source?: ShipmentSource;
}

export interface ShipmentLineWrite {
  shipmentId: string;
  line: ShipmentLineRow;
  /** The line's JSON is `body -> payloadKey #> path` of this stored event instead of being sent. */
  source?: ShipmentSource & { path: string[] };
}

export interface ShipmentLineRemoval {
  shipmentId: string;
  /** `despatch_advice_number || chr(31) || despatch_advice_line_position`. */
  key: string;
  eventId: string | null;
}

/** Upserts shipment headers (newest version per shipment); a header with a `source` reads its JSON from that stored body. */
export async function writeShipmentHeaders(client: PoolClient, database: TradecloudDatabase, writes: ShipmentHeaderWrite[]): Promise<void> {
  const rows = writes.map(({ header, eventId, source }) => ({
    shipment_id: header.shipmentId,
    shipment_number: header.shipmentNumber,
    supplier_company_id: header.supplierCompanyId,
    buyer_company_id: header.buyerCompanyId,
    process_status: header.processStatus,
    process_status_reason: header.processStatusReason,
    transport_mode: header.transportMode,
    last_updated_at: header.lastUpdatedAt,
    ...(source ? { source_event_id: source.eventId, payload_key: source.payloadKey } : { shipment: header.shipment }),
    last_event_id: eventId,
    etd: header.etd,
    atd: header.atd,
    eta_start: header.etaStart,
    eta_end: header.etaEnd,
    ata: header.ata,
    departure_location_id: header.departureLocationId,
    destination_location_id: header.destinationLocationId,
    bill_of_lading_number: header.billOfLadingNumber,
    tracking_number: header.trackingNumber,
    carrier_shipment_number: header.carrierShipmentNumber,
    invoice_numbers: header.invoiceNumbers,
  }));
  await client.query(
    `INSERT INTO ${database.table('shipments')} AS s
       (shipment_id, shipment_number, supplier_company_id, buyer_company_id, process_status, process_status_reason,
        transport_mode, last_updated_at, shipment, last_event_id, etd, atd, eta_start, eta_end, ata,
        departure_location_id, destination_location_id, bill_of_lading_number, tracking_number,
        carrier_shipment_number, invoice_numbers)
     SELECT x.shipment_id, x.shipment_number, x.supplier_company_id, x.buyer_company_id, x.process_status, x.process_status_reason,
            x.transport_mode, x.last_updated_at, CASE WHEN x.source_event_id IS NULL THEN x.shipment
            ELSE (SELECT e.body -> x.payload_key FROM ${database.table('webhook_events')} e WHERE e.id = x.source_event_id) END,
            x.last_event_id, x.etd, x.atd, x.eta_start, x.eta_end, x.ata,
            x.departure_location_id, x.destination_location_id, x.bill_of_lading_number, x.tracking_number,
            x.carrier_shipment_number, x.invoice_numbers
       FROM jsonb_to_recordset($1::jsonb) AS x(
            shipment_id text, shipment_number text, supplier_company_id uuid, buyer_company_id uuid, process_status text,
            process_status_reason text, transport_mode text, last_updated_at timestamptz, shipment jsonb, source_event_id bigint,
            payload_key text, last_event_id bigint, etd date, atd date, eta_start date, eta_end date, ata date, departure_location_id text,
            destination_location_id text, bill_of_lading_number text, tracking_number text, carrier_shipment_number text,
            invoice_numbers text[])
     ON CONFLICT (shipment_id) DO UPDATE SET
       shipment_number = EXCLUDED.shipment_number, supplier_company_id = EXCLUDED.supplier_company_id,
       buyer_company_id = EXCLUDED.buyer_company_id, process_status = EXCLUDED.process_status,
       process_status_reason = EXCLUDED.process_status_reason, transport_mode = EXCLUDED.transport_mode,
       last_updated_at = EXCLUDED.last_updated_at, shipment = EXCLUDED.shipment,
       last_event_id = EXCLUDED.last_event_id, etd = EXCLUDED.etd, atd = EXCLUDED.atd,
       eta_start = EXCLUDED.eta_start, eta_end = EXCLUDED.eta_end, ata = EXCLUDED.ata,
       departure_location_id = EXCLUDED.departure_location_id, destination_location_id = EXCLUDED.destination_location_id,
       bill_of_lading_number = EXCLUDED.bill_of_lading_number, tracking_number = EXCLUDED.tracking_number,
       carrier_shipment_number = EXCLUDED.carrier_shipment_number, invoice_numbers = EXCLUDED.invoice_numbers,
       updated_at = now()
     WHERE s.last_updated_at < EXCLUDED.last_updated_at`,
    [stringifyExact(rows)],
  );
}

/** The `shipment_lines` columns set from a line's mapped values, with their SQL types (the `line` jsonb apart). */
const LINE_COLUMNS: ReadonlyArray<readonly [column: string, type: string, value: (write: ShipmentLineWrite & { eventId: string | null }) => unknown]> = [
  ['shipment_id', 'text', (w) => w.shipmentId],
  ['despatch_advice_number', 'text', (w) => w.line.despatchAdviceNumber],
  ['despatch_advice_line_position', 'text', (w) => w.line.despatchAdviceLinePosition],
  ['purchase_order_number', 'text', (w) => w.line.purchaseOrderNumber],
  ['purchase_order_line_position', 'text', (w) => w.line.purchaseOrderLinePosition],
  ['delivery_schedule_position', 'text', (w) => w.line.deliverySchedulePosition],
  ['item_number', 'text', (w) => w.line.itemNumber],
  ['despatch_quantity', 'numeric', (w) => w.line.despatchQuantity],
  ['backorder_quantity', 'numeric', (w) => w.line.backorderQuantity],
  ['container_number', 'text', (w) => w.line.containerNumber],
  ['package_sscc', 'text', (w) => w.line.packageSscc],
  ['container_size_and_type', 'text', (w) => w.line.containerSizeAndType],
  ['package_type', 'text', (w) => w.line.packageType],
  ['last_updated_at', 'timestamptz', (w) => w.line.lastUpdatedAt],
  ['last_event_id', 'bigint', (w) => w.eventId],
];
const LINE_COLUMN_NAMES = LINE_COLUMNS.map(([column]) => column);
/** Every written row also says what its `removed_at` becomes (see {@link writeShipmentLines}). */
const LINE_RECORD = `${LINE_COLUMNS.map(([column, type]) => `${column} ${type}`).join(', ')}, removed_at text`;

/**
 * Upserts shipment lines with their `removed_at`: `null` (listed by the newest version), `now`
 * (removed, or history of an older version written as a new row) or `stored` (left as it is: an
 * older version's line that is stored already). `stored` passes through the insert as
 * `-infinity`, which only the conflict branch sees (a `stored` line always exists: the session
 * read it). A line that moved to another purchase order line loses its link until the flush links
 * it again.
 *
 * Lines of a stored shipment event (`source`) are read from its body inside PostgreSQL: only their
 * column values travel. Each event's body is read once: the statement is driven by the events
 * (each with the values of its lines), the line's JSON taken from that event's shipment by its path.
 */
export async function writeShipmentLines(
  client: PoolClient,
  database: TradecloudDatabase,
  writes: Array<ShipmentLineWrite & { removedAt: 'stored' | 'null' | 'now'; eventId: string | null }>,
): Promise<void> {
  const columnValues = (write: (typeof writes)[number]) => {
    const row: Record<string, unknown> = { removed_at: write.removedAt };
    for (const [column, , value] of LINE_COLUMNS) row[column] = value(write);
    return row;
  };
  const sent = writes.filter((write) => !write.source).map((write) => ({ ...columnValues(write), line: write.line.line }));
  const bySource = new Map<string, { payloadKey: string; rows: Array<Record<string, unknown>> }>();
  for (const write of writes) {
    if (!write.source) continue;
    let event = bySource.get(write.source.eventId);
    if (!event) bySource.set(write.source.eventId, (event = { payloadKey: write.source.payloadKey, rows: [] }));
    event.rows.push({ ...columnValues(write), path: write.source.path });
  }
  const removedAt = (alias: string) => `CASE ${alias}.removed_at WHEN 'null' THEN NULL WHEN 'now' THEN now() ELSE '-infinity' END`;
  await client.query(
    `INSERT INTO ${database.table('shipment_lines')} AS l (${LINE_COLUMN_NAMES.join(', ')}, line, removed_at)
     SELECT ${LINE_COLUMN_NAMES.map((column) => `x.${column}`).join(', ')}, x.line, ${removedAt('x')}
       FROM jsonb_to_recordset($1::jsonb) AS x(${LINE_RECORD}, line jsonb)
     UNION ALL
     SELECT ${LINE_COLUMN_NAMES.map((column) => `z.${column}`).join(', ')}, b.shipment #> z.path, ${removedAt('z')}
       FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS s(event_id, payload_key, ord)
       JOIN ${database.table('webhook_events')} e ON e.id = s.event_id
      CROSS JOIN LATERAL (SELECT e.body -> s.payload_key AS shipment OFFSET 0) b
      CROSS JOIN LATERAL jsonb_to_recordset($4::jsonb -> (s.ord::int - 1)) AS z(${LINE_RECORD}, path text[])
     ON CONFLICT (shipment_id, despatch_advice_number, despatch_advice_line_position) DO UPDATE SET
       purchase_order_number = EXCLUDED.purchase_order_number,
       purchase_order_line_position = EXCLUDED.purchase_order_line_position,
       delivery_schedule_position = EXCLUDED.delivery_schedule_position, item_number = EXCLUDED.item_number,
       despatch_quantity = EXCLUDED.despatch_quantity, backorder_quantity = EXCLUDED.backorder_quantity,
       container_number = EXCLUDED.container_number, package_sscc = EXCLUDED.package_sscc,
       container_size_and_type = EXCLUDED.container_size_and_type, package_type = EXCLUDED.package_type,
       last_updated_at = EXCLUDED.last_updated_at, line = EXCLUDED.line,
       removed_at = CASE WHEN EXCLUDED.removed_at = '-infinity' THEN l.removed_at ELSE EXCLUDED.removed_at END,
       order_id = CASE WHEN l.purchase_order_number = EXCLUDED.purchase_order_number
                        AND l.purchase_order_line_position = EXCLUDED.purchase_order_line_position THEN l.order_id END,
       line_id = CASE WHEN l.purchase_order_number = EXCLUDED.purchase_order_number
                       AND l.purchase_order_line_position = EXCLUDED.purchase_order_line_position THEN l.line_id END,
       last_event_id = EXCLUDED.last_event_id, updated_at = now()
     WHERE l.last_updated_at <= EXCLUDED.last_updated_at`,
    [stringifyExact(sent), [...bySource.keys()], [...bySource.values()].map((event) => event.payloadKey), stringifyExact([...bySource.values()].map((event) => event.rows))],
  );
}

/** Marks lines removed that a newer shipment version no longer lists (and that are not written in the same flush). */
export async function removeShipmentLines(client: PoolClient, database: TradecloudDatabase, removals: ShipmentLineRemoval[]): Promise<void> {
  await client.query(
    `UPDATE ${database.table('shipment_lines')} l SET removed_at = now(), updated_at = now(), last_event_id = r.event_id
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS r(shipment_id, k, event_id)
      WHERE l.shipment_id = r.shipment_id AND l.despatch_advice_number || chr(31) || l.despatch_advice_line_position = r.k`,
    [removals.map((removal) => removal.shipmentId), removals.map((removal) => removal.key), removals.map((removal) => removal.eventId)],
  );
}

/**
 * Links the unlinked lines of these shipments to order lines already stored (by purchase order
 * number and line position, within the shipment's buyer company when known). The caller holds the
 * purchase-order locks of the lines (also taken by order writers before they link).
 */
export async function linkShipmentsToOrderLines(client: PoolClient, database: TradecloudDatabase, buyers: Map<string, string | null>): Promise<void> {
  // Driven from the shipments' own lines (primary key), one order-line lookup per unlinked line.
  // Left to itself, the planner reads every unlinked line of the table through the index on
  // `order_id` (`IS NULL`) whenever its statistics say unlinked lines are rare: shipments of
  // orders not received (yet) keep theirs unlinked, and that scan took 110 ms a flush in the
  // benchmark's drain, most of its time. The LATERAL subqueries leave it no other plan (OFFSET 0
  // keeps the `IS NULL` test out of the line lookup).
  await client.query(
    `UPDATE ${database.table('shipment_lines')} sl
        SET order_id = m.order_id, line_id = m.line_id
       FROM (SELECT c.shipment_id, c.despatch_advice_number, c.despatch_advice_line_position, x.order_id, x.line_id
               FROM unnest($1::text[], $2::uuid[]) AS s(shipment_id, buyer_company_id)
              CROSS JOIN LATERAL (
                    SELECT c.shipment_id, c.despatch_advice_number, c.despatch_advice_line_position,
                           c.purchase_order_number, c.purchase_order_line_position, c.order_id
                      FROM ${database.table('shipment_lines')} c
                     WHERE c.shipment_id = s.shipment_id
                    OFFSET 0) c
              CROSS JOIN LATERAL (
                    SELECT l.order_id, l.line_id
                      FROM ${database.table('orders')} o
                      JOIN ${database.table('order_lines')} l ON l.order_id = o.order_id AND l.position = c.purchase_order_line_position
                     WHERE o.purchase_order_number = c.purchase_order_number
                       AND (s.buyer_company_id IS NULL OR o.buyer_company_id = s.buyer_company_id)
                     LIMIT 1) x
              WHERE c.order_id IS NULL) m
      WHERE sl.shipment_id = m.shipment_id AND sl.despatch_advice_number = m.despatch_advice_number
        AND sl.despatch_advice_line_position = m.despatch_advice_line_position`,
    [[...buyers.keys()], [...buyers.values()]],
  );
}
