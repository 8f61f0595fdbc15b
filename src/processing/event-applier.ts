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
 * Work the writers of one batch share: sessions that resolve versions in memory and write every
 * table once for the whole batch (set-based), at `flush()`. The processor flushes before any
 * writer that writes on its own (so that it sees every earlier event's rows) and at the end.
 */
export interface BatchSession {
  /** Reads, in a few statements, the stored state of everything the batch's writers planned. */
  preload(): Promise<void>;
  /** Writes what the session's writers applied since the last flush. */
  flush(): Promise<void>;
  /** Flushed after every other session (a log of what the others wrote). */
  readonly flushesLast?: boolean;
}

export class BatchScope {
  private readonly sessions = new Map<string, BatchSession>();

  constructor(readonly client: PoolClient) {}

  /** The batch's session of this kind, created on first use. */
  session<T extends BatchSession>(kind: string, create: (client: PoolClient) => T): T {
    let session = this.sessions.get(kind);
    if (!session) this.sessions.set(kind, (session = create(this.client)));
    return session as T;
  }

  async preload(): Promise<void> {
    for (const session of this.sessions.values()) await session.preload();
  }

  async flush(): Promise<void> {
    for (const session of this.sessions.values()) if (!session.flushesLast) await session.flush();
    for (const session of this.sessions.values()) if (session.flushesLast) await session.flush();
  }
}

/** The result of a write through a batch session: complete once the session has flushed. */
export interface DeferredResult {
  afterFlush: () => ApplyResult;
}

type WriteFunction = (client: PoolClient, scope?: BatchScope) => Promise<ApplyResult | DeferredResult>;

/** The result of a writer, once everything it wrote is flushed. */
export function settledResult(result: ApplyResult | DeferredResult): ApplyResult {
  return 'afterFlush' in result ? result.afterFlush() : result;
}

/**
 * Writes the event's data; runs inside the processing transaction, which also records the event's
 * status. `locks` names every entity the write may lock: a batch takes all of them up front, in
 * the global lock order, before its first write (see `lockEntities`).
 *
 * A writer with `plan` writes through a batch session when given a scope: `plan(scope)` runs
 * before the batch's preload (it tells the session what to read), and the writer's own rows reach
 * the database at the session's flush. Without a scope (an event applied on its own) it writes at once.
 */
export type EventWriter = WriteFunction & { locks: EntityLocks; plan?: (scope: BatchScope) => void };

/** An {@link EventWriter} from a write function and the locks it needs. */
export function eventWriter(locks: EntityLocks, write: WriteFunction, plan?: (scope: BatchScope) => void): EventWriter {
  return Object.assign(write, { locks, plan });
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
