import { expect } from 'vitest';
import { ReconcilePassService } from '../../src/reconcile';
import type { ReconcilePassResult } from '../../src/reconcile';
import type { ReconcileKind } from '../../src/reconcile';
import type { RunningReceiver } from '../support/receiver-fixture';
import { buildOrder, buildShipment, stableUuid, TradecloudSimulator } from '../support/tradecloud-simulator';

/** Orders `first`…`first+count-1` of a family, `lineCount` lines each, `lastUpdatedAt` from `baseMs`, `stepMs` apart. */
export function seedOrders(simulator: TradecloudSimulator, family: string, count: number, baseMs: number, lineCount = 3, first = 0, stepMs = 1): string[] {
  const ids: string[] = [];
  for (let i = first; i < first + count; i++) {
    const orderId = stableUuid('reconcile-order', family, i);
    simulator.orders.set(orderId, buildOrder({ orderId, seed: i + 1, lineCount, lastUpdatedAt: new Date(baseMs + i * stepMs).toISOString() }));
    ids.push(orderId);
  }
  return ids;
}

export function seedShipments(simulator: TradecloudSimulator, family: string, count: number, baseMs: number, lineCount = 2): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const shipmentNumber = `SHP-${family}-${i}`;
    const shipment = buildShipment({ seed: i + 1, shipmentNumber, lineCount, lastUpdatedAt: new Date(baseMs + i).toISOString(), purchaseOrderNumber: `PO-${family}-${i}` });
    simulator.shipments.set(shipment.id as string, shipment);
    ids.push(shipment.id as string);
  }
  return ids;
}

export function passes(receiver: RunningReceiver): ReconcilePassService {
  return receiver.app!.get(ReconcilePassService, { strict: false });
}

export async function cursorOf(receiver: RunningReceiver, kind: ReconcileKind): Promise<string | null> {
  const { rows } = await receiver.sql.query(`SELECT cursor FROM "${receiver.schema}".reconcile_state WHERE kind = $1`, [kind]);
  return rows[0]?.cursor ?? null;
}

/** The most requests that arrived within any one second (sliding window), from their arrival times in milliseconds. */
export function busiestSecond(arrivals: number[]): number {
  const times = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Asserts a pass succeeded, showing its error otherwise. */
export function expectSuccess(result: ReconcilePassResult): void {
  expect({ outcome: result.outcome, error: result.error?.message }).toEqual({ outcome: 'success', error: undefined });
}
