import type { PoolClient } from 'pg';
import { stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { lockPurchaseOrders } from '../processing/entity-locks';
import { OrderHeaderRow, OrderLineRow } from './order-snapshot.mapper';

/**
 * The set-based statements that write what an order session resolved: one statement per table
 * for a whole batch, rows passed as one JSON document (`jsonb_to_recordset`).
 */

/** Upserts the order headers (the `lastUpdatedAt` guard kept as a safety net). */
export async function writeOrderHeaders(
  client: PoolClient,
  database: TradecloudDatabase,
  writes: Array<{ header: OrderHeaderRow; eventId: string | null }>,
  lastEvent: Map<string, { eventId: string | null }>,
): Promise<void> {
  const rows = writes.map(({ header, eventId }) => ({
    order_id: header.orderId,
    purchase_order_number: header.purchaseOrderNumber,
    buyer_company_id: header.buyerCompanyId,
    supplier_company_id: header.supplierCompanyId,
    supplier_account_number: header.supplierAccountNumber,
    process_status: header.processStatus,
    logistics_status: header.logisticsStatus,
    version: header.version,
    last_updated_at: header.lastUpdatedAt,
    header: header.header,
    last_event_id: lastEvent.get(header.orderId)?.eventId ?? eventId,
    order_type: header.orderType,
    description: header.description,
    issued_at: header.issuedAt,
    supplier_name: header.supplierName,
    incoterms_code: header.incotermsCode,
    payment_terms_code: header.paymentTermsCode,
  }));
  await client.query(
    `INSERT INTO ${database.table('orders')} AS o
       (order_id, purchase_order_number, buyer_company_id, supplier_company_id, supplier_account_number,
        process_status, logistics_status, version, last_updated_at, header, last_event_id,
        order_type, description, issued_at, supplier_name, incoterms_code, payment_terms_code)
     SELECT x.order_id, x.purchase_order_number, x.buyer_company_id, x.supplier_company_id, x.supplier_account_number,
            x.process_status, x.logistics_status, x.version, x.last_updated_at, x.header, x.last_event_id,
            x.order_type, x.description, x.issued_at, x.supplier_name, x.incoterms_code, x.payment_terms_code
       FROM jsonb_to_recordset($1::jsonb) AS x(
            order_id uuid, purchase_order_number text, buyer_company_id uuid, supplier_company_id uuid,
            supplier_account_number text, process_status text, logistics_status text, version integer,
            last_updated_at timestamptz, header jsonb, last_event_id bigint, order_type text, description text,
            issued_at timestamptz, supplier_name text, incoterms_code text, payment_terms_code text)
     ON CONFLICT (order_id) DO UPDATE SET
       purchase_order_number = EXCLUDED.purchase_order_number,
       buyer_company_id = EXCLUDED.buyer_company_id,
       supplier_company_id = EXCLUDED.supplier_company_id,
       supplier_account_number = EXCLUDED.supplier_account_number,
       process_status = EXCLUDED.process_status,
       logistics_status = EXCLUDED.logistics_status,
       version = EXCLUDED.version,
       last_updated_at = EXCLUDED.last_updated_at,
       header = EXCLUDED.header,
       last_event_id = EXCLUDED.last_event_id,
       order_type = EXCLUDED.order_type,
       description = EXCLUDED.description,
       issued_at = EXCLUDED.issued_at,
       supplier_name = EXCLUDED.supplier_name,
       incoterms_code = EXCLUDED.incoterms_code,
       payment_terms_code = EXCLUDED.payment_terms_code,
       updated_at = now()
     WHERE o.last_updated_at < EXCLUDED.last_updated_at`,
    [stringifyExact(rows)],
  );
}

/** Lines written in one statement from which the foreign-key checks of their schedules are planned afresh. */
const REPLAN_AFTER_LINES = 1_000;

/** Upserts the lines and replaces their schedules and delivery history. */
export async function writeOrderLines(
  client: PoolClient,
  database: TradecloudDatabase,
  writes: Array<{ orderId: string; line: OrderLineRow; eventId: string | null }>,
): Promise<void> {
  const rows = writes.map(({ orderId, line, eventId }) => ({
    order_id: orderId,
    line_id: line.lineId,
    position: line.position,
    original_position: line.originalPosition,
    line_type: line.lineType,
    item_number: line.itemNumber,
    description: line.description,
    process_status: line.processStatus,
    in_progress_status: line.inProgressStatus,
    logistics_status: line.logisticsStatus,
    net_price: line.netPrice,
    currency: line.currency,
    price_unit_quantity: line.priceUnitQuantity,
    buyer_net_price: line.buyerNetPrice,
    confirmed_net_price: line.confirmedNetPrice,
    proposed_net_price: line.proposedNetPrice,
    gross_price: line.grossPrice,
    discount_percentage: line.discountPercentage,
    price_unit_of_measure: line.priceUnitOfMeasure,
    purchase_unit_of_measure: line.purchaseUnitOfMeasure,
    supplier_sales_order_number: line.supplierSalesOrderNumber,
    supplier_sales_order_position: line.supplierSalesOrderPosition,
    delivered: line.delivered,
    shipped: line.shipped,
    completed: line.completed,
    cancelled: line.cancelled,
    no_delivery_expected: line.noDeliveryExpected,
    delivery_overdue: line.deliveryOverdue,
    proposal_reason: line.proposalReason,
    open_quantity: line.openQuantity,
    last_updated_at: line.lastUpdatedAt,
    last_event_id: eventId,
    line: line.line,
  }));
  await client.query(
    `INSERT INTO ${database.table('order_lines')} AS l
       (order_id, line_id, position, original_position, line_type, item_number, description, process_status,
        in_progress_status, logistics_status, net_price, currency, price_unit_quantity, last_updated_at, line, last_event_id,
        buyer_net_price, confirmed_net_price, proposed_net_price, gross_price, discount_percentage, price_unit_of_measure,
        purchase_unit_of_measure, supplier_sales_order_number, supplier_sales_order_position, delivered, shipped, completed,
        cancelled, no_delivery_expected, delivery_overdue, proposal_reason, open_quantity)
     SELECT x.order_id, x.line_id, x.position, x.original_position, x.line_type, x.item_number, x.description, x.process_status,
            x.in_progress_status, x.logistics_status, x.net_price, x.currency, x.price_unit_quantity, x.last_updated_at, x.line,
            x.last_event_id, x.buyer_net_price, x.confirmed_net_price, x.proposed_net_price, x.gross_price, x.discount_percentage,
            x.price_unit_of_measure, x.purchase_unit_of_measure, x.supplier_sales_order_number, x.supplier_sales_order_position,
            x.delivered, x.shipped, x.completed, x.cancelled, x.no_delivery_expected, x.delivery_overdue, x.proposal_reason,
            x.open_quantity
       FROM jsonb_to_recordset($1::jsonb) AS x(
            order_id uuid, line_id uuid, position text, original_position text, line_type text, item_number text, description text,
            process_status text, in_progress_status text, logistics_status text, net_price numeric, currency text,
            price_unit_quantity numeric, last_updated_at timestamptz, line jsonb, last_event_id bigint,
            buyer_net_price numeric, confirmed_net_price numeric, proposed_net_price numeric, gross_price numeric,
            discount_percentage numeric, price_unit_of_measure text, purchase_unit_of_measure text,
            supplier_sales_order_number text, supplier_sales_order_position text, delivered boolean, shipped boolean,
            completed boolean, cancelled boolean, no_delivery_expected boolean, delivery_overdue boolean, proposal_reason text,
            open_quantity numeric)
     ON CONFLICT (order_id, line_id) DO UPDATE SET
       position = EXCLUDED.position, original_position = EXCLUDED.original_position, line_type = EXCLUDED.line_type,
       item_number = EXCLUDED.item_number, description = EXCLUDED.description, process_status = EXCLUDED.process_status,
       in_progress_status = EXCLUDED.in_progress_status, logistics_status = EXCLUDED.logistics_status,
       net_price = EXCLUDED.net_price, currency = EXCLUDED.currency, price_unit_quantity = EXCLUDED.price_unit_quantity,
       last_updated_at = EXCLUDED.last_updated_at, line = EXCLUDED.line, last_event_id = EXCLUDED.last_event_id,
       buyer_net_price = EXCLUDED.buyer_net_price, confirmed_net_price = EXCLUDED.confirmed_net_price,
       proposed_net_price = EXCLUDED.proposed_net_price, gross_price = EXCLUDED.gross_price,
       discount_percentage = EXCLUDED.discount_percentage, price_unit_of_measure = EXCLUDED.price_unit_of_measure,
       purchase_unit_of_measure = EXCLUDED.purchase_unit_of_measure,
       supplier_sales_order_number = EXCLUDED.supplier_sales_order_number,
       supplier_sales_order_position = EXCLUDED.supplier_sales_order_position,
       delivered = EXCLUDED.delivered, shipped = EXCLUDED.shipped, completed = EXCLUDED.completed,
       cancelled = EXCLUDED.cancelled, no_delivery_expected = EXCLUDED.no_delivery_expected,
       delivery_overdue = EXCLUDED.delivery_overdue, proposal_reason = EXCLUDED.proposal_reason,
       open_quantity = EXCLUDED.open_quantity, updated_at = now()
     WHERE l.last_updated_at < EXCLUDED.last_updated_at`,
    [stringifyExact(rows)],
  );
  const orderIds = writes.map((write) => write.orderId);
  const lineIds = writes.map((write) => write.line.lineId);
  const historyRows = writes.flatMap(({ orderId, line }) =>
    line.deliveryHistory.map((entry) => ({ order_id: orderId, line_id: line.lineId, seq: entry.seq, position: entry.position, date: entry.date, quantity: entry.quantity })),
  );
  const deliveryRows = writes.flatMap(({ orderId, line }) =>
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
  // Schedules and delivery history are replaced with their lines: one statement removes the old
  // rows and writes the new ones (data-modifying CTEs; the inserts cannot see the deleted rows,
  // and the keys of old and new rows never need each other: the deletes and inserts touch the
  // same keys only as old and new versions).
  await client.query(
    `WITH written AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS w(order_id, line_id)),
          old_history AS (
            DELETE FROM ${database.table('delivery_history')} h USING written w
             WHERE h.order_id = w.order_id AND h.line_id = w.line_id),
          old_schedules AS (
            DELETE FROM ${database.table('delivery_lines')} d USING written w
             WHERE d.order_id = w.order_id AND d.line_id = w.line_id)
     SELECT 1`,
    [orderIds, lineIds],
  );
  if (!deliveryRows.length && !historyRows.length) return;
  // Each delivery row is checked against its line (foreign key) with a plan this connection cached
  // when `order_lines` may have been a few pages: a sequential scan, then run once per row. After
  // thousands of new lines (a large order, a young table) that is seconds per thousand rows, until
  // autovacuum's next ANALYZE. Dropping the cached plans makes the checks plan again, for the table
  // as it is now (an index probe). Cheap, and done only when many lines were just written.
  if (writes.length >= REPLAN_AFTER_LINES) await client.query('DISCARD PLANS');
  await client.query(
    `WITH history AS (
       INSERT INTO ${database.table('delivery_history')} (order_id, line_id, seq, position, date, quantity)
       SELECT h.order_id, h.line_id, h.seq, h.position, h.date, h.quantity
         FROM jsonb_to_recordset($2::jsonb) AS h(order_id uuid, line_id uuid, seq integer, position text, date date, quantity numeric))
     INSERT INTO ${database.table('delivery_lines')}
       (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
     SELECT x.order_id, x.line_id, x.schedule, x.seq, x.position, x.date, x.quantity, x.status, x.etd, x.eta, x.transport_mode
       FROM jsonb_to_recordset($1::jsonb) AS x(
            order_id uuid, line_id uuid, schedule text, seq integer, position text, date date, quantity numeric, status text,
            etd date, eta date, transport_mode text)`,
    [stringifyExact(deliveryRows), stringifyExact(historyRows)],
  );
}

/**
 * Links shipment lines that arrived before these orders' lines to them (by purchase order
 * number and position). The purchase-order lock (also taken by ShipmentStore before it links)
 * makes an order and a shipment processed at the same moment see each other's rows: whichever
 * links second runs after the first committed.
 */
export async function linkShipmentLines(client: PoolClient, database: TradecloudDatabase, orders: Map<string, string>): Promise<void> {
  await lockPurchaseOrders(client, [...orders.values()]);
  await client.query(
    `UPDATE ${database.table('shipment_lines')} sl
        SET order_id = o.order_id, line_id = l.line_id
       FROM ${database.table('orders')} o
       JOIN ${database.table('order_lines')} l ON l.order_id = o.order_id
       JOIN ${database.table('shipments')} s ON true
      WHERE o.order_id = ANY($1::uuid[]) AND sl.order_id IS NULL AND s.shipment_id = sl.shipment_id
        AND sl.purchase_order_number = o.purchase_order_number
        AND (s.buyer_company_id IS NULL OR o.buyer_company_id IS NULL OR s.buyer_company_id = o.buyer_company_id)
        AND sl.purchase_order_line_position = l.position`,
    [[...orders.keys()]],
  );
}
