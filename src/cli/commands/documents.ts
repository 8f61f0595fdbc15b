import { DocumentDownloader } from '../../documents/document-downloader.service';
import { CliDatabase } from '../cli-database';
import { CliIo, printJson, usageError } from '../cli-output';
import { openModuleContext } from '../module-context';

export interface DocumentsRetryResult {
  /** Failed documents put back to pending (with --failed or ids). */
  reopened: number;
  /** Download jobs sent (one per distinct content: several references to one objectId share a job). */
  queued: number;
  /** Pending documents that had never got a job (recorded while downloads were off, or before they existed). */
  caughtUp: number;
}

/**
 * `tradecloud documents retry [--failed] [<document id>…]`: queues downloads again through the
 * documents feature's own DocumentDownloader (same queue, same one-job-per-content rule).
 * Always catches up pending documents that never got a job; `--failed` (or ids) also puts
 * failed downloads back, after their cause (credentials, a partner's server) was fixed.
 */
export async function documentsRetryCommand(db: CliDatabase, io: CliIo, ids: string[], options: { failed: boolean; json: boolean }): Promise<number> {
  for (const id of ids) if (!/^\d{1,19}$/.test(id)) throw usageError(`"${id}" is not a document id (digits only)`);
  const before = await countFailed(db, ids);
  const context = await openModuleContext(db.target);
  let result: DocumentsRetryResult;
  try {
    const downloader = context.get(DocumentDownloader);
    const reopenedJobs = options.failed || ids.length ? await downloader.retryFailed(ids.length ? ids : undefined) : 0;
    const caughtUp = await downloader.enqueueWaiting();
    const after = await countFailed(db, ids);
    result = { reopened: before - after, queued: reopenedJobs + caughtUp, caughtUp };
  } finally {
    await context.close();
  }
  if (options.json) {
    printJson(io, result);
  } else {
    io.out(`${result.reopened} failed document(s) put back to pending; ${result.queued} download job(s) queued (${result.caughtUp} for documents that had none).`);
    if (!options.failed && !ids.length && before > 0) io.out(`${before} document(s) are failed: add --failed to retry them.`);
  }
  return 0;
}

async function countFailed(db: CliDatabase, ids: string[]): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${db.table('documents')} WHERE content_status = 'failed' AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))`,
    [ids.length ? ids : null],
  );
  return row.count;
}
