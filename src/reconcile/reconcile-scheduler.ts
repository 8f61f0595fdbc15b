import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { ReconcilePassService } from './reconcile-pass.service';
import { ReconcileKind } from './reconcile-state';

/**
 * Runs a reconciliation pass of each enabled kind every `reconcile.interval`, in instances that
 * run workers. Several instances on one database: each pass runs in one of them (lock), and an
 * instance skips its turn when another finished a pass of that kind within the interval. A failed
 * pass is logged once at `error`, keeps its cursor and is tried again at the next interval;
 * receiving and processing webhooks go on regardless.
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TradecloudReconcile');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stop = new AbortController();

  constructor(
    private readonly passes: ReconcilePassService,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  get enabled(): boolean {
    return this.options.reconcile.intervalMs !== undefined && this.options.tradecloudApi.configured && this.options.queue.workers;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    // The first pass comes one interval after start: a restart loop must not poll Tradecloud each
    // time, and what was sent while the receiver was down (5xx, no connection) Tradecloud retries.
    this.schedule(this.options.reconcile.intervalMs!);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stop.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule(this.options.reconcile.intervalMs!);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One round: each enabled kind, unless another instance reconciled it within the interval. */
  async tick(): Promise<void> {
    const kinds: ReconcileKind[] = [];
    if (this.options.reconcile.orders) kinds.push('orders');
    if (this.options.reconcile.shipments) kinds.push('shipments');
    for (const kind of kinds) {
      if (this.stop.signal.aborted) return;
      try {
        const state = await this.passes.stateStore.read(kind);
        const intervalMs = this.options.reconcile.intervalMs!;
        if (state.lastPassFinishedAt && Date.now() - state.lastPassFinishedAt.getTime() < intervalMs * 0.9) continue;
        const result = await this.passes.run(kind, { signal: this.stop.signal });
        if (result.outcome === 'failed') {
          this.logger.error(
            `Reconciliation of ${kind} failed, cursor kept at ${result.cursor ?? '(none)'}; next try in ${Math.round(intervalMs / 1000)} s: ${result.error?.message}`,
          );
        } else if (result.outcome === 'success') {
          const c = result.counts;
          this.logger.log(
            `Reconciliation of ${kind}: ${c.fetched} fetched, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ` +
              `${c.stale} stale, ${c.rejected} rejected, ${c.missed} missed by webhooks in ${result.durationMs} ms; cursor ${result.cursor ?? '(none)'}`,
          );
        }
      } catch (error) {
        // The database itself is unreachable: the next interval tries again.
        this.logger.error(`Reconciliation of ${kind} could not run: ${(error as Error).message}`);
      }
    }
  }
}
