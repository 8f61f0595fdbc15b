import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolClient } from 'pg';
import { parseExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { EventProcessedEvent, PipelineEvents } from '../observability/pipeline-events';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { InboxSignal } from '../queue/inbox-signal';
import { ReceivedBodies } from '../queue/received-bodies';
import { TradecloudApiError } from '../tradecloud-api/tradecloud-api.error';
import { EventSettlement, settleEvents } from './event-settlement';
import { BatchWriter } from './batch-writer';
import { configureBatchTransaction } from './batch-transaction';
import { ApplyResult, EventApplierRegistry, EventWriter, StoredEvent } from './event-applier';

/** An event as the claim reads it (`body`: null when this instance's intake handed its text over). */
interface ClaimedRow {
  id: string;
  endpoint: string;
  payload_kind: string;
  event_name: string | null;
  entity_id: string | null;
  body: string | null;
  received_at: Date;
  retries: number;
  /** The body's length as stored (`body_size`, else its stored size), counted against `queue.batchBodyBytes`. */
  size: number;
  /** Within the body budget: claimed. Rows past it were locked by the claim but are left for a later one. */
  fits: boolean;
}

/** A claimed event with its writer, or with the reason it cannot be written. */
interface PreparedEvent {
  event: StoredEvent;
  retries: number;
  writer?: EventWriter;
  error?: unknown;
}

/** Most events per batch while webhook requests flood in (`InboxSignal.flooded`). */
const FLOOD_BATCH_SIZE = 4;

/**
 * While requests flood in, a loop rests after each batch three times as long as the batch took (at
 * most this long): the workers keep draining, with at most a quarter of their time, and intake has
 * the rest.
 */
const FLOOD_PAUSE_MAX_MS = 150;

/** Longest back-off between two attempts of one event. */
const MAX_RETRY_DELAY_SECONDS = 3_600;

/**
 * Processes stored webhook events. The inbox (`webhook_events`) is the queue: each worker loop
 * claims a batch of ready events (`pending`, or `failed` and due) in the order they became ready
 * (arrival order for new events) with
 * `FOR UPDATE SKIP LOCKED` inside the transaction that applies them, leaving for a later claim the
 * events of orders and shipments another loop of this instance is writing, so:
 *
 * - a batch's rows, its events' statuses and the claim commit together; a crash (or a lost
 *   connection) mid-batch rolls all of it back and releases the events to the next claim at once;
 * - every entity a batch writes is locked up front in the global lock order (`lockEntities`), so
 *   batches that share orders wait for each other but never deadlock, and events of one order
 *   within a batch are applied in arrival order against what the previous one wrote;
 * - when a write fails, the batch rolls back to its savepoint and writes its events one at a time
 *   (each in its own savepoint), so one bad event fails alone and the others are applied;
 * - a failed event is retried with exponential back-off (`available_at`), and is `dead` after the
 *   last attempt, or at once for an error no retry can fix.
 *
 * Processing commits without waiting for the WAL flush (see `configureBatchTransaction`): a commit
 * lost in a crash only means its events are claimed and applied again, which the `lastUpdatedAt`
 * guards make idempotent. Intake's commit stays synchronous, because its 2xx promises durability.
 */
@Injectable()
export class EventProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TradecloudProcessor');
  private readonly loops: Promise<void>[] = [];
  /**
   * Entities (`entity_id`: an order, a shipment) of the batches this instance is writing, with how
   * many batches hold each. A claim leaves their events for later: they would only wait for that
   * batch's locks (a burst of one order's events spans two batches), while the loop could be
   * applying other events meanwhile. Left for later, they are the oldest of the next claim.
   */
  private readonly entitiesInFlight = new Map<string, number>();
  /**
   * Body text held by this instance's unfinished batches (`queue.batchBodyBytes` bounds it). Claims
   * take turns (`claimTurn`), so that each one sees what the others took.
   */
  private bodyBytesHeld = 0;
  /** A claim left events for lack of body budget: the next batch to finish wakes the idle loops. */
  private budgetWaiting = false;
  private claimTurn: Promise<unknown> = Promise.resolve();
  private readonly stop = new AbortController();

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly inbox: InboxSignal,
    private readonly appliers: EventApplierRegistry,
    private readonly pipeline: PipelineEvents,
    private readonly batches: BatchWriter,
    private readonly received: ReceivedBodies,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  onApplicationBootstrap(): void {
    const { queue } = this.options;
    if (!queue.workers) return;
    this.received.enable();
    for (let i = 0; i < queue.concurrency; i++) this.loops.push(this.runLoop());
  }

  async beforeApplicationShutdown(): Promise<void> {
    // The running batches finish (bounded); unclaimed events stay for the next start.
    this.stop.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.loops), new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
    clearTimeout(timer);
  }

  /**
   * One worker loop. While there is a backlog the batch size doubles up to `queue.batchSize`; a
   * batch that finds fewer events than asked goes back to one, so that a trickle is shared between
   * the loops (low latency) and a backlog is worked in large batches (few statements per event).
   */
  private async runLoop(): Promise<void> {
    const { batchSize: maxBatch, pollingIntervalSeconds } = this.options.queue;
    let batchSize = 1;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      let claimed: number;
      // While webhook requests are being answered, a yield between batches; while they flood in,
      // small batches too: intake keeps the CPU it needs, and a request never waits long behind a
      // large batch's parsing and mapping (one event loop).
      const busy = this.inbox.busy;
      const limit = this.inbox.flooded ? Math.min(batchSize, FLOOD_BATCH_SIZE) : batchSize;
      const mark = this.inbox.mark;
      const started = performance.now();
      try {
        claimed = await this.processBatch(limit);
        failures = 0;
      } catch (error) {
        // The database is unreachable, or the batch's transaction broke: its events stay ready
        // (nothing was committed), and are claimed again after a pause.
        failures++;
        if (failures === 1 || failures % 20 === 0) this.logger.warn(`Cannot process events (will retry): ${(error as Error).message}`);
        await this.inbox.wait(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)), this.stop.signal);
        continue;
      }
      const took = performance.now() - started;
      this.inbox.batchApplied(claimed, took, this.options.queue.concurrency);
      batchSize = claimed === limit ? Math.min(maxBatch, batchSize * 2) : 1;
      // The flood's rest is a plain timer: intake's notifications must not end it (they end `inbox.wait`).
      if (!claimed) await this.inbox.wait(pollingIntervalSeconds * 1000, this.stop.signal, mark);
      else if (this.inbox.flooded) await sleep(Math.min(FLOOD_PAUSE_MAX_MS, 3 * took), undefined, { signal: this.stop.signal }).catch(() => undefined);
      else if (busy) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Claims up to `limit` ready events and applies them in one transaction; returns how many it
   * claimed. Exposed for tools that drain the inbox themselves (the CLI's `sync`, tests).
   */
  async processBatch(limit: number): Promise<number> {
    const started = Date.now();
    const held: string[] = [];
    let bodyBytes = 0;
    const settlements = await this.database
      .transaction(async (client) => {
        await configureBatchTransaction(client);
        const claim = await this.claimInTurn(client, limit);
        bodyBytes = claim.bodyBytes;
        const { events } = claim;
        if (!events.length) return [];
        for (const { event } of events) if (event.entityId !== null) held.push(event.entityId);
        this.hold(held, 1);
        const prepared = await Promise.all(events.map((event) => this.prepare(event)));
        const written = await this.write(client, prepared);
        await settleEvents(client, this.database.table('webhook_events'), written);
        return written;
      })
      .finally(() => {
        this.hold(held, -1);
        this.bodyBytesHeld -= bodyBytes;
        // Events a claim left for lack of budget can be claimed now: wake the loops waiting for work.
        if (bodyBytes && this.budgetWaiting) {
          this.budgetWaiting = false;
          this.inbox.notify();
        }
      });
    for (const settlement of settlements) this.report(settlement, started);
    return settlements.length;
  }

  /** Counts the entities of a batch in (`1`) or out (`-1`) of {@link entitiesInFlight}. */
  private hold(entityIds: string[], delta: 1 | -1): void {
    for (const id of entityIds) {
      const count = (this.entitiesInFlight.get(id) ?? 0) + delta;
      if (count > 0) this.entitiesInFlight.set(id, count);
      else this.entitiesInFlight.delete(id);
    }
  }

  /**
   * Claims up to `limit` ready events in order, as many as fit in the body budget the other loops'
   * unfinished batches leave (`queue.batchBodyBytes`; the first event whatever its size when no
   * batch holds bodies). Claims take turns, so that each sees what the others took; the claimed
   * bodies count as held until the batch ends (the caller gives them back).
   */
  private async claimInTurn(
    client: PoolClient,
    limit: number,
  ): Promise<{ events: Array<{ event: StoredEvent; retries: number }>; bodyBytes: number }> {
    const turn = this.claimTurn.then(async () => {
      const rows = await this.claim(client, limit, Math.max(0, this.options.queue.batchBodyBytes - this.bodyBytesHeld), this.bodyBytesHeld === 0);
      const fitting = rows.filter((row) => row.fits);
      const bodyBytes = fitting.reduce((sum, row) => sum + Number(row.size), 0);
      this.bodyBytesHeld += bodyBytes;
      // The next batch to finish wakes the loops that wait for these events (see processBatch).
      if (fitting.length < rows.length) this.budgetWaiting = true;
      return { fitting, bodyBytes };
    });
    this.claimTurn = turn.catch(() => undefined);
    const { fitting, bodyBytes } = await turn;
    let bodies: Map<string, Record<string, unknown>>;
    try {
      bodies = await this.bodiesOf(client, fitting);
    } catch (error) {
      this.bodyBytesHeld -= bodyBytes;
      throw error;
    }
    const events = fitting.map((row) => ({
      retries: row.retries,
      event: {
        id: String(row.id),
        endpoint: row.endpoint,
        payloadKind: row.payload_kind,
        eventName: row.event_name,
        entityId: row.entity_id,
        body: bodies.get(String(row.id))!,
        receivedAt: row.received_at,
      },
    }));
    return { events, bodyBytes };
  }

  /**
   * Locks up to `limit` ready events in order and reads the bodies of those that fit in `budget`
   * bytes of body (all of the first, however large, when `alone`). The rows past the budget are
   * locked too (a locking scan cannot sum as it goes): they come back with `fits` false and no
   * body, are left as they are, and are free again when this batch's transaction ends; other
   * instances skip them meanwhile, like any claimed row.
   */
  private async claim(client: PoolClient, limit: number, budget: number, alone: boolean): Promise<ClaimedRow[]> {
    const table = this.database.table('webhook_events');
    // Bodies intake of this instance just stored are not read back (`ReceivedBodies`).
    const { rows } = await client.query<ClaimedRow>(
      // The rows are locked first and their bodies read after: the projection of a locking scan
      // runs before the row is found locked, so reading `body::text` there would make every claim
      // that skips a large event (a 12 MB order in another loop's batch) convert its body anyway.
      `WITH claimed AS (
         SELECT id, available_at, COALESCE(body_size, pg_column_size(body)) AS size
           FROM ${table}
          WHERE status IN ('pending', 'failed') AND available_at <= now() AND body IS NOT NULL
            AND (entity_id IS NULL OR entity_id <> ALL($3::text[]))
          ORDER BY available_at, id
          LIMIT $1
            FOR UPDATE SKIP LOCKED),
       budgeted AS (
         SELECT id, available_at, size,
                sum(size) OVER (ORDER BY available_at, id) <= $4 OR (row_number() OVER (ORDER BY available_at, id) = 1 AND $5) AS fits
           FROM claimed)
       SELECT e.id, e.endpoint, e.payload_kind, e.event_name, e.entity_id, e.received_at, e.retries, b.size, b.fits,
              CASE WHEN NOT b.fits OR e.id = ANY($2::bigint[]) THEN NULL ELSE e.body::text END AS body
         FROM budgeted b JOIN ${table} e ON e.id = b.id
        ORDER BY b.available_at, b.id`,
      [limit, this.received.ids(), [...this.entitiesInFlight.keys()], budget, alone],
    );
    return rows;
  }

  /**
   * The parsed bodies of claimed events. A body the claim did not read is intake's text: when it was
   * dropped meanwhile, or `parseExact` refuses it (a repeated key: jsonb kept the last one when it
   * was stored), it is read back from the inbox, as every body once was.
   */
  private async bodiesOf(client: PoolClient, rows: ClaimedRow[]): Promise<Map<string, Record<string, unknown>>> {
    const bodies = new Map<string, Record<string, unknown>>();
    const unread: string[] = [];
    for (const row of rows) {
      const id = String(row.id);
      if (row.body !== null) {
        this.received.drop(id); // kept after this claim was sent: not needed any more
        bodies.set(id, parseExact(row.body) as Record<string, unknown>);
        continue;
      }
      const received = this.received.take(id);
      if (received === undefined) {
        unread.push(id);
        continue;
      }
      try {
        // Often parsed already, while intake's INSERT ran.
        bodies.set(id, received.parse());
      } catch {
        unread.push(id);
      } finally {
        received.release();
      }
    }
    if (unread.length) {
      const stored = await client.query<{ id: string; body: string }>(`SELECT id, body::text AS body FROM ${this.database.table('webhook_events')} WHERE id = ANY($1::bigint[])`, [unread]);
      for (const row of stored.rows) bodies.set(String(row.id), parseExact(row.body) as Record<string, unknown>);
    }
    return bodies;
  }

  /** Parses, maps (and for GET webhooks fetches) one event; a failure here is that event's alone. */
  private async prepare({ event, retries }: { event: StoredEvent; retries: number }): Promise<PreparedEvent> {
    try {
      const applier = this.appliers.get(event.payloadKind);
      if (!applier) throw new PermanentProcessingError(`No processing is defined for payload "${event.payloadKind}"`);
      return { event, retries, writer: await applier.prepare(event) };
    } catch (error) {
      return { event, retries, error };
    }
  }

  /**
   * Writes the batch: all locks first, then each event in arrival order. When a write fails, the
   * batch is rolled back to its savepoint and written again one event per savepoint, so that only
   * the events whose own write fails are recorded as failed.
   */
  private async write(client: PoolClient, prepared: PreparedEvent[]): Promise<EventSettlement[]> {
    const writable = prepared.filter((item) => item.writer);
    await this.batches.lock(client, writable.map((item) => item.writer!));

    const failedToPrepare = prepared.filter((item) => !item.writer).map((item) => this.failure(item, item.error));
    if (writable.length > 1) {
      await client.query('SAVEPOINT batch');
      try {
        const applied = await this.writeTogether(client, writable);
        await client.query('RELEASE SAVEPOINT batch');
        return [...applied, ...failedToPrepare];
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT batch');
        this.logger.warn(`A batch of ${writable.length} events failed (${(error as Error).message}): writing its events one at a time`);
      }
    }
    const settlements: EventSettlement[] = [];
    for (const item of writable) {
      await client.query('SAVEPOINT event');
      try {
        settlements.push(...(await this.writeTogether(client, [item])));
        await client.query('RELEASE SAVEPOINT event');
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT event');
        settlements.push(this.failure(item, error));
      }
    }
    return [...settlements, ...failedToPrepare];
  }

  private async writeTogether(client: PoolClient, items: PreparedEvent[]): Promise<EventSettlement[]> {
    const results = await this.batches.write(client, items.map((item) => item.writer!));
    return items.map((item, index) => this.success(item, results[index]));
  }

  private success(item: PreparedEvent, applied: ApplyResult): EventSettlement {
    return { event: item.event, status: applied.stale ? 'stale' : 'processed', retries: item.retries, applied };
  }

  private failure(item: PreparedEvent, error: unknown): EventSettlement {
    const { attempts, retryDelaySeconds } = this.options.queue;
    const permanent = isPermanentError(error);
    const final = permanent || item.retries + 1 >= attempts;
    const message = (error as Error)?.message || String(error);
    this.logger.warn(
      `Event ${item.event.id} (${item.event.eventName}) failed on attempt ${item.retries + 1}/${attempts}` +
        `${final ? `, giving up${permanent ? ' (permanent error)' : ''}: marked dead` : ', will retry'}: ${message}`,
    );
    // Exponential back-off with jitter, as before: 2 s, 4 s, 8 s … (capped at an hour).
    const delay = Math.min(MAX_RETRY_DELAY_SECONDS, retryDelaySeconds * 2 ** item.retries) * (0.75 + Math.random() / 2);
    return { event: item.event, status: final ? 'dead' : 'failed', retries: item.retries, error: message, retryDelaySeconds: delay };
  }

  private report(settlement: EventSettlement, started: number): void {
    const { event } = settlement;
    const status: EventProcessedEvent['status'] = settlement.status;
    this.pipeline.emit('event.processed', {
      eventId: event.id,
      endpoint: event.endpoint,
      payloadKind: event.payloadKind,
      eventName: event.eventName,
      entityId: event.entityId,
      status,
      attempt: settlement.retries + 1,
      durationMs: Date.now() - started,
      lagMs: Date.now() - event.receivedAt.getTime(),
      error: settlement.error,
    });
    if (settlement.status === 'processed' || settlement.status === 'stale') {
      this.logger.debug(`Event ${event.id} (${event.eventName}) ${settlement.status} in ${Date.now() - started} ms`);
    }
  }
}

/** An event that no retry can process (no applier for its payload). */
class PermanentProcessingError extends Error {
  readonly permanent = true;
}

/**
 * Errors that no retry can fix: the Tradecloud API answered 404/403 (order unknown or not
 * ours), or a fetched entity has an unusable shape. A missing API configuration is not one of
 * them: it can be fixed while the event waits.
 */
function isPermanentError(error: unknown): boolean {
  if ((error as { permanent?: unknown })?.permanent === true) return true;
  if (error instanceof TradecloudApiError) return !error.transient && error.code !== 'not_configured';
  return false;
}
