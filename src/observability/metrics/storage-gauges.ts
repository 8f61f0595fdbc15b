import { Gauge, Registry } from 'prom-client';
import type { TradecloudDatabase } from '../../database/tradecloud-database.service';

interface StorageSnapshot {
  tables: Array<{ table: string; bytes: number }>;
  oldestBodySeconds: number;
}

/**
 * Disk use and retention, read from PostgreSQL at scrape time (like {@link DatabaseGauges}):
 * the size of every table of the receiver (indexes and TOAST included), and the age of the
 * oldest body a settled event still keeps, which retention holds near `retention.eventBodies`.
 */
export class StorageGauges {
  private pending?: Promise<StorageSnapshot | undefined>;
  private takenAt = 0;

  constructor(
    registry: Registry,
    private readonly database: () => TradecloudDatabase | undefined,
  ) {
    const snapshot = () => this.snapshot();
    new Gauge({
      name: 'tradecloud_table_bytes',
      help: 'Bytes on disk of each table of the receiver (indexes and TOAST included; job queue tables too), read at scrape time.',
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        const taken = await snapshot();
        if (!taken) return;
        this.reset();
        for (const row of taken.tables) this.set({ table: row.table }, row.bytes);
      },
    });
    new Gauge({
      name: 'tradecloud_events_oldest_body_age_seconds',
      help: 'Age (since receipt) of the oldest body kept by a processed or stale event; retention keeps it near EVENTS_BODY_RETENTION plus the maintenance interval. 0 when none.',
      registers: [registry],
      async collect() {
        const taken = await snapshot();
        if (taken) this.set(taken.oldestBodySeconds);
      },
    });
  }

  private snapshot(): Promise<StorageSnapshot | undefined> {
    if (!this.pending || Date.now() - this.takenAt > 200) {
      this.takenAt = Date.now();
      this.pending = this.query().catch(() => undefined);
    }
    return this.pending;
  }

  private async query(): Promise<StorageSnapshot | undefined> {
    const database = this.database();
    if (!database) return undefined;
    const tables = await database.query<{ table: string; bytes: string }>(TABLE_BYTES_SQL, [database.schema]);
    // The partial index webhook_events_settled_body_idx answers this from its first entry.
    const oldest = await database.query<{ seconds: number | null }>(
      `SELECT extract(epoch FROM now() - min(received_at))::float8 AS seconds FROM ${database.table('webhook_events')}
        WHERE body IS NOT NULL AND status IN ('processed', 'stale')`,
    );
    return {
      tables: tables.rows.map((row) => ({ table: row.table, bytes: Number(row.bytes) })),
      oldestBodySeconds: Math.max(0, oldest.rows[0]?.seconds ?? 0),
    };
  }
}

/**
 * Every table of the receiver's schema and of the job queue's (`<schema>_queue`, where the queue
 * lives in its own schema): total size, and the part taken by indexes. `$1` is the schema.
 */
export const TABLE_BYTES_SQL = `
  SELECT c.relname AS table, pg_total_relation_size(c.oid)::text AS bytes, pg_indexes_size(c.oid)::text AS index_bytes,
         n.nspname AS schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname::text IN ($1::text, $1::text || '_queue') AND c.relkind IN ('r', 'p')
   ORDER BY pg_total_relation_size(c.oid) DESC, c.relname`;
