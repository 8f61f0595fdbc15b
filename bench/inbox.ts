import type { Pool } from 'pg';
import { sleep } from './stats';

/** Reads the receiver's inbox (`<schema>.webhook_events`): what the figures of processing come from. */
export class Inbox {
  private readonly table: string;

  constructor(
    private readonly pool: Pool,
    readonly schema: string,
  ) {
    this.table = `"${schema}".webhook_events`;
  }

  /** The highest event id so far (0 when empty): events of the next step have higher ids. */
  async lastId(): Promise<number> {
    const result = await this.pool.query<{ id: string | null }>(`SELECT max(id) AS id FROM ${this.table}`);
    return Number(result.rows[0].id ?? 0);
  }

  async counts(afterId: number): Promise<{ total: number; done: number; processed: number; stale: number; failed: number; dead: number; pending: number }> {
    const result = await this.pool.query<Record<string, string>>(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE status = 'processed') AS processed,
              count(*) FILTER (WHERE status = 'stale') AS stale,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status = 'dead') AS dead,
              count(*) FILTER (WHERE status = 'pending') AS pending
         FROM ${this.table} WHERE id > $1 AND status <> 'rejected'`,
      [afterId],
    );
    const row = Object.fromEntries(Object.entries(result.rows[0]).map(([key, value]) => [key, Number(value)]));
    return { total: row.total, processed: row.processed, stale: row.stale, failed: row.failed, dead: row.dead, pending: row.pending, done: row.processed + row.stale };
  }

  /**
   * Waits until `expected` events after `afterId` are processed or stale (or dead: they will
   * not change any more), or `timeoutS` passes. Returns whether everything finished.
   */
  async waitProcessed(afterId: number, expected: number, timeoutS: number, isAborted: () => boolean = () => false): Promise<boolean> {
    const deadline = Date.now() + timeoutS * 1000;
    while (Date.now() < deadline && !isAborted()) {
      // The poll counts only what is left, through the inbox's partial index of ready events: a
      // count of every event of a 20,000-event drain took PostgreSQL about 30 ms a second of the
      // CPU the receiver is being measured on. The full count confirms the end.
      if ((await this.unfinished(afterId)) === 0) {
        const counts = await this.counts(afterId);
        if (counts.done + counts.dead >= expected) return true;
      }
      await sleep(expected > 5000 ? 1000 : expected > 1000 ? 500 : 100);
    }
    return false;
  }

  /** Events after `afterId` still to be processed (`pending`, or `failed` and to be retried). */
  async unfinished(afterId: number): Promise<number> {
    const result = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.table} WHERE status IN ('pending', 'failed') AND id > $1`, [afterId]);
    return Number(result.rows[0].n);
  }

  /** Events per second from `processed_at`: (n − 1) / (last − first), over the events after `afterId`. */
  async drainRate(afterId: number): Promise<{ events: number; seconds: number; perSecond: number; first?: Date; last?: Date }> {
    const result = await this.pool.query<{ n: string; first: Date | null; last: Date | null }>(
      `SELECT count(*) AS n, min(processed_at) AS first, max(processed_at) AS last
         FROM ${this.table} WHERE id > $1 AND processed_at IS NOT NULL AND status IN ('processed', 'stale')`,
      [afterId],
    );
    const { n, first, last } = result.rows[0];
    const events = Number(n);
    const seconds = first && last ? (last.getTime() - first.getTime()) / 1000 : NaN;
    return { events, seconds, perSecond: events > 1 && seconds > 0 ? (events - 1) / seconds : NaN, first: first ?? undefined, last: last ?? undefined };
  }

  /** p50/p99/max of processed_at − received_at in milliseconds, over the events after `afterId`. */
  async lag(afterId: number): Promise<{ events: number; p50Ms: number; p99Ms: number; maxMs: number }> {
    const result = await this.pool.query<{ n: string; p50: number | null; p99: number | null; max: number | null }>(
      `SELECT count(*) AS n,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50,
              percentile_disc(0.99) WITHIN GROUP (ORDER BY lag_ms) AS p99,
              max(lag_ms) AS max
         FROM (SELECT extract(epoch FROM processed_at - received_at) * 1000 AS lag_ms
                 FROM ${this.table} WHERE id > $1 AND processed_at IS NOT NULL AND status IN ('processed', 'stale')) AS lags`,
      [afterId],
    );
    const row = result.rows[0];
    return { events: Number(row.n), p50Ms: Number(row.p50 ?? NaN), p99Ms: Number(row.p99 ?? NaN), maxMs: Number(row.max ?? NaN) };
  }

  /** One event's status and timestamps. */
  async event(id: string): Promise<{ status: string; attempts: number; receivedAt: Date; processedAt: Date | null; lastError: string | null } | undefined> {
    const result = await this.pool.query<{ status: string; attempts: number; received_at: Date; processed_at: Date | null; last_error: string | null }>(
      `SELECT status, attempts, received_at, processed_at, last_error FROM ${this.table} WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row && { status: row.status, attempts: row.attempts, receivedAt: row.received_at, processedAt: row.processed_at, lastError: row.last_error };
  }

  /**
   * After a load the receiver could not keep up with: waits until no new event has been stored
   * for 2 s (requests the client gave up on are still worked off by the receiver), drops the
   * events not processed yet (they are never ready again) after the running batches, so that the
   * next scenario on this receiver starts on an empty inbox. Returns the number of events put aside.
   */
  async settle(): Promise<number> {
    for (let last = -1, waited = 0; waited < 60_000; waited += 2000) {
      const id = await this.lastId();
      if (id === last) break;
      last = id;
      await sleep(2000);
    }
    // Events not processed yet are put aside (never ready): the next scenario starts on an empty
    // inbox. The UPDATE waits for the batches that hold some of them and skips what they applied.
    const result = await this.pool.query(`UPDATE ${this.table} SET available_at = 'infinity' WHERE status IN ('pending', 'failed')`);
    return result.rowCount ?? 0;
  }

  /** A few distinct errors of failed or dead events, to explain a failure in the report. */
  async sampleErrors(afterId: number): Promise<string[]> {
    const result = await this.pool.query<{ last_error: string }>(
      `SELECT DISTINCT left(last_error, 300) AS last_error FROM ${this.table}
        WHERE id > $1 AND status IN ('failed', 'dead') AND last_error IS NOT NULL LIMIT 3`,
      [afterId],
    );
    return result.rows.map((row) => row.last_error);
  }
}
