import { CliDatabase } from '../cli-database';
import { formatTable, formatTime } from '../cli-output';

/** Per kind: the last reconciliation or sync pass and the cursor (from `reconcile_state`, so it covers every instance). */
export interface ReconcileStatus {
  kind: string;
  lastPassAt: string | null;
  durationMs: number | null;
  outcome: string | null;
  fetched: number | null;
  applied: number | null;
  missed: number | null;
  cursor: string | null;
  lastSuccessAt: string | null;
  error: string | null;
}

export async function readReconcileStatus(db: CliDatabase): Promise<ReconcileStatus[]> {
  if (!(await db.hasTable('reconcile_state'))) return [];
  const rows = await db.query<{
    kind: string;
    last_pass_finished_at: Date | null;
    last_pass_duration_ms: number | null;
    last_outcome: string | null;
    last_fetched: number | null;
    last_applied: number | null;
    last_missed: number | null;
    cursor: string | null;
    last_success_at: Date | null;
    last_error: string | null;
  }>(
    `SELECT kind, last_pass_finished_at, last_pass_duration_ms, last_outcome, last_fetched, last_applied, last_missed, cursor, last_success_at, last_error
       FROM ${db.table('reconcile_state')} ORDER BY kind`,
  );
  return rows.map((row) => ({
    kind: row.kind,
    lastPassAt: row.last_pass_finished_at?.toISOString() ?? null,
    durationMs: row.last_pass_duration_ms,
    outcome: row.last_outcome,
    fetched: row.last_fetched,
    applied: row.last_applied,
    missed: row.last_missed,
    cursor: row.cursor,
    lastSuccessAt: row.last_success_at?.toISOString() ?? null,
    error: row.last_error,
  }));
}

export function formatReconcileStatus(rows: ReconcileStatus[]): string {
  if (!rows.length) return 'Reconciliation: no pass yet (tradecloud sync, or TRADECLOUD_RECONCILE_INTERVAL in the receiver)';
  const table = formatTable(
    ['KIND', 'LAST PASS', 'OUTCOME', 'DURATION', 'FETCHED', 'APPLIED', 'MISSED', 'CURSOR'],
    rows.map((row) => [
      row.kind,
      formatTime(row.lastPassAt),
      row.outcome,
      row.durationMs === null ? null : `${(row.durationMs / 1000).toFixed(1)} s`,
      row.fetched,
      row.applied,
      row.missed,
      row.cursor,
    ]),
  );
  const errors = rows.filter((row) => row.outcome === 'failed' && row.error).map((row) => `${row.kind}: ${row.error}`);
  return `Reconciliation:\n${table}${errors.length ? `\n${errors.join('\n')}` : ''}`;
}
