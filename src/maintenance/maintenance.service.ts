import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentContentStorage } from '../documents/document-content.storage';
import { PipelineEvents } from '../observability/pipeline-events';
import { ResolvedRetentionOptions, TRADECLOUD_RETENTION_OPTIONS } from './retention-options';
import { MaintenanceLease } from './maintenance-lease';
import { RETENTION_TASK_LABELS, RetentionCounts, runRetentionPass } from './retention-pass';

/** The first scheduled pass waits this long after start-up, so that starting never competes with it. */
const FIRST_PASS_DELAY_MS = 60_000;

export interface MaintenancePassResult {
  outcome: 'completed' | 'interrupted' | 'failed' | 'skipped';
  removed: RetentionCounts;
  durationMs: number;
  error?: string;
  /** Skipped: why. */
  reason?: string;
}

/**
 * Runs the retention pass every `retention.maintenanceInterval` (one instance at a time, under
 * the lease in `maintenance_state`), and on demand (`runPass`, used by `tradecloud prune` too).
 * The pass removes bodies, rows and content past their retention in small batches; see
 * {@link runRetentionPass}.
 */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TradecloudMaintenance');
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<MaintenancePassResult>;
  private stopping = false;

  constructor(
    private readonly database: TradecloudDatabase,
    private readonly storage: DocumentContentStorage,
    private readonly pipeline: PipelineEvents,
    @Inject(TRADECLOUD_RETENTION_OPTIONS) private readonly retention: ResolvedRetentionOptions,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.retention.maintenanceIntervalSeconds;
    if (interval === null) return;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        void this.runPass({ scheduled: true }).finally(() => {
          if (!this.stopping) schedule(interval * 1000);
        });
      }, delayMs);
      this.timer.unref();
    };
    schedule(Math.min(FIRST_PASS_DELAY_MS, interval * 1000));
  }

  /** Before the pool closes (onApplicationShutdown): a pass stops at its next batch, a few milliseconds; what it committed stays done. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass now, unless one runs elsewhere (then `skipped`). `scheduled`: also skipped when
   * another instance started one within the interval.
   */
  runPass(options: { scheduled?: boolean } = {}): Promise<MaintenancePassResult> {
    if (this.running) return this.running;
    this.running = this.pass(options.scheduled === true).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(scheduled: boolean): Promise<MaintenancePassResult> {
    const started = Date.now();
    const removed: RetentionCounts = { eventBodies: 0, failedEventBodies: 0, eventRows: 0, changes: 0, documentContents: 0 };
    const lease = new MaintenanceLease(this.database, this.holder);
    const interval = this.retention.maintenanceIntervalSeconds;
    let result: MaintenancePassResult;
    try {
      // Scheduled: a pass started by any instance within 90 % of the interval counts as this one.
      if (!(await lease.acquire(scheduled && interval !== null ? interval * 0.9 : undefined))) {
        result = { outcome: 'skipped', removed, durationMs: Date.now() - started, reason: 'another pass holds the lease or ran recently' };
      } else {
        try {
          const pass = await runRetentionPass(this.database, this.retention, {
            removeContentFile: this.storage.fileRemover,
            afterBatch: async () => !this.stopping && (await lease.renew()),
          });
          Object.assign(removed, pass.counts);
          const outcome = pass.stopped ? 'interrupted' : 'completed';
          await lease.release(outcome, removed, pass.stopped ? 'stopped before the end (shutdown, or the lease was lost)' : undefined);
          result = { outcome, removed, durationMs: Date.now() - started };
        } catch (error) {
          const message = (error as Error)?.message ?? String(error);
          await lease.release('failed', removed, message).catch(() => undefined);
          throw error;
        }
      }
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      this.logger.warn(`Maintenance pass failed (the next pass continues where it stopped): ${message}`);
      result = { outcome: 'failed', removed, durationMs: Date.now() - started, error: message };
    }
    if (result.outcome === 'completed') {
      const total = Object.values(removed).reduce((sum, n) => sum + n, 0);
      const log = `Maintenance pass in ${result.durationMs} ms removed ${describeCounts(removed)}`;
      if (total > 0) this.logger.log(log);
      else this.logger.debug(log);
    }
    this.pipeline.emit('maintenance.finished', {
      outcome: result.outcome,
      removed: Object.fromEntries(Object.entries(removed).map(([task, n]) => [RETENTION_TASK_LABELS[task as keyof RetentionCounts], n])),
      durationMs: result.durationMs,
      error: result.error,
    });
    return result;
  }
}

/** `12 event bodies, 0 event rows, …` */
export function describeCounts(counts: RetentionCounts): string {
  return `${counts.eventBodies} event bodies, ${counts.failedEventBodies} dead/rejected bodies, ${counts.eventRows} event rows, ${counts.changes} changes, ${counts.documentContents} document contents`;
}
