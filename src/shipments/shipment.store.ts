import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ChangeRecorder, ChangeRow, EventContext } from '../changes/change-recorder';
import { JsonDiff, jsonDiff } from '../changes/json-diff';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import { EntityLocks, lockPurchaseOrders, lockShipment } from '../processing/entity-locks';
import { compareVersions, VersionOutcome } from '../processing/versions';
import { ShipmentLineRow, ShipmentSnapshot } from './shipment-snapshot.mapper';

const DIFF_IGNORED = ['meta'];

export interface ShipmentApplyOutcome {
  shipmentId: string;
  header: VersionOutcome;
  lines: { created: number; updated: number; unchanged: number; stale: string[]; removed: number };
  documentsAdded: number;
}

const lineKey = (line: { despatchAdviceNumber: string; despatchAdviceLinePosition: string }) =>
  `${line.despatchAdviceNumber}\u001f${line.despatchAdviceLinePosition}`;

/**
 * Writes shipment snapshots with the same `lastUpdatedAt` rule as orders (shipment
 * `meta.lastUpdatedAt`, each line's `meta.lastUpdatedAt`), serialised per shipment. A shipment
 * always carries all its lines, so when a newer shipment version no longer lists a line, that
 * line is marked `removed_at` (kept for history). Shipment lines are linked to the order line
 * they deliver (by purchase order number and line position) as soon as that order is known.
 */
@Injectable()
export class ShipmentStore {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
  ) {}

  /**
   * The locks `applySnapshot` takes that are known before reading: the shipment's and its lines'
   * purchase orders. (It also locks the purchase orders of lines stored earlier, which only the
   * database knows: a batch asks {@link storedPurchaseOrders} for them after the shipment locks.)
   */
  static locksOf(snapshot: ShipmentSnapshot): EntityLocks {
    return { shipments: [snapshot.header.shipmentId], purchaseOrders: snapshot.lines.map((line) => line.purchaseOrderNumber) };
  }

  /** Purchase order numbers of the stored lines of these shipments (read under their shipment locks). */
  async storedPurchaseOrders(client: PoolClient, shipmentIds: string[]): Promise<string[]> {
    if (!shipmentIds.length) return [];
    const stored = await client.query<{ purchase_order_number: string }>(
      `SELECT DISTINCT purchase_order_number FROM ${this.database.table('shipment_lines')} WHERE shipment_id = ANY($1::text[])`,
      [shipmentIds],
    );
    return stored.rows.map((row) => row.purchase_order_number);
  }

  async applySnapshot(client: PoolClient, snapshot: ShipmentSnapshot, context: EventContext): Promise<ShipmentApplyOutcome> {
    const { header } = snapshot;
    await lockShipment(client, header.shipmentId);
    await this.lockPurchaseOrdersOf(client, snapshot);
    const changes: ChangeRow[] = [];
    const base = { orderId: null, lineId: null, shipmentId: header.shipmentId, ...this.changes.eventColumns(context) };

    const existing = await client.query<{ last_updated_at: Date; shipment: string }>(
      `SELECT last_updated_at, shipment::text AS shipment FROM ${this.database.table('shipments')} WHERE shipment_id = $1`,
      [header.shipmentId],
    );
    const previous = existing.rows[0];
    const headerOutcome = compareVersions(previous?.last_updated_at, header.lastUpdatedAt);
    if (headerOutcome === 'created' || headerOutcome === 'updated') {
      await this.writeHeader(client, snapshot, context);
      const diff = previous ? jsonDiff(parseExact(previous.shipment), header.shipment, DIFF_IGNORED) : null;
      changes.push({
        ...base,
        entity: 'shipment',
        changeType: headerOutcome,
        previousLastUpdatedAt: previous?.last_updated_at.toISOString() ?? null,
        lastUpdatedAt: header.lastUpdatedAt,
        diff: diff && withoutLineArrays(diff),
      });
    }

    const lines = await this.applyLines(client, snapshot, headerOutcome, context, changes, base);
    const added = await this.documents.addShipmentDocuments(client, header.shipmentId, snapshot.documents, context);
    changes.push(...added.map((document) => this.changes.documentAdded(null, document, context, header.shipmentId)));
    await this.changes.record(client, changes);
    await this.linkOrderLines(client, header.shipmentId, header.buyerCompanyId);
    return { shipmentId: header.shipmentId, header: headerOutcome, lines, documentsAdded: added.length };
  }

  /**
   * Takes the purchase-order locks of every line this transaction may write: the snapshot's, and
   * those of the lines already stored (a line the snapshot no longer lists is marked removed). They
   * are taken before any row is written. An order's transaction links shipment lines under its
   * purchase-order lock (OrderStore.linkShipmentLines); had this transaction written lines of that
   * purchase order first and asked for the lock afterwards, each would wait for the other.
   */
  private async lockPurchaseOrdersOf(client: PoolClient, snapshot: ShipmentSnapshot): Promise<void> {
    const stored = await client.query<{ purchase_order_number: string }>(
      `SELECT DISTINCT purchase_order_number FROM ${this.database.table('shipment_lines')} WHERE shipment_id = $1`,
      [snapshot.header.shipmentId],
    );
    await lockPurchaseOrders(client, [
      ...snapshot.lines.map((line) => line.purchaseOrderNumber),
      ...stored.rows.map((row) => row.purchase_order_number),
    ]);
  }

  private async applyLines(
    client: PoolClient,
    snapshot: ShipmentSnapshot,
    headerOutcome: VersionOutcome,
    context: EventContext,
    changes: ChangeRow[],
    base: Pick<ChangeRow, 'orderId' | 'lineId' | 'shipmentId' | 'eventId' | 'eventName'>,
  ): Promise<ShipmentApplyOutcome['lines']> {
    const shipmentId = snapshot.header.shipmentId;
    const result = { created: 0, updated: 0, unchanged: 0, stale: [] as string[], removed: 0 };
    const stored = await client.query<{ k: string; last_updated_at: Date; line: string; removed_at: Date | null }>(
      `SELECT despatch_advice_number || chr(31) || despatch_advice_line_position AS k, last_updated_at, line::text AS line, removed_at
         FROM ${this.database.table('shipment_lines')} WHERE shipment_id = $1`,
      [shipmentId],
    );
    const byKey = new Map(stored.rows.map((row) => [row.k, row]));
    const incoming = new Map(snapshot.lines.map((line) => [lineKey(line), line]));
    const apply: ShipmentLineRow[] = [];
    for (const [key, line] of incoming) {
      const previous = byKey.get(key);
      let outcome = compareVersions(previous?.last_updated_at, line.lastUpdatedAt);
      // A line listed again after it was removed is back, even with the same timestamp.
      if (outcome === 'unchanged' && previous?.removed_at && headerOutcome === 'updated') outcome = 'updated';
      if (outcome === 'unchanged') result.unchanged++;
      else if (outcome === 'stale') result.stale.push(`${line.despatchAdviceNumber}/${line.despatchAdviceLinePosition}`);
      else {
        apply.push(line);
        result[outcome]++;
        changes.push({
          ...base,
          entity: 'shipment_line',
          changeType: outcome,
          previousLastUpdatedAt: previous?.last_updated_at.toISOString() ?? null,
          lastUpdatedAt: line.lastUpdatedAt,
          diff: previous ? jsonDiff(parseExact(previous.line), line.line, DIFF_IGNORED) : null,
        });
      }
    }
    // Lines of an older shipment version than the stored one are history: a line the newer
    // version no longer lists (unknown here, or marked removed) must not come back as live.
    if (apply.length) await this.writeLines(client, shipmentId, apply, context, headerOutcome !== 'stale');

    // Only a newer shipment version can say that a line is gone.
    if (headerOutcome === 'updated') {
      const gone = [...byKey.entries()].filter(([key, row]) => !incoming.has(key) && !row.removed_at);
      if (gone.length) {
        await client.query(
          `UPDATE ${this.database.table('shipment_lines')} SET removed_at = now(), updated_at = now(), last_event_id = $3
            WHERE shipment_id = $1 AND despatch_advice_number || chr(31) || despatch_advice_line_position = ANY($2::text[])`,
          [shipmentId, gone.map(([key]) => key), context.eventId],
        );
        result.removed = gone.length;
        for (const [, row] of gone) {
          changes.push({
            ...base,
            entity: 'shipment_line',
            changeType: 'updated',
            previousLastUpdatedAt: row.last_updated_at.toISOString(),
            lastUpdatedAt: snapshot.header.lastUpdatedAt,
            diff: { removed_at: { old: null, new: snapshot.header.lastUpdatedAt } },
          });
        }
      }
    }
    return result;
  }

  private async writeHeader(client: PoolClient, snapshot: ShipmentSnapshot, context: EventContext): Promise<void> {
    const { header } = snapshot;
    await client.query(
      `INSERT INTO ${this.database.table('shipments')} AS s
         (shipment_id, shipment_number, supplier_company_id, buyer_company_id, process_status, process_status_reason,
          transport_mode, last_updated_at, shipment, last_event_id, etd, atd, eta_start, eta_end, ata,
          departure_location_id, destination_location_id, bill_of_lading_number, tracking_number,
          carrier_shipment_number, invoice_numbers)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
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
      [
        header.shipmentId,
        header.shipmentNumber,
        header.supplierCompanyId,
        header.buyerCompanyId,
        header.processStatus,
        header.processStatusReason,
        header.transportMode,
        header.lastUpdatedAt,
        stringifyExact(header.shipment),
        context.eventId,
        header.etd,
        header.atd,
        header.etaStart,
        header.etaEnd,
        header.ata,
        header.departureLocationId,
        header.destinationLocationId,
        header.billOfLadingNumber,
        header.trackingNumber,
        header.carrierShipmentNumber,
        header.invoiceNumbers,
      ],
    );
  }

  /** `live`: the lines belong to the newest shipment version known (not removed); otherwise they keep (or get) `removed_at`. */
  private async writeLines(client: PoolClient, shipmentId: string, lines: ShipmentLineRow[], context: EventContext, live: boolean): Promise<void> {
    const rows = lines.map((line) => ({
      despatch_advice_number: line.despatchAdviceNumber,
      despatch_advice_line_position: line.despatchAdviceLinePosition,
      purchase_order_number: line.purchaseOrderNumber,
      purchase_order_line_position: line.purchaseOrderLinePosition,
      delivery_schedule_position: line.deliverySchedulePosition,
      item_number: line.itemNumber,
      despatch_quantity: line.despatchQuantity,
      backorder_quantity: line.backorderQuantity,
      container_number: line.containerNumber,
      package_sscc: line.packageSscc,
      container_size_and_type: line.containerSizeAndType,
      package_type: line.packageType,
      last_updated_at: line.lastUpdatedAt,
      line: line.line,
    }));
    await client.query(
      `INSERT INTO ${this.database.table('shipment_lines')} AS l
         (shipment_id, despatch_advice_number, despatch_advice_line_position, purchase_order_number,
          purchase_order_line_position, delivery_schedule_position, item_number, despatch_quantity, backorder_quantity,
          container_number, package_sscc, last_updated_at, line, last_event_id, removed_at,
          container_size_and_type, package_type)
       SELECT $1, x.despatch_advice_number, x.despatch_advice_line_position, x.purchase_order_number,
              x.purchase_order_line_position, x.delivery_schedule_position, x.item_number, x.despatch_quantity,
              x.backorder_quantity, x.container_number, x.package_sscc, x.last_updated_at, x.line, $3,
              CASE WHEN $4::boolean THEN NULL ELSE now() END, x.container_size_and_type, x.package_type
         FROM jsonb_to_recordset($2::jsonb) AS x(
              despatch_advice_number text, despatch_advice_line_position text, purchase_order_number text,
              purchase_order_line_position text, delivery_schedule_position text, item_number text,
              despatch_quantity numeric, backorder_quantity numeric, container_number text, package_sscc text,
              last_updated_at timestamptz, line jsonb, container_size_and_type text, package_type text)
       ON CONFLICT (shipment_id, despatch_advice_number, despatch_advice_line_position) DO UPDATE SET
         purchase_order_number = EXCLUDED.purchase_order_number,
         purchase_order_line_position = EXCLUDED.purchase_order_line_position,
         delivery_schedule_position = EXCLUDED.delivery_schedule_position, item_number = EXCLUDED.item_number,
         despatch_quantity = EXCLUDED.despatch_quantity, backorder_quantity = EXCLUDED.backorder_quantity,
         container_number = EXCLUDED.container_number, package_sscc = EXCLUDED.package_sscc,
         container_size_and_type = EXCLUDED.container_size_and_type, package_type = EXCLUDED.package_type,
         last_updated_at = EXCLUDED.last_updated_at, line = EXCLUDED.line,
         removed_at = CASE WHEN $4::boolean THEN NULL ELSE l.removed_at END,
         order_id = CASE WHEN l.purchase_order_number = EXCLUDED.purchase_order_number
                          AND l.purchase_order_line_position = EXCLUDED.purchase_order_line_position THEN l.order_id END,
         line_id = CASE WHEN l.purchase_order_number = EXCLUDED.purchase_order_number
                         AND l.purchase_order_line_position = EXCLUDED.purchase_order_line_position THEN l.line_id END,
         last_event_id = EXCLUDED.last_event_id, updated_at = now()
       WHERE l.last_updated_at <= EXCLUDED.last_updated_at`,
      [shipmentId, stringifyExact(rows), context.eventId, live],
    );
  }

  /** Links this shipment's unlinked lines to order lines already stored. */
  private async linkOrderLines(client: PoolClient, shipmentId: string, buyerCompanyId: string | null): Promise<void> {
    await client.query(
      `UPDATE ${this.database.table('shipment_lines')} sl
          SET order_id = o.order_id, line_id = l.line_id
         FROM ${this.database.table('orders')} o
         JOIN ${this.database.table('order_lines')} l ON l.order_id = o.order_id
        WHERE sl.shipment_id = $1 AND sl.order_id IS NULL
          AND o.purchase_order_number = sl.purchase_order_number
          AND ($2::uuid IS NULL OR o.buyer_company_id = $2::uuid)
          AND l.position = sl.purchase_order_line_position`,
      [shipmentId, buyerCompanyId],
    );
  }
}

/** The shipment diff without per-line entries: line changes have change rows of their own. */
function withoutLineArrays(diff: JsonDiff): JsonDiff {
  return Object.fromEntries(Object.entries(diff).filter(([path]) => !/^(lines|loadCarriers\[\d+\]\.lines)\[/.test(path)));
}
