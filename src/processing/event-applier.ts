import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { EntityLocks } from './entity-locks';

/** A stored webhook event, as processing sees it. */
export interface StoredEvent {
  id: string;
  endpoint: string;
  payloadKind: string;
  eventName: string | null;
  entityId: string | null;
  /** Parsed with exact numbers (`parseExact`). */
  body: Record<string, unknown>;
  receivedAt: Date;
}

export interface ApplyResult {
  /** True when the event was older than what is stored for something it carried. */
  stale: boolean;
  /** What was applied and skipped, kept in `webhook_events.outcome`. */
  outcome: Record<string, unknown>;
  /**
   * For an event that only named what to fetch (GET webhooks, polling): the fetched order or
   * shipment as exact JSON text (`webhook_events.fetched_body`, read by `order_as_at`), and its
   * business number.
   */
  fetched?: { body: string; purchaseOrderNumber?: string | null; shipmentNumber?: string | null };
}

/**
 * Writes the event's data; runs inside the processing transaction, which also records the event's
 * status. `locks` names every entity the write may lock: a batch takes all of them up front, in
 * the global lock order, before its first write (see `lockEntities`).
 */
export type EventWriter = ((client: PoolClient) => Promise<ApplyResult>) & { locks: EntityLocks };

/** An {@link EventWriter} from a write function and the locks it needs. */
export function eventWriter(locks: EntityLocks, write: (client: PoolClient) => Promise<ApplyResult>): EventWriter {
  return Object.assign(write, { locks });
}

/**
 * Turns one kind of stored event into rows. `prepare` may do slow work outside any transaction
 * (fetching an order from the Tradecloud API); the writer it returns runs in the transaction.
 */
export interface EventApplier {
  readonly payloadKinds: readonly string[];
  prepare(event: StoredEvent): Promise<EventWriter>;
}

/** Where feature modules register their appliers (at module init). */
@Injectable()
export class EventApplierRegistry {
  private readonly appliers = new Map<string, EventApplier>();

  register(applier: EventApplier): void {
    for (const kind of applier.payloadKinds) this.appliers.set(kind, applier);
  }

  get(payloadKind: string): EventApplier | undefined {
    return this.appliers.get(payloadKind);
  }
}
