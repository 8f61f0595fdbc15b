import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ChangeLog, ChangeRecorder, EventContext } from '../changes/change-recorder';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import { EntityLocks, lockEntities } from '../processing/entity-locks';
import type { BatchScope } from '../processing/event-applier';
import { snapshotWriter } from '../processing/snapshot-writer';
import { ShipmentSnapshot } from './shipment-snapshot.mapper';
import { ShipmentApplyOutcome, ShipmentWriteSession } from './shipment-write-session';

export type { ShipmentApplyOutcome } from './shipment-write-session';

const SHIPMENT_SESSION = 'shipments';

/**
 * Writes shipment snapshots with the `lastUpdatedAt` rule (see {@link ShipmentWriteSession}): one
 * snapshot in its own transaction (`applySnapshot`), or many in one batch through a session that
 * resolves versions in memory and writes every table once. Writers hold the shipment lock and the
 * purchase-order locks of every line they may write (see {@link locksOf}).
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
    // One primary-key lookup per shipment. As `shipment_id = ANY(…)` with DISTINCT, the planner
    // took a parallel sequential scan of the whole table whenever its statistics were missing or
    // stale (autovacuum had not analysed the table yet while a drain updated every line ten
    // times): 52 ms a batch, a third of PostgreSQL's statement time in the shipment drain. The
    // LATERAL subquery (OFFSET 0 keeps it a subquery) leaves it no other plan.
    const stored = await client.query<{ purchase_order_number: string }>(
      `SELECT DISTINCT l.purchase_order_number
         FROM unnest($1::text[]) AS s(shipment_id)
        CROSS JOIN LATERAL (
              SELECT purchase_order_number FROM ${this.database.table('shipment_lines')} l
               WHERE l.shipment_id = s.shipment_id
              OFFSET 0) l`,
      [shipmentIds],
    );
    return stored.rows.map((row) => row.purchase_order_number);
  }

  /** A session for several snapshots in one transaction; the caller holds their locks and flushes it. */
  session(client: PoolClient, log?: ChangeLog): ShipmentWriteSession {
    return new ShipmentWriteSession(client, this.database, this.documents, this.changes, log);
  }

  /**
   * The writer of one snapshot: through the batch's shipment session when given a batch scope (the
   * batch holds the locks and flushes), else on its own with {@link applySnapshot}.
   */
  writer<T>(snapshot: ShipmentSnapshot, context: EventContext, result: (outcome: ShipmentApplyOutcome) => T) {
    return snapshotWriter({
      snapshot,
      context,
      locks: ShipmentStore.locksOf(snapshot),
      sessionOf: (scope) => this.sessionOf(scope),
      applyAlone: (client) => this.applySnapshot(client, snapshot, context),
      result,
    });
  }

  private sessionOf(scope: BatchScope): ShipmentWriteSession {
    return scope.session(SHIPMENT_SESSION, (client) => this.session(client, this.changes.log(scope)));
  }

  /**
   * Applies one snapshot in the caller's transaction. It takes the shipment lock, then the
   * purchase-order locks of every line it may write: the snapshot's, and those of the lines already
   * stored (a line the snapshot no longer lists is marked removed), before any row is written. An
   * order's transaction links shipment lines under its purchase-order lock; had this transaction
   * written lines of that purchase order first and asked for the lock afterwards, each would wait
   * for the other.
   */
  async applySnapshot(client: PoolClient, snapshot: ShipmentSnapshot, context: EventContext): Promise<ShipmentApplyOutcome> {
    await lockEntities(client, { shipments: [snapshot.header.shipmentId] });
    const stored = await this.storedPurchaseOrders(client, [snapshot.header.shipmentId]);
    await lockEntities(client, { purchaseOrders: [...ShipmentStore.locksOf(snapshot).purchaseOrders!, ...stored] });
    const session = this.session(client);
    const outcome = await session.apply(snapshot, context);
    await session.flush();
    return outcome;
  }
}
