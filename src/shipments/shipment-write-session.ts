import type { PoolClient } from 'pg';
import { ChangeLog, ChangeRecorder, ChangeRow, EventContext } from '../changes/change-recorder';
import { jsonDiff } from '../changes/json-diff';
import { parseExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import type { BatchSession } from '../processing/event-applier';
import { compareVersions, VersionOutcome } from '../processing/versions';
import { ShipmentSnapshot } from './shipment-snapshot.mapper';
import { linkShipmentsToOrderLines, ShipmentHeaderWrite, ShipmentLineWrite, ShipmentLineRemoval, writeShipmentHeaders, writeShipmentLines, removeShipmentLines } from './shipment-table-writes';

const DIFF_IGNORED = ['meta'];

export interface ShipmentApplyOutcome {
  shipmentId: string;
  header: VersionOutcome;
  lines: { created: number; updated: number; unchanged: number; stale: string[]; removed: number };
  documentsAdded: number;
}

/** A stored version: its `lastUpdatedAt` and its JSON (text as read, parsed when a diff needs it). */
interface StoredVersion {
  lastUpdatedAt: Date;
  json: string | Record<string, unknown>;
}

interface StoredLine extends StoredVersion {
  removed: boolean;
}

/** What the flush writes for one shipment line: its newest data, its `removed_at`, and the last event that touched it. */
interface PendingLine {
  data?: ShipmentLineWrite;
  /** `stored`: left as it is; `null`: cleared (listed by the newest version); `now`: set (removed, or history of an older version). */
  removedAt: 'stored' | 'null' | 'now';
  lastEventId: string | null;
}

/** The key of a shipment line within its shipment. */
export const shipmentLineKey = (line: { despatchAdviceNumber: string; despatchAdviceLinePosition: string }) =>
  `${line.despatchAdviceNumber}\u001f${line.despatchAdviceLinePosition}`;

/**
 * Applies shipment snapshots of one transaction with the `lastUpdatedAt` rule (shipment
 * `meta.lastUpdatedAt`, each line's `meta.lastUpdatedAt`), writing each table once (set-based) at
 * `flush()`. Versions are resolved in memory against what is stored (read once, by `preload`) and
 * against what earlier snapshots of the same session applied, so N events of one batch give the
 * rows and `changes` of N events applied one at a time.
 *
 * A shipment always carries all its lines: when a newer version no longer lists a line, the line is
 * marked `removed_at` (kept for history); lines of a version older than the stored one are history
 * and never come back as live. Shipment lines are linked to the order line they deliver (purchase
 * order number and line position) at the flush. Callers hold the shipment and purchase-order locks.
 *
 * One difference with one-at-a-time processing, on purpose: unlinked lines are linked once per
 * flush, with the buyer company of the shipment's last applied version (one at a time, each version
 * links with its own; a shipment's buyer never changes in practice).
 */
export class ShipmentWriteSession implements BatchSession {
  /** Per shipment, its stored version (read without its top-level `lines`: see `isLineArray`), then as applied by this session. */
  private readonly headers = new Map<string, StoredVersion | null>();
  /** Per shipment, its lines by key, as stored and then as applied by this session. */
  private readonly lines = new Map<string, Map<string, StoredLine>>();
  private readonly planned: ShipmentSnapshot[] = [];

  private readonly headerWrites = new Map<string, ShipmentHeaderWrite>();
  private readonly pendingLines = new Map<string, Map<string, PendingLine>>();
  private readonly linkBuyers = new Map<string, string | null>();
  private readonly documentWrites: Array<{ snapshot: ShipmentSnapshot; context: EventContext; changes: ChangeRow[]; outcome: ShipmentApplyOutcome }> = [];

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
  plan(snapshot: ShipmentSnapshot): void {
    this.planned.push(snapshot);
  }

  async preload(): Promise<void> {
    const ids = [...new Set(this.planned.splice(0).map((snapshot) => snapshot.header.shipmentId))].filter((id) => !this.headers.has(id));
    if (!ids.length) return;
    const headers = await this.client.query<{ shipment_id: string; last_updated_at: Date; shipment: string }>(
      `SELECT shipment_id, last_updated_at, (shipment - 'lines')::text AS shipment FROM ${this.database.table('shipments')} WHERE shipment_id = ANY($1::text[])`,
      [ids],
    );
    // A primary-key lookup per shipment, whatever the table's statistics say (see `storedPurchaseOrders`).
    const lines = await this.client.query<{ shipment_id: string; k: string; last_updated_at: Date; line: string; removed: boolean }>(
      `SELECT l.shipment_id, l.despatch_advice_number || chr(31) || l.despatch_advice_line_position AS k, l.last_updated_at,
              l.line::text AS line, l.removed_at IS NOT NULL AS removed
         FROM unnest($1::text[]) AS s(shipment_id)
        CROSS JOIN LATERAL (SELECT * FROM ${this.database.table('shipment_lines')} x WHERE x.shipment_id = s.shipment_id OFFSET 0) l`,
      [ids],
    );
    for (const id of ids) {
      this.headers.set(id, null);
      this.lines.set(id, new Map());
    }
    for (const row of headers.rows) this.headers.set(row.shipment_id, { lastUpdatedAt: row.last_updated_at, json: row.shipment });
    for (const row of lines.rows) this.lines.get(row.shipment_id)!.set(row.k, { lastUpdatedAt: row.last_updated_at, json: row.line, removed: row.removed });
  }

  /**
   * Applies one snapshot: resolves its versions and queues its rows and change rows for the flush
   * (documents are added at the flush, in event order, completing the outcome). Reads what
   * `preload` did not (a snapshot applied without a plan).
   */
  async apply(snapshot: ShipmentSnapshot, context: EventContext): Promise<ShipmentApplyOutcome> {
    const { header } = snapshot;
    const shipmentId = header.shipmentId;
    if (!this.headers.has(shipmentId)) {
      this.plan(snapshot);
      await this.preload();
    }
    const changes: ChangeRow[] = [];
    const base = { orderId: null, lineId: null, shipmentId, eventId: context.eventId, eventName: context.eventName };

    const previous = this.headers.get(shipmentId) ?? undefined;
    const headerOutcome = compareVersions(previous?.lastUpdatedAt, header.lastUpdatedAt);
    if (headerOutcome === 'created' || headerOutcome === 'updated') {
      const diff = previous ? jsonDiff(parsed(previous), header.shipment, DIFF_IGNORED, isLineArray) : null;
      changes.push({
        ...base,
        entity: 'shipment',
        changeType: headerOutcome,
        previousLastUpdatedAt: previous?.lastUpdatedAt.toISOString() ?? null,
        lastUpdatedAt: header.lastUpdatedAt,
        diff,
      });
      this.headers.set(shipmentId, { lastUpdatedAt: new Date(header.lastUpdatedAt), json: header.shipment });
      this.headerWrites.set(shipmentId, { header, eventId: context.eventId, source: snapshot.source });
    }

    const lines = this.applyLines(snapshot, headerOutcome, context, changes, base);
    this.linkBuyers.set(shipmentId, header.buyerCompanyId);
    this.log.add(changes);
    const outcome: ShipmentApplyOutcome = { shipmentId, header: headerOutcome, lines, documentsAdded: 0 };
    if (snapshot.documents.length) this.documentWrites.push({ snapshot, context, changes, outcome });
    return outcome;
  }

  private applyLines(
    snapshot: ShipmentSnapshot,
    headerOutcome: VersionOutcome,
    context: EventContext,
    changes: ChangeRow[],
    base: Pick<ChangeRow, 'orderId' | 'lineId' | 'shipmentId' | 'eventId' | 'eventName'>,
  ): ShipmentApplyOutcome['lines'] {
    const shipmentId = snapshot.header.shipmentId;
    const stored = this.lines.get(shipmentId)!;
    const result = { created: 0, updated: 0, unchanged: 0, stale: [] as string[], removed: 0 };
    // Lines of an older shipment version than the stored one are history: a line the newer
    // version no longer lists (unknown here, or marked removed) must not come back as live.
    const live = headerOutcome !== 'stale';
    const incoming = new Map(snapshot.lines.map((line) => [shipmentLineKey(line), line]));
    const gone = headerOutcome === 'updated' ? [...stored.entries()].filter(([key, row]) => !incoming.has(key) && !row.removed) : [];
    for (const [key, line] of incoming) {
      const previous = stored.get(key);
      let outcome = compareVersions(previous?.lastUpdatedAt, line.lastUpdatedAt);
      // A line listed again after it was removed is back, even with the same timestamp.
      if (outcome === 'unchanged' && previous?.removed && headerOutcome === 'updated') outcome = 'updated';
      if (outcome === 'unchanged') result.unchanged++;
      else if (outcome === 'stale') result.stale.push(`${line.despatchAdviceNumber}/${line.despatchAdviceLinePosition}`);
      else {
        result[outcome]++;
        changes.push({
          ...base,
          entity: 'shipment_line',
          changeType: outcome,
          previousLastUpdatedAt: previous?.lastUpdatedAt.toISOString() ?? null,
          lastUpdatedAt: line.lastUpdatedAt,
          diff: previous ? jsonDiff(parsed(previous), line.line, DIFF_IGNORED) : null,
        });
        const pending = this.pendingLine(shipmentId, key);
        // A live line is not removed; history keeps a stored row's `removed_at` and is removed when new.
        const removed = live ? false : previous ? previous.removed : true;
        if (live) pending.removedAt = 'null';
        else if (!previous) pending.removedAt = 'now';
        pending.data = { shipmentId, line, source: snapshot.source && line.path ? { ...snapshot.source, path: line.path } : undefined };
        pending.lastEventId = context.eventId;
        stored.set(key, { lastUpdatedAt: new Date(line.lastUpdatedAt), json: line.line, removed });
      }
    }
    // Only a newer shipment version can say that a line is gone.
    for (const [key, row] of gone) {
      const pending = this.pendingLine(shipmentId, key);
      pending.removedAt = 'now';
      pending.lastEventId = context.eventId;
      row.removed = true;
      result.removed++;
      changes.push({
        ...base,
        entity: 'shipment_line',
        changeType: 'updated',
        previousLastUpdatedAt: row.lastUpdatedAt.toISOString(),
        lastUpdatedAt: snapshot.header.lastUpdatedAt,
        diff: { removed_at: { old: null, new: snapshot.header.lastUpdatedAt } },
      });
    }
    return result;
  }

  private pendingLine(shipmentId: string, key: string): PendingLine {
    let lines = this.pendingLines.get(shipmentId);
    if (!lines) this.pendingLines.set(shipmentId, (lines = new Map()));
    let pending = lines.get(key);
    if (!pending) lines.set(key, (pending = { removedAt: 'stored', lastEventId: null }));
    return pending;
  }

  /** Writes what was applied since the last flush, then links unlinked lines of the session's shipments. */
  async flush(): Promise<void> {
    const headerWrites = [...this.headerWrites.values()];
    const lineWrites: Array<ShipmentLineWrite & { removedAt: 'stored' | 'null' | 'now'; eventId: string | null }> = [];
    const removals: ShipmentLineRemoval[] = [];
    for (const [shipmentId, lines] of this.pendingLines) {
      for (const [key, pending] of lines) {
        if (pending.data) lineWrites.push({ ...pending.data, removedAt: pending.removedAt, eventId: pending.lastEventId });
        else removals.push({ shipmentId, key, eventId: pending.lastEventId });
      }
    }
    const documentWrites = this.documentWrites.splice(0);
    const linkBuyers = new Map(this.linkBuyers);
    this.headerWrites.clear();
    this.pendingLines.clear();
    this.linkBuyers.clear();

    if (headerWrites.length) await writeShipmentHeaders(this.client, this.database, headerWrites);
    if (lineWrites.length) await writeShipmentLines(this.client, this.database, lineWrites);
    if (removals.length) await removeShipmentLines(this.client, this.database, removals);
    // Documents in event order: a newer version of a reference refreshes what an older one wrote.
    for (const write of documentWrites) {
      const added = await this.documents.addShipmentDocuments(this.client, write.snapshot.header.shipmentId, write.snapshot.documents, write.context);
      write.outcome.documentsAdded = added.length;
      write.changes.push(...added.map((document) => this.changes.documentAdded(null, document, write.context, write.snapshot.header.shipmentId)));
    }
    if (this.ownsLog) await this.log.flush();
    if (linkBuyers.size) await linkShipmentsToOrderLines(this.client, this.database, linkBuyers);
  }
}

function parsed(version: StoredVersion): Record<string, unknown> {
  if (typeof version.json === 'string') version.json = parseExact(version.json) as Record<string, unknown>;
  return version.json;
}

/**
 * The line arrays of a shipment (`lines`, `loadCarriers[i].lines`): each line has change rows of
 * its own, so the shipment's diff leaves them out (and the stored shipment is read without its
 * top-level `lines`, which only this diff would have parsed).
 */
function isLineArray(path: ReadonlyArray<string | number>): boolean {
  return (path.length === 1 && path[0] === 'lines') || (path.length === 3 && path[0] === 'loadCarriers' && typeof path[1] === 'number' && path[2] === 'lines');
}
