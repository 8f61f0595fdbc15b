import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ChangeLog, ChangeRecorder, EventContext } from '../changes/change-recorder';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentStore } from '../documents/document.store';
import { EntityLocks, lockEntities } from '../processing/entity-locks';
import type { BatchScope } from '../processing/event-applier';
import { snapshotWriter } from '../processing/snapshot-writer';
import { OrderSnapshot } from './order-snapshot.mapper';
import { OrderApplyOutcome, OrderWriteSession } from './order-write-session';

export type { OrderApplyOutcome } from './order-write-session';

const ORDER_SESSION = 'orders';

/**
 * Writes order snapshots with the `lastUpdatedAt` rule (see {@link OrderWriteSession}): one
 * snapshot in its own transaction (`applySnapshot`), or many in one batch through a session that
 * resolves versions in memory and writes every table once.
 *
 * Every writer of an order holds its order lock (`pg_advisory_xact_lock`): two events of the same
 * order never interleave, events of different orders never wait on each other, and since locks are
 * always taken in one global order (`lockEntities`), never in a cycle.
 */
@Injectable()
export class OrderStore {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly documents: DocumentStore,
    private readonly changes: ChangeRecorder,
  ) {}

  /** The locks writing this snapshot takes: the order's, and its purchase order's (linking shipment lines). */
  static locksOf(snapshot: OrderSnapshot): EntityLocks {
    return { orders: [snapshot.header.orderId], purchaseOrders: [snapshot.header.purchaseOrderNumber] };
  }

  /** A session for several snapshots in one transaction; the caller holds their locks and flushes it. */
  session(client: PoolClient, log?: ChangeLog): OrderWriteSession {
    return new OrderWriteSession(client, this.database, this.documents, this.changes, log);
  }

  /**
   * The writer of one snapshot: through the batch's order session when given a batch scope (the
   * batch holds the locks and flushes), else on its own with {@link applySnapshot}.
   */
  writer<T>(snapshot: OrderSnapshot, context: EventContext, result: (outcome: OrderApplyOutcome) => T) {
    return snapshotWriter({
      snapshot,
      context,
      locks: OrderStore.locksOf(snapshot),
      sessionOf: (scope) => this.sessionOf(scope),
      applyAlone: (client) => this.applySnapshot(client, snapshot, context),
      result,
    });
  }

  private sessionOf(scope: BatchScope): OrderWriteSession {
    return scope.session(ORDER_SESSION, (client) => this.session(client, this.changes.log(scope)));
  }

  /** Applies one snapshot in the caller's transaction, taking its locks. */
  async applySnapshot(client: PoolClient, snapshot: OrderSnapshot, context: EventContext): Promise<OrderApplyOutcome> {
    await lockEntities(client, OrderStore.locksOf(snapshot));
    const session = this.session(client);
    const outcome = await session.apply(snapshot, context);
    await session.flush();
    return outcome;
  }

  async lockOrder(client: PoolClient, orderId: string): Promise<void> {
    await lockEntities(client, { orders: [orderId] });
  }

  /** `orders.last_event_id` names the last event that changed anything of the order (a line, a document), not only its header. */
  async touchOrder(client: PoolClient, orderId: string, context: EventContext): Promise<void> {
    if (context.eventId === null) return;
    await client.query(`UPDATE ${this.database.table('orders')} SET last_event_id = $2 WHERE order_id = $1`, [orderId, context.eventId]);
  }
}
