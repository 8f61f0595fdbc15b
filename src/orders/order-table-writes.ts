import type { PoolClient } from 'pg';
import { stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { lockPurchaseOrders } from '../processing/entity-locks';
import { OrderHeaderRow } from './order-snapshot.mapper';

/**
 * The set-based statements that write what an order session resolved: one statement per table
 * for a whole batch, rows passed as one JSON document (`jsonb_to_recordset`). Lines and their
 * schedules: `order-line-writes.ts`.
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

/**
 * Links shipment lines that arrived before these orders' lines to them (by purchase order
 * number and position). The purchase-order lock (also taken by ShipmentStore before it links)
 * makes an order and a shipment processed at the same moment see each other's rows: whichever
 * links second runs after the first committed.
 */
export async function linkShipmentLines(client: PoolClient, database: TradecloudDatabase, orders: Map<string, string>): Promise<void> {
  await lockPurchaseOrders(client, [...orders.values()]);
  // Driven from the orders' lines, one lookup of shipment lines per order line (by purchase order
  // number and position); OFFSET 0 keeps the `IS NULL` test out of it, so the planner cannot read
  // every unlinked line of the table through the index on `order_id` instead (see
  // `linkShipmentsToOrderLines`).
  await client.query(
    `UPDATE ${database.table('shipment_lines')} sl
        SET order_id = m.order_id, line_id = m.line_id
       FROM (SELECT c.shipment_id, c.despatch_advice_number, c.despatch_advice_line_position, l.order_id, l.line_id
               FROM ${database.table('orders')} o
               JOIN ${database.table('order_lines')} l ON l.order_id = o.order_id
              CROSS JOIN LATERAL (
                    SELECT c.shipment_id, c.despatch_advice_number, c.despatch_advice_line_position, c.order_id, s.buyer_company_id
                      FROM ${database.table('shipment_lines')} c
                      JOIN ${database.table('shipments')} s ON s.shipment_id = c.shipment_id
                     WHERE c.purchase_order_number = o.purchase_order_number AND c.purchase_order_line_position = l.position
                    OFFSET 0) c
              WHERE o.order_id = ANY($1::uuid[]) AND c.order_id IS NULL
                AND (c.buyer_company_id IS NULL OR o.buyer_company_id IS NULL OR c.buyer_company_id = o.buyer_company_id)) m
      WHERE sl.shipment_id = m.shipment_id AND sl.despatch_advice_number = m.despatch_advice_number
        AND sl.despatch_advice_line_position = m.despatch_advice_line_position`,
    [[...orders.keys()]],
  );
}
