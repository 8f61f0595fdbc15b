import type { PoolClient } from 'pg';

/**
 * Advisory-lock namespaces (the first key of `pg_advisory_xact_lock(int, int)`). Every writer of an
 * order holds its order lock, every writer of a shipment its shipment lock; linking shipment lines
 * to order lines holds the purchase-order lock.
 */
export const LOCK_NAMESPACES = { order: 0x7443_0001, shipment: 0x7443_0002, purchaseOrder: 0x7443_0004 } as const;

/** What one event's write needs locked. */
export interface EntityLocks {
  orders?: string[];
  shipments?: string[];
  purchaseOrders?: string[];
}

/**
 * Takes the locks in the one global order every transaction follows: all order locks, then all
 * shipment locks, then all purchase-order locks, each kind sorted (JavaScript's string order, the
 * same everywhere). A transaction that takes its locks this way (all of them up front, or one
 * entity at a time in this order) never waits on another in a cycle. One statement: the keys are
 * locked in the array's order (`WITH ORDINALITY`, a materialised CTE).
 */
export async function lockEntities(client: PoolClient, locks: EntityLocks): Promise<void> {
  const namespaces: number[] = [];
  const keys: string[] = [];
  const add = (namespace: number, values: string[] | undefined) => {
    for (const key of [...new Set(values ?? [])].sort()) {
      namespaces.push(namespace);
      keys.push(key);
    }
  };
  add(LOCK_NAMESPACES.order, locks.orders);
  add(LOCK_NAMESPACES.shipment, locks.shipments);
  add(LOCK_NAMESPACES.purchaseOrder, locks.purchaseOrders);
  if (!keys.length) return;
  if (keys.length === 1) {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [namespaces[0], keys[0]]);
    return;
  }
  await client.query(
    `WITH k AS MATERIALIZED (SELECT ns, key, n FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS u(ns, key, n) ORDER BY n)
     SELECT count(pg_advisory_xact_lock(ns, hashtext(key))) FROM k`,
    [namespaces, keys],
  );
}

/** Takes the purchase-order locks in the fixed order. */
export function lockPurchaseOrders(client: PoolClient, purchaseOrderNumbers: string[]): Promise<void> {
  return lockEntities(client, { purchaseOrders: purchaseOrderNumbers });
}

export function lockOrder(client: PoolClient, orderId: string): Promise<void> {
  return lockEntities(client, { orders: [orderId] });
}

export function lockShipment(client: PoolClient, shipmentId: string): Promise<void> {
  return lockEntities(client, { shipments: [shipmentId] });
}
