import { Gauge, Registry } from 'prom-client';
import type { TradecloudDatabase } from '../../database/tradecloud-database.service';
import { WEBHOOK_EVENT_KINDS } from '../event-kinds';

/** Statuses worth a gauge: the ones that need attention. Processed and stale grow forever; their rate is `tradecloud_event_processing_total`. */
export const WATCHED_EVENT_STATUSES = ['pending', 'failed', 'dead', 'rejected'] as const;
const DOCUMENT_STATUSES = ['pending', 'stored', 'failed', 'none'] as const;

interface DatabaseSnapshot {
  events: Array<{ kind: string; status: string; count: number }>;
  oldestPendingSeconds: number;
  jobs: Array<{ queue: string; state: string; count: number; oldestSeconds: number | null }>;
  documents: Array<{ status: string; count: number; bytes: number | null }>;
  documentBytesKnown: boolean;
}

/**
 * Gauges read from PostgreSQL when Prometheus scrapes, so every instance reports the shared
 * truth (the inbox and the queue are in the database, not in one process). One snapshot serves
 * all gauges of a scrape; a database that does not answer sets `tradecloud_metrics_database_up`
 * to 0 and leaves the gauges at their last values.
 */
export class DatabaseGauges {
  private pending?: Promise<DatabaseSnapshot | undefined>;
  private takenAt = 0;
  private sizeColumn?: boolean;

  constructor(
    registry: Registry,
    private readonly database: () => TradecloudDatabase | undefined,
  ) {
    // Each gauge refreshes from the shared snapshot; prom-client awaits collect() on every scrape.
    const snapshot = () => this.snapshot();
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], apply: (gauge: Gauge<L>, snapshot: DatabaseSnapshot) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const taken = await snapshot();
          if (taken) apply(this, taken);
        },
      });
    new Gauge({
      name: 'tradecloud_metrics_database_up',
      help: '1 when the scrape-time database queries succeeded.',
      registers: [registry],
      async collect() {
        this.set((await snapshot()) ? 1 : 0);
      },
    });
    gauge('tradecloud_events', `Stored webhook events by kind and status (${WATCHED_EVENT_STATUSES.join(', ')}), counted at scrape time.`, ['kind', 'status'], (events, snapshot) => {
      events.reset();
      for (const kind of WEBHOOK_EVENT_KINDS) for (const status of WATCHED_EVENT_STATUSES) events.set({ kind, status }, 0);
      for (const row of snapshot.events) events.set({ kind: row.kind, status: row.status }, row.count);
    });
    gauge('tradecloud_events_oldest_pending_age_seconds', 'Age of the oldest event still waiting for processing (pending or failed); 0 when none.', [], (oldest, snapshot) =>
      oldest.set(snapshot.oldestPendingSeconds),
    );
    gauge('tradecloud_queue_jobs', 'Jobs in the PostgreSQL job queue by queue and state (created and retry: waiting; active: running).', ['queue', 'state'], (jobs, snapshot) => {
      jobs.reset();
      for (const row of snapshot.jobs) jobs.set({ queue: row.queue, state: row.state }, row.count);
    });
    gauge('tradecloud_queue_oldest_waiting_age_seconds', 'Age of the oldest waiting job (created or retry) per queue; 0 when none.', ['queue'], (oldestJob, snapshot) => {
      oldestJob.reset();
      const waiting = new Map<string, number>();
      for (const row of snapshot.jobs) {
        if (!waiting.has(row.queue)) waiting.set(row.queue, 0);
        if (row.state !== 'active' && row.oldestSeconds !== null) waiting.set(row.queue, Math.max(waiting.get(row.queue)!, row.oldestSeconds));
      }
      for (const [queue, age] of waiting) oldestJob.set({ queue }, age);
    });
    gauge('tradecloud_documents', 'Document references by content status (downloads: pending, stored, failed; none: nothing to download).', ['content_status'], (documents, snapshot) => {
      documents.reset();
      for (const status of DOCUMENT_STATUSES) documents.set({ content_status: status }, 0);
      for (const row of snapshot.documents) documents.set({ content_status: row.status }, row.count);
    });
    gauge('tradecloud_documents_bytes', 'Bytes of document content by content status (present once the documents table records sizes).', ['content_status'], (bytes, snapshot) => {
      bytes.reset();
      if (!snapshot.documentBytesKnown) return;
      for (const row of snapshot.documents) bytes.set({ content_status: row.status }, row.bytes ?? 0);
    });
  }

  /** One set of queries per scrape (the gauges' collect() calls arrive together). */
  private snapshot(): Promise<DatabaseSnapshot | undefined> {
    if (!this.pending || Date.now() - this.takenAt > 200) {
      this.takenAt = Date.now();
      this.pending = this.query().catch(() => undefined);
    }
    return this.pending;
  }

  private async query(): Promise<DatabaseSnapshot | undefined> {
    const database = this.database();
    if (!database) return undefined;
    const events = await database.query<{ kind: string; status: string; count: number }>(
      `SELECT endpoint AS kind, status, count(*)::int AS count FROM ${database.table('webhook_events')}
        WHERE status = ANY($1::text[]) GROUP BY endpoint, status`,
      [WATCHED_EVENT_STATUSES],
    );
    const oldest = await database.query<{ seconds: number | null }>(
      `SELECT extract(epoch FROM now() - min(received_at))::float8 AS seconds FROM ${database.table('webhook_events')}
        WHERE status IN ('pending', 'failed')`,
    );
    const jobs = await database.query<{ queue: string; state: string; count: number; oldest_seconds: number | null }>(
      `SELECT name AS queue, state::text AS state, count(*)::int AS count,
              extract(epoch FROM now() - min(created_on))::float8 AS oldest_seconds
         FROM ${database.queueTable('job')} WHERE state IN ('created', 'retry', 'active') GROUP BY name, state`,
    );
    if (this.sizeColumn !== true) this.sizeColumn = await hasColumn(database, 'documents', 'size_bytes');
    const documents = await database.query<{ status: string; count: number; bytes: string | null }>(
      `SELECT content_status AS status, count(*)::int AS count, ${this.sizeColumn ? 'sum(size_bytes)::text' : 'NULL::text'} AS bytes
         FROM ${database.table('documents')} GROUP BY content_status`,
    );
    return {
      events: events.rows,
      oldestPendingSeconds: Math.max(0, oldest.rows[0]?.seconds ?? 0),
      jobs: jobs.rows.map((row) => ({ queue: row.queue, state: row.state, count: row.count, oldestSeconds: row.oldest_seconds })),
      documents: documents.rows.map((row) => ({ status: row.status, count: row.count, bytes: row.bytes === null ? null : Number(row.bytes) })),
      documentBytesKnown: this.sizeColumn,
    };
  }
}

/** The documents feature is being extended concurrently: read its columns instead of assuming them. */
async function hasColumn(database: TradecloudDatabase, table: string, column: string): Promise<boolean> {
  const result = await database.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3',
    [database.schema, table, column],
  );
  return result.rows.length > 0;
}
