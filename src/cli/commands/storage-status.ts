import { MaintenanceLastRun, readLastMaintenanceRun } from '../../maintenance/maintenance-lease';
import { TABLE_BYTES_SQL } from '../../observability/metrics/storage-gauges';
import { CliDatabase } from '../cli-database';
import { formatAge, formatTable, formatTime } from '../cli-output';

export interface StorageStatus {
  /** Every table of the receiver, largest first: total bytes (indexes and TOAST included) and index bytes. */
  tables: Array<{ table: string; schema: string; bytes: number; indexBytes: number }>;
  totalBytes: number;
  /** The oldest body a processed or stale event still keeps (retention removes it after EVENTS_BODY_RETENTION). */
  oldestBody: { id: string; receivedAt: string; ageSeconds: number } | null;
  /** Events whose body retention removed (rows kept for their idempotency key). */
  prunedEvents: number;
  maintenance: MaintenanceLastRun | null;
}

/** The storage part of `tradecloud status`. */
export async function readStorageStatus(db: CliDatabase): Promise<StorageStatus> {
  const tables = await db.query<{ table: string; schema: string; bytes: string; index_bytes: string }>(TABLE_BYTES_SQL, [db.target.schema]);
  const events = db.table('webhook_events');
  const [oldest] = await db.query<{ id: string; received_at: Date; age: number }>(
    `SELECT id::text, received_at, extract(epoch FROM now() - received_at)::float8 AS age FROM ${events}
      WHERE body IS NOT NULL AND status IN ('processed', 'stale') ORDER BY received_at LIMIT 1`,
  );
  // A database the data-lifecycle migration has not reached yet has no pruned events.
  const [pruned] = (await db.hasColumn('webhook_events', 'body_pruned_at'))
    ? await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${events} WHERE body_pruned_at IS NOT NULL`)
    : [{ count: 0 }];
  const maintenance = (await db.hasTable('maintenance_state')) ? await readLastMaintenanceRun({ table: (name) => db.table(name), query: (text, values) => db.pool.query(text, values) }) : null;
  const rows = tables.map((row) => ({ table: row.table, schema: row.schema, bytes: Number(row.bytes), indexBytes: Number(row.index_bytes) }));
  return {
    tables: rows,
    totalBytes: rows.reduce((sum, row) => sum + row.bytes, 0),
    oldestBody: oldest ? { id: oldest.id, receivedAt: oldest.received_at.toISOString(), ageSeconds: oldest.age } : null,
    prunedEvents: pruned?.count ?? 0,
    maintenance,
  };
}

export function printStorageStatus(out: (line: string) => void, storage: StorageStatus): void {
  out(`\nStorage: ${formatBytes(storage.totalBytes)} in ${storage.tables.length} tables`);
  const shown = storage.tables.filter((row) => row.bytes > 0).slice(0, 12);
  if (shown.length) out(formatTable(['TABLE', 'TOTAL', 'INDEXES'], shown.map((row) => [row.table, formatBytes(row.bytes), formatBytes(row.indexBytes)])));
  const oldest = storage.oldestBody;
  out(`Oldest body kept: ${oldest ? `event ${oldest.id}, received ${formatTime(oldest.receivedAt)}, ${formatAge(oldest.ageSeconds)} ago` : 'none'}; ${storage.prunedEvents} event(s) without body (pruned)`);
  const run = storage.maintenance;
  if (!run?.startedAt) out('Maintenance: never ran');
  else {
    const state = run.running ? `running since ${formatTime(run.startedAt)}` : `last ran ${formatTime(run.finishedAt ?? run.startedAt)} (${run.outcome ?? 'unfinished'})`;
    const removed = run.removed ? `, removed ${Object.entries(run.removed).map(([what, n]) => `${what} ${n}`).join(', ')}` : '';
    out(`Maintenance: ${state}${run.running ? '' : removed}${run.error ? `: ${run.error}` : ''}`);
  }
}

/** 1536 → `1.5 kB`, binary units like PostgreSQL's pg_size_pretty. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
