import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { TradecloudRequestBudget } from './tradecloud-http';

/** Runs one statement on the shared database (a pool's `query`). */
export type BudgetQuery = (text: string, values: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/**
 * Extra spacing on top of 1/rate: the server sees requests later and with jitter (a new
 * connection's handshake, a busy event loop on either side) than we send them. The same margin
 * as the per-process limiter's (see SlidingWindowRateLimiter).
 */
const SERVER_CLOCK_MARGIN_MS = 200;

/** Slots given up for a late wake-up, at most, before a request goes anyway. */
const MAX_LATE_RETRIES = 3;

/**
 * Tradecloud's requests-per-second budget shared by every process on one database: all receiver
 * instances and the CLI. One row (`api_request_budget.next_slot`) holds the next free start time;
 * each request takes a slot with one UPSERT — `next_slot = greatest(next_slot, now) + spacing`,
 * on the database's clock, so the processes' clocks do not matter — and waits until its slot.
 * Slots are `(1000 + margin) / requestsPerSecond` ms apart, so no second ever holds more than
 * `requestsPerSecond` request starts, whichever processes they come from.
 *
 * When the database cannot be reached the request goes ahead under the process's own limiter
 * (logged once): receiving and processing must not stop because the budget is unavailable.
 */
export class PostgresRequestBudget implements TradecloudRequestBudget {
  private readonly logger = new Logger('TradecloudApiBudget');
  private readonly spacingMs: number;
  private failing = false;

  constructor(
    private readonly query: BudgetQuery,
    /** Quoted `schema.api_request_budget`. */
    private readonly table: string,
    requestsPerSecond: number,
  ) {
    this.spacingMs = (1000 + SERVER_CLOCK_MARGIN_MS) / requestsPerSecond;
  }

  /**
   * Takes a slot and waits for it. A wait that ends late (this process's event loop was busy when
   * the slot came) gives the slot up and takes the next free one: sent late, the request would
   * reach Tradecloud right before the next slot's request, two starts closer together than the
   * budget allows.
   */
  async acquire(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const waitMs = await this.takeSlot();
      if (waitMs === undefined) return;
      const slotAt = Date.now() + Math.max(0, waitMs);
      if (waitMs > 0) await sleep(waitMs);
      const lateMs = Date.now() - slotAt;
      if (lateMs <= this.spacingMs / 2 || attempt >= MAX_LATE_RETRIES) return;
    }
  }

  /** Reserves the next free slot; returns how long to wait for it, or undefined when the budget is unavailable. */
  private async takeSlot(): Promise<number | undefined> {
    let waitMs: number;
    try {
      const result = await this.query(
        `INSERT INTO ${this.table} AS b (id, next_slot) VALUES (1, clock_timestamp() + make_interval(secs => $1::float8 / 1000))
         ON CONFLICT (id) DO UPDATE SET next_slot = greatest(b.next_slot, clock_timestamp()) + make_interval(secs => $1::float8 / 1000)
         RETURNING extract(epoch FROM b.next_slot - clock_timestamp())::float8 * 1000 - $1::float8 AS wait_ms`,
        [this.spacingMs],
      );
      waitMs = Number(result.rows[0]?.wait_ms ?? 0);
      if (this.failing) this.logger.log('The shared Tradecloud request budget is available again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`The shared Tradecloud request budget is unavailable, using this process's limit only: ${(error as Error).message}`);
      this.failing = true;
      return undefined;
    }
    return waitMs;
  }
}
