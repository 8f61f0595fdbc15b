import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { ShipmentStore } from '../shipments/shipment.store';
import { ApplyResult, BatchScope, DeferredResult, EventWriter, settledResult } from './event-applier';
import { lockEntities } from './entity-locks';

/**
 * Writes several events' writers in one transaction: the locks of all of them first (one global
 * order), then each writer in the given order through one batch scope. Used by the event
 * processor (a claimed batch) and by reconciliation (a page of polled entities).
 */
@Injectable()
export class BatchWriter {
  constructor(private readonly shipments: ShipmentStore) {}

  /**
   * Takes every lock the writers need: orders and shipments first; the purchase orders of stored
   * shipment lines are only known once those shipments are locked, and purchase-order locks come
   * after all of them.
   */
  async lock(client: PoolClient, writers: EventWriter[]): Promise<void> {
    const orders = writers.flatMap((writer) => writer.locks.orders ?? []);
    const shipments = [...new Set(writers.flatMap((writer) => writer.locks.shipments ?? []))];
    await lockEntities(client, { orders, shipments });
    const purchaseOrders = writers.flatMap((writer) => writer.locks.purchaseOrders ?? []);
    purchaseOrders.push(...(await this.shipments.storedPurchaseOrders(client, shipments)));
    await lockEntities(client, { purchaseOrders });
  }

  /**
   * Runs the writers in order (their locks held): writers with a plan resolve their versions in
   * the scope's sessions, which write each table once (preloaded in a few statements, flushed at
   * the end); a writer that writes on its own runs after a flush, so that it sees every earlier
   * writer's rows. Throws on the first failure (the caller rolls back).
   */
  async write(client: PoolClient, writers: EventWriter[]): Promise<ApplyResult[]> {
    const scope = new BatchScope(client);
    for (const writer of writers) writer.plan?.(scope);
    await scope.preload();
    const results: Array<ApplyResult | DeferredResult> = [];
    for (const writer of writers) {
      if (!writer.plan) await scope.flush();
      results.push(await writer(client, writer.plan ? scope : undefined));
    }
    await scope.flush();
    return results.map(settledResult);
  }
}
