import type { Pool } from 'pg';

/**
 * Deadlocks PostgreSQL has counted in the current database (pg_stat_database). The count is
 * complete once the transactions that could have deadlocked have ended, so read it right after
 * the signal that they have (every event processed, a receiver listening), without waiting for
 * the statistics.
 *
 * Why: a backend publishes its statistics when it goes idle, but not within 1 s of its previous
 * publication (they then wait for a later idle moment, up to 10 s). A deadlock's victim, however,
 * has waited deadlock_timeout inside its transaction before PostgreSQL ends it; with
 * deadlock_timeout at least that second (the default is 1 s), the victim publishes the deadlock
 * as its transaction ends, before its ROLLBACK or failed statement is answered. A shorter
 * deadlock_timeout could show a deadlock up to 10 s late, so the count refuses to be read then.
 * (PostgreSQL 15 and later, where backends publish their statistics themselves.)
 */
export async function deadlockCount(sql: Pool): Promise<number> {
  const { rows } = await sql.query<{ n: number; deadlock_timeout_ms: number }>(
    `SELECT deadlocks::int AS n, (SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout') AS deadlock_timeout_ms
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  if (rows[0].deadlock_timeout_ms < 1000) {
    throw new Error(`deadlock_timeout is ${rows[0].deadlock_timeout_ms} ms: below 1 s, a deadlock may be counted only seconds after its transaction ended`);
  }
  return rows[0].n;
}
