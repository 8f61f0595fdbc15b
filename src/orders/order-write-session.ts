import type { PoolClient } from 'pg';
import { ChangeLog, ChangeRecorder, ChangeRow, EventContext } from '../changes/change-recorder';
import { jsonDiff } from '../changes/json-diff';
import { parseExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import type { BatchSession } from '../processing/event-applier';
import { compareVersions, VersionOutcome } from '../processing/versions';
import { lineDiff, sameDeliveryRows } from './order-line-diff';
import { linkShipmentLines, writeOrderHeaders } from './order-table-writes';
import { LineWrite, writeOrderLines } from './order-line-writes';
import { OrderHeaderRow, OrderSnapshot } from './order-snapshot.mapper';

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
  private readonly lineWrites = new Map<string, LineWrite>();
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

  /** The batch's change log (recorded by the batch), or this session's own (recorded at its flush). */
  private readonly log: ChangeLog;
  private readonly ownsLog: boolean;

  constructor(
    private readonly client: PoolClient,
    private readonly database: TradecloudDatabase,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
    log?: ChangeLog,
  ) {
    ({ log: this.log, owned: this.ownsLog } = ChangeLog.sharedOrOwn(client, changes, log));
  }

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
    const byId = new Map(snapshot.lines.map((line, index) => [line.lineId, { line, index }]));
    for (const { line, index } of byId.values()) {
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
        // The rows stored are those of the stored version, unless an earlier event of this session
        // replaced them (its write, not flushed yet, is the one this write takes the place of).
        const pending = this.lineWrites.get(key);
        const rowsStored = !!stored && (!pending || !!pending.rowsStored) && sameDeliveryRows(parsed(stored), line);
        this.lines.set(key, { lastUpdatedAt: new Date(line.lastUpdatedAt), json: line.line });
        const source = snapshot.source && { ...snapshot.source, index, lineCount: snapshot.lines.length };
        this.lineWrites.set(key, { orderId, line, eventId: context.eventId, source, rowsStored });
      }
    }

    const place = this.applied++;
    const headerWritten = headerOutcome === 'created' || headerOutcome === 'updated';
    if (headerWritten || lines.created.length || lines.updated.length) this.touch(orderId, place, context, headerWritten);
    if (lines.created.length) this.linkOrders.set(orderId, header.purchaseOrderNumber);
    this.log.add(changes);
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
    this.headerWrites.clear();
    this.lineWrites.clear();
    this.lastEvent.clear();
    this.linkOrders.clear();

    if (headerWrites.length) await writeOrderHeaders(this.client, this.database, headerWrites, lastEvent);
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
    if (lineWrites.length) await writeOrderLines(this.client, this.database, lineWrites);
    if (this.ownsLog) await this.log.flush();
    if (linkOrders.size) await linkShipmentLines(this.client, this.database, linkOrders);
  }

}

function parsed(version: StoredVersion): Record<string, unknown> {
  if (typeof version.json === 'string') version.json = parseExact(version.json) as Record<string, unknown>;
  return version.json;
}
