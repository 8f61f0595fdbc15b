import { existsSync } from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import type { QueryResultRow } from 'pg';
import type { SqlClient } from '../../database/tradecloud-database.service';
import { inTransaction } from '../../database/transaction';
import { removeContentFile } from '../../documents/filesystem-content.store';
import { MaintenanceLease } from '../../maintenance/maintenance-lease';
import { describeCounts } from '../../maintenance/maintenance.service';
import { formatDuration, readRetentionEnvironment, resolveRetentionOptions, ResolvedRetentionOptions, RETENTION_ENVIRONMENT } from '../../maintenance/retention-options';
import { MaintenanceDatabase, RetentionCounts, runRetentionPass } from '../../maintenance/retention-pass';
import { CliDatabase } from '../cli-database';
import { CliError, CliIo, printJson } from '../cli-output';

export interface PruneReport {
  dryRun: boolean;
  /** The retention applied, as configured (`30d`, `off`, …). */
  retention: { eventBodies: string; failedEventBodies: string; eventRows: string; changes: string; orphanedDocumentContent: boolean };
  /** What was removed, or with --dry-run what a pass now would remove. */
  removed: RetentionCounts;
  interrupted: boolean;
}

/**
 * `tradecloud prune [--dry-run]`: one retention pass now, with the retention of the service's
 * variables (EVENTS_BODY_RETENTION, …; defaults when unset), under the same lease as the
 * receivers' scheduled passes. `--dry-run` counts what the pass would remove and changes nothing.
 */
export async function pruneCommand(db: CliDatabase, io: CliIo, options: { dryRun: boolean; json: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const retention = readRetention(env);
  const database = maintenanceDatabase(db);
  const documentsDir = documentsDirectory(env);
  // Content stored as files is only touched where the service's content directory is (same DATA_DIR / DOCUMENTS_DIR).
  const removeFile = existsSync(documentsDir) ? (sha256: string) => removeContentFile(documentsDir, sha256) : undefined;
  const hooks = { dryRun: options.dryRun, removeContentFile: removeFile };
  let pass: { counts: RetentionCounts; stopped: boolean };
  if (options.dryRun) {
    pass = await runRetentionPass(database, retention, hooks);
  } else {
    const lease = new MaintenanceLease(database, `${hostname()}:${process.pid}:cli`);
    if (!(await lease.acquire())) throw new CliError('A maintenance pass is running (another instance holds the lease): try again when it has finished.');
    try {
      pass = await runRetentionPass(database, retention, { ...hooks, afterBatch: () => lease.renew() });
    } catch (error) {
      await lease.release('failed', { eventBodies: 0, failedEventBodies: 0, eventRows: 0, changes: 0, documentContents: 0 }, (error as Error).message).catch(() => undefined);
      throw error;
    }
    await lease.release(pass.stopped ? 'interrupted' : 'completed', pass.counts);
  }
  const report: PruneReport = {
    dryRun: options.dryRun,
    retention: {
      eventBodies: formatDuration(retention.eventBodiesSeconds),
      failedEventBodies: formatDuration(retention.failedEventBodiesSeconds),
      eventRows: formatDuration(retention.eventRowsSeconds),
      changes: formatDuration(retention.changesSeconds),
      orphanedDocumentContent: retention.orphanedDocumentContent,
    },
    removed: pass.counts,
    interrupted: pass.stopped,
  };
  if (options.json) {
    printJson(io, report);
    return 0;
  }
  const r = report.retention;
  io.out(`Retention: event bodies ${r.eventBodies}, dead/rejected bodies ${r.failedEventBodies}, event rows ${r.eventRows}, changes ${r.changes}, orphaned document content ${r.orphanedDocumentContent ? 'removed' : 'kept'}`);
  io.out(`${options.dryRun ? 'Would remove (--dry-run, nothing changed)' : 'Removed'}: ${describeCounts(pass.counts)}`);
  if (pass.stopped) io.out('The pass was interrupted (its lease was lost); the next pass finishes the work.');
  return 0;
}

function readRetention(env: NodeJS.ProcessEnv): ResolvedRetentionOptions {
  const problems: string[] = [];
  const options = readRetentionEnvironment(env, problems);
  if (problems.length) throw new CliError(problems.map((problem) => `Configuration error: ${problem}`).join('\n'));
  return resolveRetentionOptions(options, [], RETENTION_ENVIRONMENT);
}

/** DOCUMENTS_DIR, else DATA_DIR/documents: the `filesystem` storage's directory, as the service resolves it. */
function documentsDirectory(env: NodeJS.ProcessEnv): string {
  const dataDir = path.resolve(env.DATA_DIR?.trim() || '.data');
  return path.resolve(env.DOCUMENTS_DIR?.trim() || path.join(dataDir, 'documents'));
}

/** The CLI's pool as the pass's database. */
function maintenanceDatabase(db: CliDatabase): MaintenanceDatabase {
  return {
    table: (name) => db.table(name),
    query: <R extends QueryResultRow>(text: string, values?: unknown[]) => db.pool.query<R>(text, values),
    transaction: <T>(work: (client: SqlClient) => Promise<T>) => inTransaction(db.pool, work),
  };
}
