import type { MaintenanceDatabase, RetentionCounts } from './retention-pass';

/** The `maintenance_state` task of the retention pass. */
export const RETENTION_TASK = 'retention';

/**
 * How long a pass holds the lease without renewing it. Every batch renews it, and a batch takes
 * milliseconds, so only a process that died (or lost its database) lets it run out; the next
 * pass, on any instance, then takes over.
 */
export const LEASE_SECONDS = 300;

/**
 * One maintenance pass at a time across every instance: a lease in `maintenance_state` rather
 * than an advisory lock, because a session advisory lock is lost (or held by a stranger's
 * session) behind a transaction-mode pooler such as PgBouncer, and a transaction-level one would
 * mean one long transaction.
 */
export class MaintenanceLease {
  constructor(
    private readonly database: MaintenanceDatabase,
    private readonly holder: string,
    private readonly task = RETENTION_TASK,
  ) {}

  /**
   * Takes the lease when nobody holds it. `notStartedWithinSeconds`: only when no pass started
   * that recently (scheduled passes, so that N instances do not make N passes an hour).
   */
  async acquire(notStartedWithinSeconds?: number): Promise<boolean> {
    const table = this.database.table('maintenance_state');
    const result = await this.database.query(
      `INSERT INTO ${table} AS m (task, leased_by, leased_until, last_started_at)
       VALUES ($1, $2, now() + make_interval(secs => $3), now())
       ON CONFLICT (task) DO UPDATE SET leased_by = excluded.leased_by, leased_until = excluded.leased_until, last_started_at = now()
        WHERE (m.leased_until IS NULL OR m.leased_until < now())
          AND ($4::float8 IS NULL OR m.last_started_at IS NULL OR m.last_started_at < now() - make_interval(secs => $4))
       RETURNING m.task`,
      [this.task, this.holder, LEASE_SECONDS, notStartedWithinSeconds ?? null],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Extends the lease; false when it was lost (it ran out and another pass took it). */
  async renew(): Promise<boolean> {
    const result = await this.database.query(
      `UPDATE ${this.database.table('maintenance_state')} SET leased_until = now() + make_interval(secs => $3)
        WHERE task = $1 AND leased_by = $2`,
      [this.task, this.holder, LEASE_SECONDS],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Records the outcome of the pass and frees the lease. */
  async release(outcome: 'completed' | 'interrupted' | 'failed', removed: RetentionCounts, error?: string): Promise<void> {
    await this.database.query(
      `UPDATE ${this.database.table('maintenance_state')}
          SET leased_by = NULL, leased_until = NULL, last_finished_at = now(), last_outcome = $3, last_removed = $4::jsonb, last_error = $5
        WHERE task = $1 AND leased_by = $2`,
      [this.task, this.holder, outcome, JSON.stringify(removed), error?.slice(0, 4000) ?? null],
    );
  }
}

/** The last pass as `maintenance_state` records it (status, metrics). */
export interface MaintenanceLastRun {
  startedAt: string | null;
  finishedAt: string | null;
  /** `interrupted`: stopped before the end (shutdown, lease lost); the next pass finishes the work. */
  outcome: 'completed' | 'interrupted' | 'failed' | null;
  /** A pass holds the lease now (or died holding it, until `leasedUntil`). */
  running: boolean;
  leasedUntil: string | null;
  removed: RetentionCounts | null;
  error: string | null;
}

export async function readLastMaintenanceRun(database: Pick<MaintenanceDatabase, 'query' | 'table'>): Promise<MaintenanceLastRun | null> {
  const { rows } = await database.query<{
    last_started_at: Date | null;
    last_finished_at: Date | null;
    last_outcome: 'completed' | 'interrupted' | 'failed' | null;
    leased_until: Date | null;
    running: boolean;
    last_removed: RetentionCounts | null;
    last_error: string | null;
  }>(
    `SELECT last_started_at, last_finished_at, last_outcome, leased_until, coalesce(leased_until > now(), false) AS running, last_removed, last_error
       FROM ${database.table('maintenance_state')} WHERE task = $1`,
    [RETENTION_TASK],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    startedAt: row.last_started_at?.toISOString() ?? null,
    finishedAt: row.last_finished_at?.toISOString() ?? null,
    outcome: row.last_outcome,
    running: row.running,
    leasedUntil: row.leased_until?.toISOString() ?? null,
    removed: row.last_removed,
    error: row.last_error,
  };
}
