import type { PoolClient } from 'pg';
import { TradecloudDatabase } from '../database/tradecloud-database.service';

export type ReconcileKind = 'orders' | 'shipments';
export const RECONCILE_KINDS: readonly ReconcileKind[] = ['orders', 'shipments'];

/** Namespace of the per-kind pass locks (first key of `pg_try_advisory_lock(int, int)`). */
const PASS_LOCK_NAMESPACE = 0x7443_0014;

export interface ReconcileStateRow {
  cursor: string | null;
  resumeFrom: string | null;
  lastPassFinishedAt: Date | null;
}

export interface PassRecord {
  startedAt: Date;
  durationMs: number;
  outcome: 'success' | 'failed' | 'interrupted';
  error: string | null;
  fetched: number;
  applied: number;
  missed: number;
  counts: Record<string, number>;
}

/** The `reconcile_state` table: per kind the cursor, where an interrupted sweep stopped, and the last pass. */
export class ReconcileStateStore {
  constructor(private readonly database: TradecloudDatabase) {}

  private get table(): string {
    return this.database.table('reconcile_state');
  }

  async read(kind: ReconcileKind): Promise<ReconcileStateRow> {
    const result = await this.database.query<{ cursor: string | null; resume_from: string | null; last_pass_finished_at: Date | null }>(
      `SELECT cursor, resume_from, last_pass_finished_at FROM ${this.table} WHERE kind = $1`,
      [kind],
    );
    const row = result.rows[0];
    return { cursor: row?.cursor ?? null, resumeFrom: row?.resume_from ?? null, lastPassFinishedAt: row?.last_pass_finished_at ?? null };
  }

  /**
   * After a page was applied: the cursor moves forward only (to the newest `lastUpdatedAt`
   * Tradecloud returned for applied entities), `resume_from` follows the sweep.
   */
  async advance(kind: ReconcileKind, applied: string, sweepComplete: boolean): Promise<string> {
    const result = await this.database.query<{ cursor: string }>(
      `INSERT INTO ${this.table} AS s (kind, cursor, resume_from) VALUES ($1, $2, CASE WHEN $3 THEN NULL ELSE $2 END)
       ON CONFLICT (kind) DO UPDATE SET
         cursor = CASE WHEN s.cursor IS NULL OR s.cursor::timestamptz < EXCLUDED.cursor::timestamptz THEN EXCLUDED.cursor ELSE s.cursor END,
         resume_from = EXCLUDED.resume_from,
         updated_at = now()
       RETURNING cursor`,
      [kind, applied, sweepComplete],
    );
    return result.rows[0].cursor;
  }

  /** A sweep ended without applying anything new: only forget where an interrupted sweep stopped. */
  async completeSweep(kind: ReconcileKind): Promise<void> {
    await this.database.query(`UPDATE ${this.table} SET resume_from = NULL, updated_at = now() WHERE kind = $1`, [kind]);
  }

  async recordPass(kind: ReconcileKind, pass: PassRecord): Promise<void> {
    await this.database.query(
      `INSERT INTO ${this.table} AS s (kind, last_pass_started_at, last_pass_finished_at, last_pass_duration_ms, last_outcome, last_error,
                                       last_fetched, last_applied, last_missed, last_counts, last_success_at)
       VALUES ($1, $2, now(), $3, $4, $5, $6, $7, $8, $9::jsonb, CASE WHEN $4 = 'success' THEN now() END)
       ON CONFLICT (kind) DO UPDATE SET
         last_pass_started_at = EXCLUDED.last_pass_started_at, last_pass_finished_at = EXCLUDED.last_pass_finished_at,
         last_pass_duration_ms = EXCLUDED.last_pass_duration_ms, last_outcome = EXCLUDED.last_outcome, last_error = EXCLUDED.last_error,
         last_fetched = EXCLUDED.last_fetched, last_applied = EXCLUDED.last_applied, last_missed = EXCLUDED.last_missed,
         last_counts = EXCLUDED.last_counts, last_success_at = coalesce(EXCLUDED.last_success_at, s.last_success_at), updated_at = now()`,
      [kind, pass.startedAt, pass.durationMs, pass.outcome, pass.error, pass.fetched, pass.applied, pass.missed, JSON.stringify(pass.counts)],
    );
  }

  /**
   * Takes the kind's pass lock on a connection of its own (a session advisory lock: released when
   * the pass ends, or by PostgreSQL when the process dies). `wait`: block until it is free.
   * Undefined when another process holds it and `wait` is false.
   */
  async lock(kind: ReconcileKind, wait: boolean): Promise<(() => Promise<void>) | undefined> {
    const client: PoolClient = await this.database.pool.connect();
    const onError = () => undefined; // a lost connection releases the lock; the pass notices on its next query
    client.on('error', onError);
    try {
      if (wait) {
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [PASS_LOCK_NAMESPACE, kind]);
      } else {
        const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [PASS_LOCK_NAMESPACE, kind]);
        if (!result.rows[0].locked) {
          client.off('error', onError);
          client.release();
          return undefined;
        }
      }
    } catch (error) {
      client.off('error', onError);
      client.release(true);
      throw error;
    }
    return async () => {
      try {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [PASS_LOCK_NAMESPACE, kind]);
        client.off('error', onError);
        client.release();
      } catch {
        client.off('error', onError);
        client.release(true);
      }
    };
  }
}
