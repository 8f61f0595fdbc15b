import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ChangeRecorder, ChangeRow, EventContext } from '../changes/change-recorder';
import { jsonDiff } from '../changes/json-diff';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import { EntityLocks, lockOrder, lockPurchaseOrders } from '../processing/entity-locks';
import { compareVersions, VersionOutcome } from '../processing/versions';
import { isSingleDeliveryLine, OrderLineRow, OrderSnapshot, OrderSnapshotMapper } from './order-snapshot.mapper';

/** Fields that change on every version and are already columns of the change row. */
const DIFF_IGNORED = ['lastUpdatedAt', 'meta'];

/**
 * Where the two webhook modes put the same values differently (REFERENCE §c.1, §c.2). When a
 * line arrives in the other shape than the one stored (a GET order after single-delivery
 * events), these are compared through the columns they map to, so the diff records changed
 * values and not the change of shape.
 */
const MODE_SPECIFIC = ['statusLine', 'deliverySchedule', 'deliveryScheduleIncludingRequests', 'prices', 'pricesIncludingRequests'];
const lineMapper = new OrderSnapshotMapper();

export interface OrderApplyOutcome {
  orderId: string;
  header: VersionOutcome;
  lines: { created: string[]; updated: string[]; unchanged: number; stale: string[] };
  documentsAdded: number;
}

/**
 * Writes order snapshots with the `lastUpdatedAt` rule: the header only when the event's order
 * `lastUpdatedAt` is newer than the stored one, each line only when its own `lastUpdatedAt` is
 * newer; equal is a repeat and does nothing; older is skipped (stale). Lines absent from the
 * snapshot are never touched. A line's delivery schedules are replaced together with it.
 *
 * Callers run this inside a transaction; `lockOrder` serialises all writers of one order (two
 * events of the same order never interleave, events of different orders never wait on each
 * other, and because every transaction takes exactly one order lock first, no deadlock).
 */
@Injectable()
export class OrderStore {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
  ) {}

  /** The locks `applySnapshot` takes: the order's, and its purchase order's (linking shipment lines). */
  static locksOf(snapshot: OrderSnapshot): EntityLocks {
    return { orders: [snapshot.header.orderId], purchaseOrders: [snapshot.header.purchaseOrderNumber] };
  }

  async lockOrder(client: PoolClient, orderId: string): Promise<void> {
    await lockOrder(client, orderId);
  }

  async applySnapshot(client: PoolClient, snapshot: OrderSnapshot, context: EventContext): Promise<OrderApplyOutcome> {
    const { header } = snapshot;
    await this.lockOrder(client, header.orderId);
    const changes: ChangeRow[] = [];
    const headerOutcome = await this.applyHeader(client, snapshot, context, changes);
    const lines = await this.applyLines(client, header.orderId, snapshot.lines, context, changes);
    const added = await this.documents.addOrderDocuments(client, header.orderId, snapshot.documents, context);
    changes.push(...added.map((document) => this.changes.documentAdded(header.orderId, document, context)));
    await this.changes.record(client, changes);
    const headerWritten = headerOutcome === 'created' || headerOutcome === 'updated';
    if (!headerWritten && (lines.created.length || lines.updated.length || added.length)) {
      await this.touchOrder(client, header.orderId, context);
    }
    if (lines.created.length) await this.linkShipmentLines(client, header.orderId, header.purchaseOrderNumber);
    return { orderId: header.orderId, header: headerOutcome, lines, documentsAdded: added.length };
  }

  /** `orders.last_event_id` names the last event that changed anything of the order (a line, a document), not only its header. */
  async touchOrder(client: PoolClient, orderId: string, context: EventContext): Promise<void> {
    if (context.eventId === null) return;
    await client.query(`UPDATE ${this.database.table('orders')} SET last_event_id = $2 WHERE order_id = $1`, [orderId, context.eventId]);
  }

  /**
   * Links shipment lines that arrived before this order's lines to them (by purchase order
   * number and position). The purchase-order lock (also taken by ShipmentStore before it links)
   * makes an order and a shipment processed at the same moment see each other's rows: whichever
   * links second runs after the first committed.
   */
  private async linkShipmentLines(client: PoolClient, orderId: string, purchaseOrderNumber: string): Promise<void> {
    await lockPurchaseOrders(client, [purchaseOrderNumber]);
    await client.query(
      `UPDATE ${this.database.table('shipment_lines')} sl
          SET order_id = o.order_id, line_id = l.line_id
         FROM ${this.database.table('orders')} o
         JOIN ${this.database.table('order_lines')} l ON l.order_id = o.order_id
         JOIN ${this.database.table('shipments')} s ON true
        WHERE o.order_id = $1 AND sl.order_id IS NULL AND s.shipment_id = sl.shipment_id
          AND sl.purchase_order_number = o.purchase_order_number
          AND (s.buyer_company_id IS NULL OR o.buyer_company_id IS NULL OR s.buyer_company_id = o.buyer_company_id)
          AND sl.purchase_order_line_position = l.position`,
      [orderId],
    );
  }

  private async applyHeader(client: PoolClient, snapshot: OrderSnapshot, context: EventContext, changes: ChangeRow[]): Promise<VersionOutcome> {
    const { header } = snapshot;
    const existing = await client.query<{ last_updated_at: Date; header: string }>(
      `SELECT last_updated_at, header::text AS header FROM ${this.database.table('orders')} WHERE order_id = $1`,
      [header.orderId],
    );
    const previous = existing.rows[0];
    const outcome = compareVersions(previous?.last_updated_at, header.lastUpdatedAt);
    if (outcome === 'unchanged' || outcome === 'stale') return outcome;

    await client.query(
      `INSERT INTO ${this.database.table('orders')} AS o
         (order_id, purchase_order_number, buyer_company_id, supplier_company_id, supplier_account_number,
          process_status, logistics_status, version, last_updated_at, header, last_event_id,
          order_type, description, issued_at, supplier_name, incoterms_code, payment_terms_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16, $17)
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
      [
        header.orderId,
        header.purchaseOrderNumber,
        header.buyerCompanyId,
        header.supplierCompanyId,
        header.supplierAccountNumber,
        header.processStatus,
        header.logisticsStatus,
        header.version,
        header.lastUpdatedAt,
        stringifyExact(header.header),
        context.eventId,
        header.orderType,
        header.description,
        header.issuedAt,
        header.supplierName,
        header.incotermsCode,
        header.paymentTermsCode,
      ],
    );
    changes.push({
      entity: 'order',
      changeType: outcome,
      orderId: header.orderId,
      lineId: null,
      previousLastUpdatedAt: previous?.last_updated_at.toISOString() ?? null,
      lastUpdatedAt: header.lastUpdatedAt,
      diff: previous ? jsonDiff(parseExact(previous.header), header.header, DIFF_IGNORED) : null,
      ...this.changes.eventColumns(context),
    });
    return outcome;
  }

  private async applyLines(
    client: PoolClient,
    orderId: string,
    lines: OrderLineRow[],
    context: EventContext,
    changes: ChangeRow[],
  ): Promise<OrderApplyOutcome['lines']> {
    const result: OrderApplyOutcome['lines'] = { created: [], updated: [], unchanged: 0, stale: [] };
    if (!lines.length) return result;
    // The last occurrence wins if an event ever lists a line twice.
    const byId = new Map(lines.map((line) => [line.lineId, line]));
    const existing = await client.query<{ line_id: string; last_updated_at: Date; line: string }>(
      `SELECT line_id, last_updated_at, line::text AS line FROM ${this.database.table('order_lines')}
        WHERE order_id = $1 AND line_id = ANY($2::uuid[])`,
      [orderId, [...byId.keys()]],
    );
    const stored = new Map(existing.rows.map((row) => [row.line_id, row]));

    const apply: OrderLineRow[] = [];
    for (const line of byId.values()) {
      const previous = stored.get(line.lineId);
      const outcome = compareVersions(previous?.last_updated_at, line.lastUpdatedAt);
      if (outcome === 'unchanged') result.unchanged++;
      else if (outcome === 'stale') result.stale.push(line.lineId);
      else {
        apply.push(line);
        result[outcome].push(line.lineId);
        changes.push({
          entity: 'order_line',
          changeType: outcome,
          orderId,
          lineId: line.lineId,
          previousLastUpdatedAt: previous?.last_updated_at.toISOString() ?? null,
          lastUpdatedAt: line.lastUpdatedAt,
          diff: previous ? lineDiff(parseExact(previous.line) as Record<string, unknown>, line) : null,
          ...this.changes.eventColumns(context),
        });
      }
    }
    if (apply.length) await this.writeLines(client, orderId, apply, context);
    return result;
  }

  private async writeLines(client: PoolClient, orderId: string, lines: OrderLineRow[], context: EventContext): Promise<void> {
    const rows = lines.map((line) => ({
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
      line: line.line,
    }));
    await client.query(
      `INSERT INTO ${this.database.table('order_lines')} AS l
         (order_id, line_id, position, original_position, line_type, item_number, description, process_status,
          in_progress_status, logistics_status, net_price, currency, price_unit_quantity, last_updated_at, line, last_event_id,
          buyer_net_price, confirmed_net_price, proposed_net_price, gross_price, discount_percentage, price_unit_of_measure,
          purchase_unit_of_measure, supplier_sales_order_number, supplier_sales_order_position, delivered, shipped, completed,
          cancelled, no_delivery_expected, delivery_overdue, proposal_reason, open_quantity)
       SELECT $1::uuid, x.line_id, x.position, x.original_position, x.line_type, x.item_number, x.description, x.process_status,
              x.in_progress_status, x.logistics_status, x.net_price, x.currency, x.price_unit_quantity, x.last_updated_at, x.line, $3,
              x.buyer_net_price, x.confirmed_net_price, x.proposed_net_price, x.gross_price, x.discount_percentage,
              x.price_unit_of_measure, x.purchase_unit_of_measure, x.supplier_sales_order_number, x.supplier_sales_order_position,
              x.delivered, x.shipped, x.completed, x.cancelled, x.no_delivery_expected, x.delivery_overdue, x.proposal_reason,
              x.open_quantity
         FROM jsonb_to_recordset($2::jsonb) AS x(
              line_id uuid, position text, original_position text, line_type text, item_number text, description text,
              process_status text, in_progress_status text, logistics_status text, net_price numeric, currency text,
              price_unit_quantity numeric, last_updated_at timestamptz, line jsonb,
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
      [orderId, stringifyExact(rows), context.eventId],
    );
    // Schedules and delivery history are replaced with the line: one statement removes both.
    await client.query(
      `WITH history AS (DELETE FROM ${this.database.table('delivery_history')} WHERE order_id = $1 AND line_id = ANY($2::uuid[]))
       DELETE FROM ${this.database.table('delivery_lines')} WHERE order_id = $1 AND line_id = ANY($2::uuid[])`,
      [orderId, lines.map((line) => line.lineId)],
    );
    const historyRows = lines.flatMap((line) =>
      line.deliveryHistory.map((entry) => ({ line_id: line.lineId, seq: entry.seq, position: entry.position, date: entry.date, quantity: entry.quantity })),
    );
    const deliveryRows = lines.flatMap((line) =>
      line.deliveryLines.map((entry) => ({
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
    if (!deliveryRows.length && !historyRows.length) return;
    // One statement writes both (the history in a data-modifying WITH).
    await client.query(
      `WITH history AS (
         INSERT INTO ${this.database.table('delivery_history')} (order_id, line_id, seq, position, date, quantity)
         SELECT $1::uuid, h.line_id, h.seq, h.position, h.date, h.quantity
           FROM jsonb_to_recordset($3::jsonb) AS h(line_id uuid, seq integer, position text, date date, quantity numeric))
       INSERT INTO ${this.database.table('delivery_lines')}
         (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
       SELECT $1::uuid, x.line_id, x.schedule, x.seq, x.position, x.date, x.quantity, x.status, x.etd, x.eta, x.transport_mode
         FROM jsonb_to_recordset($2::jsonb) AS x(
              line_id uuid, schedule text, seq integer, position text, date date, quantity numeric, status text,
              etd date, eta date, transport_mode text)`,
      [orderId, stringifyExact(deliveryRows), stringifyExact(historyRows)],
    );
  }
}

/**
 * The diff of a line version against the stored one. Same shape: leaf by leaf. Different shapes
 * (delivery schedule versus single delivery): the shared fields leaf by leaf, and the values the
 * two shapes hold in different places through the columns they map to (`columns.net_price`,
 * `schedules.current[0].date`, …).
 */
export function lineDiff(previous: Record<string, unknown>, next: OrderLineRow): ReturnType<typeof jsonDiff> {
  if (isSingleDeliveryLine(previous) === isSingleDeliveryLine(next.line)) return jsonDiff(previous, next.line, DIFF_IGNORED);
  const shared = (line: Record<string, unknown>) => {
    const copy: Record<string, unknown> = { ...line };
    for (const key of MODE_SPECIFIC) delete copy[key];
    if (line.buyerLine && typeof line.buyerLine === 'object') {
      const buyerLine: Record<string, unknown> = { ...(line.buyerLine as Record<string, unknown>) };
      for (const key of ['scheduledDelivery', 'actualDelivery']) delete buyerLine[key];
      copy.buyerLine = buyerLine;
    }
    return copy;
  };
  return { ...jsonDiff(shared(previous), shared(next.line), DIFF_IGNORED), ...jsonDiff(normalised(lineMapper.mapLine(previous)), normalised(next)) };
}

/** The values of a line both shapes carry, as the columns and schedules they are stored in. */
function normalised(row: OrderLineRow): Record<string, unknown> {
  const { line, deliveryLines, deliveryHistory, lastUpdatedAt, ...columns } = row;
  void line;
  void lastUpdatedAt;
  const schedules: Record<string, unknown[]> = {};
  for (const entry of deliveryLines) {
    // Single-delivery entries have no position: compare what both shapes have.
    (schedules[entry.schedule] ??= []).push({ date: entry.date, quantity: entry.quantity, status: entry.status });
  }
  return { columns, schedules, history: deliveryHistory.map((entry) => ({ date: entry.date, quantity: entry.quantity })) };
}
