import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DomainEventPublisher } from '../events/domain-event.publisher';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentToDownload } from './document-download.queue';

/** Namespace of the per-download advisory locks (the first key of `pg_advisory_xact_lock(int, int)`). */
const DOWNLOAD_LOCK_NAMESPACE = 0x7443_0003;

/** What one content is downloaded for: every row of an `objectId`, or the one row of a `url`. */
export interface DownloadScope {
  /** `object:<objectId>` or `document:<id>`: the `document_downloads` key. */
  key: string;
  objectId: string | null;
  url: string | null;
  documentId: string;
}

export type DownloadClaim =
  /** Nothing left to do: no pending row (stored, failed or gone meanwhile). */
  | { kind: 'done' }
  /** Another job is downloading the same content now and will update these rows too. */
  | { kind: 'busy' }
  /** The same `objectId` was stored before: its content was attached to the pending rows. */
  | { kind: 'reused'; sha256: string }
  /** This job downloads it (attempt number `attempts` of this content). */
  | { kind: 'claimed'; scope: DownloadScope; attempts: number };

export interface StoredContentFacts {
  sha256: string;
  sizeBytes: number;
  filename: string | null;
  contentType: string | null;
}

/**
 * The bookkeeping of downloads. A download is claimed under a per-content lock with a lease in
 * `document_downloads`, so that one `objectId` is downloaded by one job at a time however many
 * rows (lines, orders, shipments) refer to it, and once stored is never downloaded again.
 */
@Injectable()
export class DocumentDownloadRepository {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly domainEvents: DomainEventPublisher,
  ) {}

  /**
   * Queues `document.stored` for each row that now has its content (same transaction as the
   * update); returns how many deliveries it queued (none without a subscribed handler).
   */
  private async publishStored(client: PoolClient, rows: Array<{ id: string; order_id: string | null; shipment_id: string | null }>, sha256: string): Promise<number> {
    const occurredAt = new Date().toISOString();
    return this.domainEvents.publish(
      client,
      rows.map((row) => ({
        type: 'document.stored' as const,
        id: `document.stored:${row.id}:${sha256}`,
        documentId: String(row.id),
        orderId: row.order_id,
        shipmentId: row.shipment_id,
        sha256,
        sourceEventId: null,
        sourceEventName: null,
        occurredAt,
      })),
    );
  }

  async claim(documentId: string, jobId: string, leaseSeconds: number): Promise<DownloadClaim> {
    const documents = this.database.table('documents');
    let queued = 0;
    const claim = await this.database.transaction(async (client): Promise<DownloadClaim> => {
      const found = await client.query<{ object_id: string | null; url: string | null }>(
        `SELECT object_id, url FROM ${documents} WHERE id = $1`,
        [documentId],
      );
      const row = found.rows[0];
      if (!row || (!row.object_id && !row.url)) return { kind: 'done' };
      const scope: DownloadScope = {
        key: row.object_id ? `object:${row.object_id}` : `document:${documentId}`,
        objectId: row.object_id,
        url: row.object_id ? null : row.url,
        documentId,
      };
      await this.lock(client, scope);
      const { where, value } = this.scopeFilter(scope);
      const pending = await client.query(`SELECT 1 FROM ${documents} WHERE ${where} AND content_status = 'pending' LIMIT 1`, [value]);
      if (!pending.rowCount) return { kind: 'done' };
      if (scope.objectId) {
        const reused = await client.query<{ sha256: string }>(
          `UPDATE ${documents} d
              SET content_status = 'stored', sha256 = s.sha256, filename = coalesce(s.filename, d.name),
                  content_type = s.content_type, size_bytes = s.size_bytes, downloaded_at = s.downloaded_at, last_error = NULL
             FROM (SELECT sha256, filename, content_type, size_bytes, downloaded_at FROM ${documents}
                    WHERE object_id = $1 AND content_status = 'stored' ORDER BY id LIMIT 1) s
            WHERE d.object_id = $1 AND d.content_status = 'pending'
            RETURNING s.sha256, d.id, d.order_id, d.shipment_id`,
          [scope.objectId],
        );
        if (reused.rowCount) {
          queued = await this.publishStored(client, reused.rows as never, reused.rows[0].sha256);
          return { kind: 'reused', sha256: reused.rows[0].sha256 };
        }
      }
      const leased = await client.query<{ attempts: number }>(
        `INSERT INTO ${this.database.table('document_downloads')} AS w
                (download_key, attempts, last_attempt_at, leased_by, leased_until)
         VALUES ($1, 1, now(), $2, now() + make_interval(secs => $3))
         ON CONFLICT (download_key) DO UPDATE
            SET attempts = w.attempts + 1, last_attempt_at = now(), leased_by = EXCLUDED.leased_by, leased_until = EXCLUDED.leased_until
          WHERE w.leased_until IS NULL OR w.leased_until < now() OR w.leased_by = EXCLUDED.leased_by
         RETURNING attempts`,
        [scope.key, jobId, leaseSeconds],
      );
      if (!leased.rowCount) return { kind: 'busy' };
      return { kind: 'claimed', scope, attempts: leased.rows[0].attempts };
    });
    // The content was already stored under another row: its `document.stored` events are committed now.
    if (queued > 0) this.domainEvents.wake();
    return claim;
  }

  /** Points every row of the scope that is still waiting (or failed earlier) at the stored content, and ends the lease. */
  async markStored(scope: DownloadScope, jobId: string, facts: StoredContentFacts): Promise<number> {
    const stored = await this.database.transaction(async (client) => {
      await this.lock(client, scope);
      const { where, value } = this.scopeFilter(scope);
      const updated = await client.query(
        `UPDATE ${this.database.table('documents')}
            SET content_status = 'stored', sha256 = $2, filename = coalesce($3, name), content_type = $4,
                size_bytes = $5, downloaded_at = now(), last_error = NULL
          WHERE ${where} AND content_status IN ('pending', 'failed')
          RETURNING id, order_id, shipment_id`,
        [value, facts.sha256, facts.filename, facts.contentType, facts.sizeBytes],
      );
      const queued = await this.publishStored(client, updated.rows, facts.sha256);
      await this.endLease(client, scope, jobId, null);
      return { count: updated.rowCount ?? 0, queued };
    });
    // Committed: wake the delivery workers, if there is anything for them.
    if (stored.queued > 0) this.domainEvents.wake();
    return stored.count;
  }

  /** Records a failed attempt; `final` marks the scope's waiting rows `failed` with the reason. */
  async markFailed(scope: DownloadScope, jobId: string, message: string, final: boolean): Promise<void> {
    await this.database.transaction(async (client) => {
      await this.lock(client, scope);
      await this.endLease(client, scope, jobId, message);
      const { where, value } = this.scopeFilter(scope);
      if (!final) {
        // While the download is retried, the document shows the latest error too (cleared when stored).
        await client.query(`UPDATE ${this.database.table('documents')} SET last_error = $2 WHERE ${where} AND content_status = 'pending'`, [
          value,
          message,
        ]);
        return;
      }
      await client.query(
        `UPDATE ${this.database.table('documents')} SET content_status = 'failed', last_error = $2
          WHERE ${where} AND content_status = 'pending'`,
        [value, message],
      );
    });
  }

  /**
   * Marks up to `limit` waiting rows that never got a job (recorded before downloads existed or
   * while they were switched off) as enqueued, in the caller's transaction; returns them.
   */
  async takeNotEnqueued(client: PoolClient, limit: number): Promise<DocumentToDownload[]> {
    const documents = this.database.table('documents');
    const taken = await client.query<{ id: string; object_id: string | null }>(
      `UPDATE ${documents} SET download_enqueued = true
        WHERE id IN (SELECT id FROM ${documents} WHERE content_status = 'pending' AND NOT download_enqueued
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, object_id`,
      [limit],
    );
    return taken.rows.map((row) => ({ id: String(row.id), objectId: row.object_id }));
  }

  /** Sets `failed` rows (all, or the given ids) back to `pending`, in the caller's transaction; returns them. */
  async reopenFailed(client: PoolClient, documentIds?: string[]): Promise<DocumentToDownload[]> {
    const reopened = await client.query<{ id: string; object_id: string | null }>(
      `UPDATE ${this.database.table('documents')}
          SET content_status = 'pending', last_error = NULL, download_enqueued = true
        WHERE content_status = 'failed' AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
        RETURNING id, object_id`,
      [documentIds ?? null],
    );
    return reopened.rows.map((row) => ({ id: String(row.id), objectId: row.object_id }));
  }

  private async endLease(client: PoolClient, scope: DownloadScope, jobId: string, lastError: string | null): Promise<void> {
    await client.query(
      `UPDATE ${this.database.table('document_downloads')}
          SET leased_by = NULL, leased_until = NULL, last_error = $3
        WHERE download_key = $1 AND leased_by = $2`,
      [scope.key, jobId, lastError],
    );
  }

  private async lock(client: PoolClient, scope: DownloadScope): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DOWNLOAD_LOCK_NAMESPACE, scope.key]);
  }

  /** The rows a download serves: all of its `objectId`, or the single `url` document. */
  private scopeFilter(scope: DownloadScope): { where: string; value: string } {
    return scope.objectId ? { where: 'object_id = $1', value: scope.objectId } : { where: 'id = $1', value: scope.documentId };
  }
}
