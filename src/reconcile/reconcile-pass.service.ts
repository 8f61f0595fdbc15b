import { Inject, Injectable, Logger } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { PipelineEvents } from '../observability/pipeline-events';
import { TradecloudApiClient } from '../tradecloud-api/tradecloud-api.client';
import { MAX_POLL_LIMIT, PollKind, TradecloudPollPage } from '../tradecloud-api/poll-response';
import { describePolled, PolledEntity, PolledEntityApplier, PolledEntityResult } from './polled-entity.applier';
import { ResolvedReconcileOptions } from './reconcile-options';
import { ReconcileKind, ReconcileStateStore } from './reconcile-state';

export interface ReconcileCounts {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: number;
  /** Created or updated, and older than the pass's start by more than the overlap: webhooks did not deliver it. */
  missed: number;
}

export interface ReconcilePassOptions {
  /** Poll everything after this instant (a backfill from there). */
  since?: string;
  /** Poll everything (a full backfill). */
  all?: boolean;
  /** Stop after the current page, keeping the cursor of what was applied. */
  signal?: AbortSignal;
  /** Wait for another process's pass of the same kind instead of skipping. */
  waitForLock?: boolean;
  /** After every applied page. `total` is Tradecloud's figure for the sweep. */
  onProgress?: (progress: { kind: ReconcileKind; counts: ReconcileCounts; total: number }) => void;
  /** Called when the lock is held elsewhere and `waitForLock` is set. */
  onWaiting?: (kind: ReconcileKind) => void;
}

export interface ReconcilePassResult {
  kind: ReconcileKind;
  /** `skipped`: another process holds the kind's pass lock. */
  outcome: 'success' | 'failed' | 'interrupted' | 'skipped';
  counts: ReconcileCounts;
  cursor: string | null;
  durationMs: number;
  error?: Error;
}

/** The pass ends when its sweep is complete; a sweep that saw entities move under it is run again, at most this often. */
const MAX_SWEEPS = 3;

export function emptyCounts(): ReconcileCounts {
  return { fetched: 0, created: 0, updated: 0, unchanged: 0, stale: 0, rejected: 0, missed: 0 };
}

/**
 * One reconciliation (or backfill) pass of one kind: poll Tradecloud from the stored cursor minus
 * the overlap (or from `since`, or everything), page by page, and apply every entity through the
 * GET webhook's pipeline. Only one process runs a kind's pass at a time (session advisory lock).
 *
 * The cursor only ever holds `lastUpdatedAt` values Tradecloud returned, and only those of pages
 * that were applied: a pass that fails or is stopped keeps what it applied and the next one
 * continues from there. Offset paging can skip an entity when one already read is updated while
 * the pass pages (it moves to the end and everything after it shifts down one place); such a
 * move is seen (the same id comes back with a newer `lastUpdatedAt`) and the sweep is repeated.
 */
@Injectable()
export class ReconcilePassService {
  private readonly logger = new Logger('TradecloudReconcile');
  private readonly state: ReconcileStateStore;
  readonly options: ResolvedReconcileOptions;

  constructor(
    database: TradecloudDatabase,
    private readonly api: TradecloudApiClient,
    private readonly applier: PolledEntityApplier,
    private readonly pipeline: PipelineEvents,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) resolved: ResolvedTradecloudOptions,
  ) {
    this.state = new ReconcileStateStore(database);
    this.options = resolved.reconcile;
  }

  get stateStore(): ReconcileStateStore {
    return this.state;
  }

  async run(kind: ReconcileKind, options: ReconcilePassOptions = {}): Promise<ReconcilePassResult> {
    const counts = emptyCounts();
    const started = Date.now();
    let unlock = await this.state.lock(kind, false);
    if (!unlock && options.waitForLock) {
      options.onWaiting?.(kind);
      unlock = await this.state.lock(kind, true);
    }
    if (!unlock) return { kind, outcome: 'skipped', counts, cursor: (await this.state.read(kind)).cursor, durationMs: 0 };
    const startedAt = new Date();
    let cursor: string | null = null;
    try {
      const stored = await this.state.read(kind);
      cursor = stored.cursor;
      const { from, incremental } = this.startingPoint(stored, options);
      let outcome: 'success' | 'interrupted' = 'interrupted';
      for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
        const result = await this.sweep(kind, from, incremental, started, counts, options);
        if (result.cursor) cursor = result.cursor;
        if (result.stopped) break;
        if (!result.shifted || sweep === MAX_SWEEPS) {
          outcome = 'success';
          break;
        }
        this.logger.log(`Reconciliation of ${kind}: entities were updated while the pass paged; reading the window again`);
      }
      const durationMs = Date.now() - started;
      await this.state.recordPass(kind, this.record(startedAt, durationMs, outcome, null, counts));
      this.report(kind, outcome, counts, durationMs);
      return { kind, outcome, counts, cursor, durationMs };
    } catch (error) {
      const durationMs = Date.now() - started;
      const message = (error as Error)?.message ?? String(error);
      await this.state.recordPass(kind, this.record(startedAt, durationMs, 'failed', message, counts)).catch(() => undefined);
      this.report(kind, 'failed', counts, durationMs);
      return { kind, outcome: 'failed', counts, cursor, durationMs, error: error as Error };
    } finally {
      await unlock();
    }
  }

  /** Where a pass starts polling, and whether it is an incremental pass (where "missed" is counted) rather than a backfill. */
  private startingPoint(stored: { cursor: string | null; resumeFrom: string | null }, options: ReconcilePassOptions): { from?: string; incremental: boolean } {
    if (options.all) return { from: undefined, incremental: false };
    if (options.since) return { from: new Date(Date.parse(options.since)).toISOString(), incremental: false };
    const back = (instant: string) => new Date(Date.parse(instant) - this.options.overlapMs).toISOString();
    if (stored.resumeFrom) return { from: back(stored.resumeFrom), incremental: false };
    if (stored.cursor) return { from: back(stored.cursor), incremental: true };
    return { from: undefined, incremental: false };
  }

  /**
   * Pages once through everything changed after `from`. Pages overlap: the next page is fetched
   * while one is applied, and the chunks of a page are applied by a pool of
   * `reconcile.concurrency` transactions that moves on to the next page's chunks while the last
   * ones of a page finish (no barrier between pages). At most {@link PAGES_IN_FLIGHT} pages are
   * being applied at once. The cursor moves page by page, in page order, once a page and every
   * page before it are applied.
   */
  private async sweep(
    kind: ReconcileKind,
    from: string | undefined,
    incremental: boolean,
    passStartedMs: number,
    counts: ReconcileCounts,
    options: ReconcilePassOptions,
  ): Promise<{ cursor?: string; shifted: boolean; stopped: boolean }> {
    const pollKind: PollKind = kind === 'shipments' ? 'shipments' : this.options.ordersEndpoint === 'single-delivery' ? 'orders-single-delivery' : 'orders';
    const singleDelivery = pollKind === 'orders-single-delivery';
    const poll = (offset: number) => this.api.poll(pollKind, { lastUpdatedAfter: from, offset, limit: MAX_POLL_LIMIT });
    const pool = new TransactionPool(this.options.concurrency);
    const seen = new Map<string, string>();
    let shifted = false;
    let cursor: string | undefined;
    let newestApplied: string | undefined;
    let offset = 0;
    let pending: Promise<TradecloudPollPage> = poll(0);
    // Each page's step: applied, and then its cursor recorded (chained, so in page order).
    const steps: Promise<void>[] = [];
    const applying: Promise<void>[] = [];
    let previousStep: Promise<void> = Promise.resolve();
    let sweepComplete = false;
    let stopped = false;
    try {
      while (!sweepComplete && !stopped) {
        const page = await pending;
        const nextOffset = offset + page.data.length;
        const more = page.data.length > 0 && nextOffset < page.total;
        // The next page is fetched while this one is applied.
        if (more) {
          pending = poll(nextOffset);
          pending.catch(() => undefined); // handled when awaited
        }
        const entities = page.data.map((item, index) => describePolled(kind, item as Record<string, unknown>, page.texts?.[index]));
        for (const entity of entities) {
          const before = seen.get(entity.id);
          if (before !== undefined && before !== entity.lastUpdatedAt) shifted = true;
          seen.set(entity.id, entity.lastUpdatedAt);
        }
        sweepComplete = !more;
        const complete = sweepComplete;
        const applied = this.applyPage(entities, singleDelivery, incremental, passStartedMs, counts, pool);
        applied.catch(() => undefined); // handled through its step
        applying.push(applied);
        const step = previousStep.then(async () => {
          await applied;
          for (const entity of entities) newestApplied = newer(newestApplied, entity.lastUpdatedAt);
          // Once entities moved under this sweep, the cursor waits for the repeated sweep.
          const candidate = complete ? newer(newestApplied, page.lastUpdatedAt) : newestApplied;
          if (candidate && !shifted) cursor = await this.state.advance(kind, candidate, complete);
          else if (complete && !shifted) await this.state.completeSweep(kind);
          options.onProgress?.({ kind, counts, total: page.total });
        });
        step.catch(() => undefined); // handled when awaited
        steps.push(step);
        previousStep = step;
        if (steps.length >= PAGES_IN_FLIGHT) await steps[steps.length - PAGES_IN_FLIGHT];
        if (!sweepComplete && options.signal?.aborted) stopped = true;
        offset = nextOffset;
      }
      await previousStep;
    } finally {
      // A failed page or poll: the pages before it keep their cursor, and nothing runs on after the pass.
      await Promise.allSettled([...applying, ...steps]);
    }
    return { cursor, shifted, stopped };
  }

  /** Applies one page's entities that are not current already, in chunks on the pool. */
  private async applyPage(
    entities: PolledEntity[],
    singleDelivery: boolean,
    incremental: boolean,
    passStartedMs: number,
    counts: ReconcileCounts,
    pool: TransactionPool,
  ): Promise<void> {
    counts.fetched += entities.length;
    const stored = await this.applier.storedVersions(entities[0]?.kind ?? 'orders', entities.map((entity) => entity.id).filter(Boolean));
    const work = entities.filter((entity) => {
      if (!this.applier.isCurrent(entity, this.applier.storedVersionOf(stored, entity))) return true;
      counts.unchanged++;
      return false;
    });
    // Chunks of the page are applied together (one transaction each), a few chunks at a time.
    const size = Math.min(MAX_CHUNK, Math.max(1, Math.ceil(work.length / this.options.concurrency)));
    const chunks: PolledEntity[][] = [];
    for (let start = 0; start < work.length; start += size) chunks.push(work.slice(start, start + size));
    await Promise.all(
      chunks.map((chunk) =>
        pool.run(async () => {
          for (const { entity, result, problems } of await this.applier.applyMany(chunk, singleDelivery)) {
            this.count(entity, result, problems, incremental, passStartedMs, counts);
          }
        }),
      ),
    );
  }

  private count(entity: PolledEntity, result: PolledEntityResult, problems: string | undefined, incremental: boolean, passStartedMs: number, counts: ReconcileCounts): void {
    counts[result]++;
    const what = `${entity.kind === 'orders' ? 'order' : 'shipment'} ${entity.id || '(no id)'} (${entity.label})`;
    if (result === 'rejected') {
      this.logger.warn(`Reconciliation: ${what} is unusable and was kept as rejected: ${problems}`);
      return;
    }
    if (!incremental || (result !== 'created' && result !== 'updated')) return;
    const changedAt = Date.parse(entity.lastUpdatedAt);
    if (passStartedMs - changedAt > this.options.overlapMs) {
      counts.missed++;
      this.logger.warn(`Reconciliation: ${what} changed at ${entity.lastUpdatedAt} was missed by webhooks; ${result} from the polling API`);
    }
  }

  private record(startedAt: Date, durationMs: number, outcome: 'success' | 'failed' | 'interrupted', error: string | null, counts: ReconcileCounts) {
    const { fetched, missed, ...rest } = counts;
    return { startedAt, durationMs, outcome, error, fetched, missed, applied: counts.created + counts.updated, counts: rest };
  }

  private report(kind: ReconcileKind, outcome: 'success' | 'failed' | 'interrupted', counts: ReconcileCounts, durationMs: number): void {
    this.pipeline.emit('reconcile.pass', { kind, outcome, counts: { ...counts }, durationMs });
  }
}

/** Most polled entities applied in one transaction. */
const MAX_CHUNK = 50;
/** Pages being applied at once (the pool's chunks of the next page start while a page's last chunks finish). */
const PAGES_IN_FLIGHT = 2;

/** Runs at most `size` tasks at once, in the order they were given. */
class TransactionPool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

function newer(current: string | undefined, candidate: string | undefined): string | undefined {
  if (!candidate || Number.isNaN(Date.parse(candidate))) return current;
  if (!current) return candidate;
  return Date.parse(candidate) > Date.parse(current) ? candidate : current;
}
