import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryResult, QueryResultRow } from 'pg';
import type { SqlClient } from '../database/tradecloud-database.service';
import type { ResolvedRetentionOptions } from './retention-options';

/** What one pass removes, by kind of data (the `what` label of `tradecloud_maintenance_deleted_total`). */
export interface RetentionCounts {
  /** Bodies of processed and stale events past `eventBodies`. */
  eventBodies: number;
  /** Bodies of dead and rejected events past `failedEventBodies`. */
  failedEventBodies: number;
  /** Whole event rows past `eventRows`. */
  eventRows: number;
  /** `changes` rows past `changes`. */
  changes: number;
  /** Document content no document references any more. */
  documentContents: number;
}

export const RETENTION_TASKS = ['eventBodies', 'failedEventBodies', 'eventRows', 'changes', 'documentContents'] as const satisfies ReadonlyArray<keyof RetentionCounts>;

/** Metric label of each task. */
export const RETENTION_TASK_LABELS: Record<keyof RetentionCounts, string> = {
  eventBodies: 'event_bodies',
  failedEventBodies: 'failed_event_bodies',
  eventRows: 'event_rows',
  changes: 'changes',
  documentContents: 'document_contents',
};

/** What the pass needs of a database: the module's TradecloudDatabase, or the CLI's pool. */
export interface MaintenanceDatabase {
  table(name: string): string;
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T>;
}

export interface RetentionPassHooks {
  /** Count what would go, change nothing. */
  dryRun?: boolean;
  /**
   * Removes the file of `filesystem` content. Without it such content is left alone (this
   * process does not know the directory), and only `postgres` content is removed.
   */
  removeContentFile?: (sha256: string) => Promise<void>;
  /** Called after every batch; answering false stops the pass there (the lease was lost, the process stops). */
  afterBatch?: (task: keyof RetentionCounts, removed: number) => Promise<boolean> | boolean;
}

/** Content stored this recently is left alone: a download may still be about to reference it. */
export const ORPHAN_CONTENT_GRACE_SECONDS = 86_400;

/**
 * One retention pass: each task deletes (or, for bodies, blanks) its rows in batches of
 * `batchSize`, oldest first, each batch one statement in its own short transaction that locks
 * only the rows it changes and skips rows another transaction holds (`FOR UPDATE SKIP
 * LOCKED`). Intake (inserts of new rows) and processing (updates of pending rows, never
 * candidates here) therefore never wait for it, and a pass killed at any point leaves every
 * table consistent: what it committed is done, the rest is found again by the next pass.
 *
 * The cutoffs are fixed at the start of the pass, so a dry run counts exactly what a real
 * pass started at the same moment removes.
 */
export async function runRetentionPass(database: MaintenanceDatabase, options: ResolvedRetentionOptions, hooks: RetentionPassHooks = {}): Promise<{ counts: RetentionCounts; stopped: boolean }> {
  const events = database.table('webhook_events');
  const counts: RetentionCounts = { eventBodies: 0, failedEventBodies: 0, eventRows: 0, changes: 0, documentContents: 0 };
  const [{ now }] = (await database.query<{ now: Date }>('SELECT now() AS now')).rows;
  const cutoff = (seconds: number | null) => (seconds === null ? null : new Date(now.getTime() - seconds * 1000));
  const batch = options.batchSize;

  const tasks: Array<{ task: keyof RetentionCounts; cutoff: Date | null; count: string; step: string }> = [
    {
      task: 'eventBodies',
      cutoff: cutoff(options.eventBodiesSeconds),
      // processed_at: an event replayed long after receipt keeps its body for the full retention.
      count: `SELECT count(*)::int AS n FROM ${events}
               WHERE status IN ('processed', 'stale') AND body IS NOT NULL AND received_at < $1 AND processed_at < $1`,
      step: `UPDATE ${events} SET body = NULL, raw_body = NULL, fetched_body = NULL, body_pruned_at = now()
              WHERE id IN (SELECT id FROM ${events}
                            WHERE status IN ('processed', 'stale') AND body IS NOT NULL AND received_at < $1 AND processed_at < $1
                            ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                AND status IN ('processed', 'stale')`,
    },
    {
      task: 'failedEventBodies',
      cutoff: cutoff(options.failedEventBodiesSeconds),
      count: `SELECT count(*)::int AS n FROM ${events}
               WHERE status IN ('dead', 'rejected') AND (body IS NOT NULL OR raw_body IS NOT NULL) AND received_at < $1`,
      step: `UPDATE ${events} SET body = NULL, raw_body = NULL, fetched_body = NULL, body_pruned_at = now()
              WHERE id IN (SELECT id FROM ${events}
                            WHERE status IN ('dead', 'rejected') AND (body IS NOT NULL OR raw_body IS NOT NULL) AND received_at < $1
                            ORDER BY status, received_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                AND status IN ('dead', 'rejected')`,
    },
    {
      task: 'eventRows',
      cutoff: cutoff(options.eventRowsSeconds),
      // Never a pending or failed event, whatever its age: it has not been processed yet.
      count: `SELECT count(*)::int AS n FROM ${events}
               WHERE received_at < $1 AND status IN ('processed', 'stale', 'dead', 'rejected') AND coalesce(processed_at, received_at) < $1`,
      step: `DELETE FROM ${events}
              WHERE id IN (SELECT id FROM ${events}
                            WHERE received_at < $1 AND status IN ('processed', 'stale', 'dead', 'rejected') AND coalesce(processed_at, received_at) < $1
                            ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                AND status IN ('processed', 'stale', 'dead', 'rejected')`,
    },
    {
      task: 'changes',
      cutoff: cutoff(options.changesSeconds),
      count: `SELECT count(*)::int AS n FROM ${database.table('changes')} WHERE recorded_at < $1`,
      step: `DELETE FROM ${database.table('changes')}
              WHERE id IN (SELECT id FROM ${database.table('changes')} WHERE recorded_at < $1
                            ORDER BY recorded_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    },
  ];

  for (const { task, cutoff: before, count, step } of tasks) {
    if (before === null) continue;
    if (hooks.dryRun) {
      counts[task] = (await database.query<{ n: number }>(count, [before])).rows[0].n;
      continue;
    }
    for (;;) {
      const started = performance.now();
      const removed = (await database.query(step, [before, batch])).rowCount ?? 0;
      counts[task] += removed;
      if (hooks.afterBatch && !(await hooks.afterBatch(task, removed))) return { counts, stopped: true };
      if (removed < batch) break;
      await rest(performance.now() - started);
    }
  }

  if (options.orphanedDocumentContent) {
    const contentsBefore = new Date(now.getTime() - ORPHAN_CONTENT_GRACE_SECONDS * 1000);
    const stopped = await removeOrphanedContent(database, contentsBefore, batch, counts, hooks);
    if (stopped) return { counts, stopped: true };
  }
  return { counts, stopped: false };
}

/**
 * Content no document row references (a document re-downloaded to new bytes, a download that
 * stored content and failed before linking it). Rows are locked, files removed, rows deleted,
 * then committed: a pass killed in between leaves rows whose file may be gone, which the next
 * pass finds again (removing a missing file is not an error). A download linking the same
 * content at that moment fails its foreign key and is retried, storing the content again.
 */
async function removeOrphanedContent(database: MaintenanceDatabase, before: Date, batch: number, counts: RetentionCounts, hooks: RetentionPassHooks): Promise<boolean> {
  const contents = database.table('document_contents');
  const documents = database.table('documents');
  const storages = hooks.removeContentFile ? ['postgres', 'filesystem'] : ['postgres'];
  const orphaned = `FROM ${contents} c
                    WHERE c.created_at < $1 AND c.storage = ANY($2::text[])
                      AND NOT EXISTS (SELECT 1 FROM ${documents} d WHERE d.sha256 = c.sha256)`;
  if (hooks.dryRun) {
    counts.documentContents = (await database.query<{ n: number }>(`SELECT count(*)::int AS n ${orphaned}`, [before, storages])).rows[0].n;
    return false;
  }
  for (;;) {
    const started = performance.now();
    const removed = await database.transaction(async (client) => {
      const { rows } = await client.query<{ sha256: string; storage: string }>(
        `SELECT c.sha256, c.storage ${orphaned} ORDER BY c.created_at LIMIT $3 FOR UPDATE OF c SKIP LOCKED`,
        [before, storages, batch],
      );
      for (const row of rows) if (row.storage === 'filesystem') await hooks.removeContentFile!(row.sha256);
      if (!rows.length) return 0;
      const deleted = await client.query(
        `DELETE FROM ${contents} c WHERE c.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM ${documents} d WHERE d.sha256 = c.sha256)`,
        [rows.map((row) => row.sha256)],
      );
      return deleted.rowCount ?? 0;
    });
    counts.documentContents += removed;
    if (hooks.afterBatch && !(await hooks.afterBatch('documentContents', removed))) return true;
    if (removed < batch) return false;
    await rest(performance.now() - started);
  }
}

/**
 * The pause after a full batch: as long as the batch took. A pass then keeps the database busy
 * at most half of its time, and webhooks arriving meanwhile share the machine with half a pass
 * (on the 2-core benchmark machine a pass at full speed tripled the ack p99 of 200 requests a
 * second, BENCHMARKS.md). It takes twice as long: at 100,000 events a day an hourly pass is still
 * a matter of seconds.
 */
function rest(batchMs: number): Promise<void> {
  return sleep(Math.min(MAX_REST_MS, batchMs));
}

/** Longest pause between two batches (a batch slowed by a lock or an I/O stall does not stop the pass for long). */
const MAX_REST_MS = 1_000;
