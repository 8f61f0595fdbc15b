import type { PoolClient } from 'pg';
import { ChangeRecorder, ChangeRow, EventContext } from '../changes/change-recorder';
import { jsonDiff } from '../changes/json-diff';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import type { BatchSession } from '../processing/event-applier';
import { lockPurchaseOrders } from '../processing/entity-locks';
import { compareVersions, VersionOutcome } from '../processing/versions';
import { lineDiff } from './order-line-diff';
import { OrderHeaderRow, OrderLineRow, OrderSnapshot } from './order-snapshot.mapper';

/** Fields that change on every version and are already columns of the change row. */
const DIFF_IGNORED = ['lastUpdatedAt', 'meta'];

export interface OrderApplyOutcome {
  orderId: string;
  header: VersionOutcome;
  lines: { created: string[]; updated: string[]; unchanged: number; stale: string[] };
  documentsAdded: number;
}

/** A stored version: its `lastUpdatedAt` and its JSON (text as read, parsed when a diff needs it). */
interface StoredVersion {
  lastUpdatedAt: Date;
  json: string | Record<string, unknown>;
}

const lineKey = (orderId: string, lineId: string) => `${orderId}\u001f${lineId}`;

/**
 * Applies order snapshots of one transaction with the `lastUpdatedAt` rule, writing each table once
 * (set-based) at `flush()`. Versions are resolved in memory against what is stored (read once, by
 * `preload`) and against what earlier snapshots of the same session applied, so N events of one
 * batch give exactly the rows and `changes` of N events applied one at a time: three versions of
 * one order give three change rows, each diffed against its predecessor.
 *
 * The header is written when the snapshot's order `lastUpdatedAt` is newer than the stored one,
 * each line when its own `lastUpdatedAt` is newer; equal is a repeat, older is stale. Lines absent
 * from a snapshot are never touched. A line's delivery schedules and history are replaced with it.
 * Callers hold the order locks (and the purchase-order locks, for linking shipment lines).
 */
export class OrderWriteSession implements BatchSession {
  private readonly headers = new Map<string, StoredVersion | null>();
  private readonly lines = new Map<string, StoredVersion | null>();
  private readonly planned: OrderSnapshot[] = [];

  private readonly headerWrites = new Map<string, { header: OrderHeaderRow; eventId: string | null }>();
  private readonly lineWrites = new Map<string, { orderId: string; line: OrderLineRow; eventId: string | null }>();
  /**
   * The last event (by its place in the session) that changed anything of an order (its header, a
   * line, a document), for `orders.last_event_id`.
   */
  private readonly lastEvent = new Map<string, { place: number; eventId: string | null }>();
  private applied = 0;
  /** Documents of the applied snapshots, added at the flush (one statement); completes their outcomes. */
  private readonly documentWrites: Array<{
    place: number;
    orderId: string;
    documents: OrderSnapshot['documents'];
    context: EventContext;
    changes: ChangeRow[];
    outcome: OrderApplyOutcome;
  }> = [];
  private readonly linkOrders = new Map<string, string>();
  private readonly changesPerEvent: ChangeRow[][] = [];

  constructor(
    private readonly client: PoolClient,
    private readonly database: TradecloudDatabase,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
  ) {}

  /** Tells the session what `preload` is to read for this snapshot. */
  plan(snapshot: OrderSnapshot): void {
    this.planned.push(snapshot);
  }

  async preload(): Promise<void> {
    const snapshots = this.planned.splice(0);
    const orderIds = [...new Set(snapshots.map((snapshot) => snapshot.header.orderId))].filter((id) => !this.headers.has(id));
    if (orderIds.length) {
      const stored = await this.client.query<{ order_id: string; last_updated_at: Date; header: string }>(
        `SELECT order_id, last_updated_at, header::text AS header FROM ${this.database.table('orders')} WHERE order_id = ANY($1::uuid[])`,
        [orderIds],
      );
      for (const id of orderIds) this.headers.set(id, null);
      for (const row of stored.rows) this.headers.set(row.order_id, { lastUpdatedAt: row.last_updated_at, json: row.header });
    }
    const wanted = new Map<string, [string, string]>();
    for (const { header, lines } of snapshots) {
      for (const line of lines) {
        const key = lineKey(header.orderId, line.lineId);
        if (!this.lines.has(key)) wanted.set(key, [header.orderId, line.lineId]);
      }
    }
    if (wanted.size) {
      const pairs = [...wanted.values()];
      const stored = await this.client.query<{ order_id: string; line_id: string; last_updated_at: Date; line: string }>(
        `SELECT l.order_id, l.line_id, l.last_updated_at, l.line::text AS line
           FROM ${this.database.table('order_lines')} l
           JOIN unnest($1::uuid[], $2::uuid[]) AS k(order_id, line_id) ON l.order_id = k.order_id AND l.line_id = k.line_id`,
        [pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1])],
      );
      for (const key of wanted.keys()) this.lines.set(key, null);
      for (const row of stored.rows) this.lines.set(lineKey(row.order_id, row.line_id), { lastUpdatedAt: row.last_updated_at, json: row.line });
    }
  }

  /**
   * Applies one snapshot: resolves its versions, queues its rows and change rows for the flush, and
   * adds its documents (at once: they are keyed on their own, and whether each is new decides the
   * event's outcome). Reads what `preload` did not (a snapshot applied without a plan).
   */
  async apply(snapshot: OrderSnapshot, context: EventContext): Promise<OrderApplyOutcome> {
    if (!this.headers.has(snapshot.header.orderId) || snapshot.lines.some((line) => !this.lines.has(lineKey(snapshot.header.orderId, line.lineId)))) {
      this.plan(snapshot);
      await this.preload();
    }
    const { header } = snapshot;
    const orderId = header.orderId;
    const changes: ChangeRow[] = [];
    const event = { eventId: context.eventId, eventName: context.eventName };

    const previous = this.headers.get(orderId) ?? undefined;
    const headerOutcome = compareVersions(previous?.lastUpdatedAt, header.lastUpdatedAt);
    if (headerOutcome === 'created' || headerOutcome === 'updated') {
      changes.push({
        entity: 'order',
        changeType: headerOutcome,
        orderId,
        lineId: null,
        previousLastUpdatedAt: previous?.lastUpdatedAt.toISOString() ?? null,
        lastUpdatedAt: header.lastUpdatedAt,
        diff: previous ? jsonDiff(parsed(previous), header.header, DIFF_IGNORED) : null,
        ...event,
      });
      this.headers.set(orderId, { lastUpdatedAt: new Date(header.lastUpdatedAt), json: header.header });
      this.headerWrites.set(orderId, { header, eventId: context.eventId });
    }

    const lines: OrderApplyOutcome['lines'] = { created: [], updated: [], unchanged: 0, stale: [] };
    // The last occurrence wins if an event ever lists a line twice.
    const byId = new Map(snapshot.lines.map((line) => [line.lineId, line]));
    for (const line of byId.values()) {
      const key = lineKey(orderId, line.lineId);
      const stored = this.lines.get(key) ?? undefined;
      const outcome = compareVersions(stored?.lastUpdatedAt, line.lastUpdatedAt);
      if (outcome === 'unchanged') lines.unchanged++;
      else if (outcome === 'stale') lines.stale.push(line.lineId);
      else {
        lines[outcome].push(line.lineId);
        changes.push({
          entity: 'order_line',
          changeType: outcome,
          orderId,
          lineId: line.lineId,
          previousLastUpdatedAt: stored?.lastUpdatedAt.toISOString() ?? null,
          lastUpdatedAt: line.lastUpdatedAt,
          diff: stored ? lineDiff(parsed(stored), line) : null,
          ...event,
        });
        this.lines.set(key, { lastUpdatedAt: new Date(line.lastUpdatedAt), json: line.line });
        this.lineWrites.set(key, { orderId, line, eventId: context.eventId });
      }
    }

    const place = this.applied++;
    const headerWritten = headerOutcome === 'created' || headerOutcome === 'updated';
    if (headerWritten || lines.created.length || lines.updated.length) this.touch(orderId, place, context, headerWritten);
    if (lines.created.length) this.linkOrders.set(orderId, header.purchaseOrderNumber);
    this.changesPerEvent.push(changes);
    const outcome: OrderApplyOutcome = { orderId, header: headerOutcome, lines, documentsAdded: 0 };
    if (snapshot.documents.length) this.documentWrites.push({ place, orderId, documents: snapshot.documents, context, changes, outcome });
    return outcome;
  }

  /**
   * `orders.last_event_id` names the last event that changed anything of the order (a line, a
   * document), not only its header; an event without id (a polled entity applied on its own)
   * leaves it unless it wrote the header.
   */
  private touch(orderId: string, place: number, context: EventContext, headerWritten: boolean): void {
    if (context.eventId === null && !headerWritten) return;
    const last = this.lastEvent.get(orderId);
    if (!last || last.place < place) this.lastEvent.set(orderId, { place, eventId: context.eventId });
  }

  /**
   * Writes what was applied since the last flush. Documents first (they are keyed on their own):
   * whether each is new completes its event's outcome, change rows and `last_event_id`.
   */
  async flush(): Promise<void> {
    const documentWrites = this.documentWrites.splice(0);
    if (documentWrites.length) {
      const added = await this.documents.addOrderDocumentsOfEach(this.client, documentWrites);
      documentWrites.forEach((write, index) => {
        write.outcome.documentsAdded = added[index].length;
        write.changes.push(...added[index].map((document) => this.changes.documentAdded(write.orderId, document, write.context)));
        if (added[index].length) this.touch(write.orderId, write.place, write.context, false);
      });
    }
    const headerWrites = [...this.headerWrites.values()];
    const lineWrites = [...this.lineWrites.values()];
    const lastEvent = new Map(this.lastEvent);
    const linkOrders = new Map(this.linkOrders);
    const changesPerEvent = this.changesPerEvent.splice(0);
    this.headerWrites.clear();
    this.lineWrites.clear();
    this.lastEvent.clear();
    this.linkOrders.clear();

    if (headerWrites.length) await this.writeHeaders(headerWrites, lastEvent);
    const written = new Set(headerWrites.map((write) => write.header.orderId));
    const touched = [...lastEvent]
      .filter(([orderId, last]) => last.eventId !== null && !written.has(orderId))
      .map(([orderId, last]) => [orderId, last.eventId] as const);
    if (touched.length) {
      await this.client.query(
        `UPDATE ${this.database.table('orders')} o SET last_event_id = t.event_id
           FROM unnest($1::uuid[], $2::bigint[]) AS t(order_id, event_id) WHERE o.order_id = t.order_id`,
        [touched.map(([orderId]) => orderId), touched.map(([, eventId]) => eventId)],
      );
    }
    if (lineWrites.length) await this.writeLines(lineWrites);
    if (changesPerEvent.some((changes) => changes.length)) await this.changes.recordEach(this.client, changesPerEvent);
    if (linkOrders.size) await this.linkShipmentLines(linkOrders);
  }

  private async writeHeaders(writes: Array<{ header: OrderHeaderRow; eventId: string | null }>, lastEvent: Map<string, { eventId: string | null }>): Promise<void> {
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
    await this.client.query(
      `INSERT INTO ${this.database.table('orders')} AS o
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

  private async writeLines(writes: Array<{ orderId: string; line: OrderLineRow; eventId: string | null }>): Promise<void> {
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
    await this.client.query(
      `INSERT INTO ${this.database.table('order_lines')} AS l
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
    await this.client.query(
      `WITH written AS (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS w(order_id, line_id)),
            old_history AS (
              DELETE FROM ${this.database.table('delivery_history')} h USING written w
               WHERE h.order_id = w.order_id AND h.line_id = w.line_id),
            old_schedules AS (
              DELETE FROM ${this.database.table('delivery_lines')} d USING written w
               WHERE d.order_id = w.order_id AND d.line_id = w.line_id)
       SELECT 1`,
      [orderIds, lineIds],
    );
    if (!deliveryRows.length && !historyRows.length) return;
    await this.client.query(
      `WITH history AS (
         INSERT INTO ${this.database.table('delivery_history')} (order_id, line_id, seq, position, date, quantity)
         SELECT h.order_id, h.line_id, h.seq, h.position, h.date, h.quantity
           FROM jsonb_to_recordset($2::jsonb) AS h(order_id uuid, line_id uuid, seq integer, position text, date date, quantity numeric))
       INSERT INTO ${this.database.table('delivery_lines')}
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
  private async linkShipmentLines(orders: Map<string, string>): Promise<void> {
    await lockPurchaseOrders(this.client, [...orders.values()]);
    await this.client.query(
      `UPDATE ${this.database.table('shipment_lines')} sl
          SET order_id = o.order_id, line_id = l.line_id
         FROM ${this.database.table('orders')} o
         JOIN ${this.database.table('order_lines')} l ON l.order_id = o.order_id
         JOIN ${this.database.table('shipments')} s ON true
        WHERE o.order_id = ANY($1::uuid[]) AND sl.order_id IS NULL AND s.shipment_id = sl.shipment_id
          AND sl.purchase_order_number = o.purchase_order_number
          AND (s.buyer_company_id IS NULL OR o.buyer_company_id IS NULL OR s.buyer_company_id = o.buyer_company_id)
          AND sl.purchase_order_line_position = l.position`,
      [[...orders.keys()]],
    );
  }
}

function parsed(version: StoredVersion): Record<string, unknown> {
  if (typeof version.json === 'string') version.json = parseExact(version.json) as Record<string, unknown>;
  return version.json;
}
