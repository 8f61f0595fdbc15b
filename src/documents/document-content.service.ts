import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentContentStorage } from './document-content.storage';
import { DocumentStorageKind } from './documents-options';

/** A stored document, ready to be sent on (e.g. piped into an HTTP response). */
export interface DocumentContent {
  documentId: string;
  /**
   * From Tradecloud's metadata, the download's `Content-Disposition`, or the document's name. Chosen
   * by whoever attached the document: sanitise it before using it in a header or a path.
   */
  filename: string | null;
  contentType: string | null;
  sizeBytes: number;
  sha256: string;
  /** The bytes. Read it to the end or destroy it. */
  stream: Readable;
}

/**
 * Why {@link DocumentContentService.open} has no content to give:
 * - `not_found`: no document with that id;
 * - `pending`: not downloaded yet (or being retried);
 * - `failed`: the download failed for good (`documents.last_error` says why);
 * - `none`: the reference has neither `objectId` nor `url`, there is nothing to download;
 * - `missing`: recorded as stored in a file that is not there (any more), or in a directory this
 *   instance is not configured with.
 */
export type DocumentContentUnavailableReason = 'not_found' | 'pending' | 'failed' | 'none' | 'missing';

export class DocumentContentUnavailableError extends Error {
  override name = 'DocumentContentUnavailableError';

  constructor(
    readonly documentId: string,
    readonly reason: DocumentContentUnavailableReason,
  ) {
    super(`Document ${documentId} has no stored content (${reason})`);
  }
}

/** Reading stored document content, for a host application. */
@Injectable()
export class DocumentContentService {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly storage: DocumentContentStorage,
  ) {}

  /**
   * Opens the content of document `documentId` (the `documents.id`) as a stream, with its file
   * name, content type and size. Throws {@link DocumentContentUnavailableError} when there is
   * none (yet); its `reason` tells which case.
   */
  async open(documentId: string | number): Promise<DocumentContent> {
    const id = String(documentId);
    if (!/^\d{1,18}$/.test(id)) throw new DocumentContentUnavailableError(id, 'not_found');
    const found = await this.database.query<{
      content_status: string;
      sha256: string | null;
      filename: string | null;
      content_type: string | null;
      size_bytes: string | null;
      storage: DocumentStorageKind | null;
    }>(
      `SELECT d.content_status, d.sha256, d.filename, d.content_type, d.size_bytes, c.storage
         FROM ${this.database.table('documents')} d
         LEFT JOIN ${this.database.table('document_contents')} c ON c.sha256 = d.sha256
        WHERE d.id = $1`,
      [id],
    );
    const row = found.rows[0];
    if (!row) throw new DocumentContentUnavailableError(id, 'not_found');
    if (row.content_status !== 'stored' || !row.sha256 || !row.storage) {
      const reason = (['pending', 'failed', 'none'] as const).find((status) => status === row.content_status) ?? 'missing';
      throw new DocumentContentUnavailableError(id, reason);
    }
    const sizeBytes = Number(row.size_bytes);
    const stream = await this.storage.open(row.sha256, row.storage, sizeBytes);
    if (!stream) throw new DocumentContentUnavailableError(id, 'missing');
    return { documentId: id, filename: row.filename, contentType: row.content_type, sizeBytes, sha256: row.sha256, stream };
  }
}
