import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { EventContext } from '../changes/change-recorder';
import { stringifyExact } from '../changes/lossless-json';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { DocumentDownloadQueue } from './document-download.queue';
import { OwnedDocument } from './document-reference.mapper';

/** A document row that was just added. */
export interface StoredDocument {
  id: string;
  lineId: string | null;
  documentKey: string;
  objectId: string | null;
  lastUpdatedAt: string | null;
}

/**
 * Document references. They only accumulate: a reference seen again in the same place is left
 * as it is, and nothing is deleted when a later event no longer lists it. Each added reference
 * with an `objectId` or a `url` gets its download job in the same transaction (see
 * {@link DocumentDownloadQueue}); the download itself runs later, on its own.
 */
@Injectable()
export class DocumentStore {
  constructor(
    private readonly database: TradecloudDatabase,
    private readonly downloads: DocumentDownloadQueue,
  ) {}

  /** Adds the order documents not stored yet; returns the ones it added. A reference without objectId and url needs no download (`none`). */
  async addOrderDocuments(client: PoolClient, orderId: string, documents: OwnedDocument[], context: EventContext): Promise<StoredDocument[]> {
    const [added] = await this.addOrderDocumentsOfEach(client, [{ orderId, documents, context }]);
    return added;
  }

  /**
   * Adds the order documents of several events in one statement, as {@link addOrderDocuments} would
   * one event after the other: a reference several of them carry is added (and credited) once, to
   * the first. Returns the documents each event added.
   */
  async addOrderDocumentsOfEach(
    client: PoolClient,
    events: Array<{ orderId: string; documents: OwnedDocument[]; context: EventContext }>,
  ): Promise<StoredDocument[][]> {
    const added: StoredDocument[][] = events.map(() => []);
    const rows = events.flatMap(({ orderId, documents, context }, index) =>
      documents.map((document) => ({
        ord: index,
        order_id: orderId,
        first_event_id: context.eventId,
      document_key: document.documentKey,
      object_id: document.objectId,
      url: document.url,
      code: document.code,
      revision: document.revision,
      name: document.name,
      type: document.type,
      description: document.description,
      line_id: document.lineId,
      line_position: document.linePosition,
      side: document.side,
        content_status: document.objectId || document.url ? 'pending' : 'none',
        document: document.document,
      })),
    );
    if (!rows.length) return added;
    // `ord` (each row's event) comes back through a CTE of the input: RETURNING only has stored columns.
    const inserted = await client.query<{ ord: number; id: string; line_id: string | null; document_key: string; object_id: string | null; content_status: string }>(
      `WITH input AS MATERIALIZED (
         SELECT row_number() OVER () AS n, x.*
           FROM jsonb_to_recordset($1::jsonb) AS x(
                ord integer, order_id uuid, first_event_id bigint, document_key text, object_id text, url text, code text,
                revision text, name text, type text, description text, line_id uuid, line_position text, side text,
                content_status text, document jsonb)),
       inserted AS (
         INSERT INTO ${this.database.table('documents')} AS d
           (document_key, object_id, url, code, revision, name, type, description, order_id, line_id, line_position,
            side, content_status, download_enqueued, document, first_event_id)
         SELECT x.document_key, x.object_id, x.url, x.code, x.revision, x.name, x.type, x.description, x.order_id,
                x.line_id, x.line_position, x.side, x.content_status, x.content_status = 'pending' AND $2::boolean, x.document,
                x.first_event_id
           FROM input x ORDER BY x.n
         ON CONFLICT (order_id, (coalesce(line_id::text, line_position, '')), side, document_key) WHERE order_id IS NOT NULL
         DO NOTHING
         RETURNING id, order_id, line_id, line_position, side, document_key, object_id, content_status)
       SELECT (SELECT min(x.ord) FROM input x
                WHERE x.order_id = i.order_id AND coalesce(x.line_id::text, x.line_position, '') = coalesce(i.line_id::text, i.line_position, '')
                  AND x.side = i.side AND x.document_key = i.document_key) AS ord,
              i.id, i.line_id, i.document_key, i.object_id, i.content_status
         FROM inserted i ORDER BY i.id`,
      [stringifyExact(rows), this.downloads.enabled],
    );
    await this.enqueueDownloads(client, inserted.rows);
    for (const row of inserted.rows) {
      added[row.ord].push({ id: String(row.id), lineId: row.line_id, documentKey: row.document_key, objectId: row.object_id, lastUpdatedAt: null });
    }
    return added;
  }

  /**
   * Adds shipment documents not stored yet. A shipment document has its own
   * `meta.lastUpdatedAt`: a newer version of the same reference refreshes its metadata.
   */
  async addShipmentDocuments(client: PoolClient, shipmentId: string, documents: OwnedDocument[], context: EventContext): Promise<StoredDocument[]> {
    if (!documents.length) return [];
    const rows = documents.map((document) => ({
      document_key: document.documentKey,
      object_id: document.objectId,
      url: document.url,
      code: document.code,
      revision: document.revision,
      name: document.name,
      type: document.type,
      description: document.description,
      side: document.side,
      content_status: document.objectId || document.url ? 'pending' : 'none',
      last_updated_at: document.lastUpdatedAt,
      document: document.document,
    }));
    const written = await client.query<{
      id: string;
      document_key: string;
      object_id: string | null;
      content_status: string;
      last_updated_at: Date | null;
      inserted: boolean;
    }>(
      `INSERT INTO ${this.database.table('documents')} AS d
         (document_key, object_id, url, code, revision, name, type, description, shipment_id, side, content_status,
          download_enqueued, last_updated_at, document, first_event_id)
       SELECT x.document_key, x.object_id, x.url, x.code, x.revision, x.name, x.type, x.description, $2,
              x.side, x.content_status, x.content_status = 'pending' AND $4::boolean, x.last_updated_at, x.document, $3
         FROM jsonb_to_recordset($1::jsonb) AS x(
              document_key text, object_id text, url text, code text, revision text, name text, type text,
              description text, side text, content_status text, last_updated_at timestamptz, document jsonb)
       ON CONFLICT (shipment_id, side, document_key) WHERE shipment_id IS NOT NULL
       DO UPDATE SET code = EXCLUDED.code, revision = EXCLUDED.revision, name = EXCLUDED.name, type = EXCLUDED.type,
                     description = EXCLUDED.description, last_updated_at = EXCLUDED.last_updated_at, document = EXCLUDED.document
         WHERE d.last_updated_at < EXCLUDED.last_updated_at
       RETURNING id, document_key, object_id, content_status, last_updated_at, (xmax = 0) AS inserted`,
      [stringifyExact(rows), shipmentId, context.eventId, this.downloads.enabled],
    );
    await this.enqueueDownloads(client, written.rows.filter((row) => row.inserted));
    return written.rows
      .filter((row) => row.inserted)
      .map((row) => ({
        id: String(row.id),
        lineId: null,
        documentKey: row.document_key,
        objectId: row.object_id,
        lastUpdatedAt: row.last_updated_at?.toISOString() ?? null,
      }));
  }

  /** One download job per new content, sent in the transaction that recorded the rows. */
  private async enqueueDownloads(client: PoolClient, rows: Array<{ id: string; object_id: string | null; content_status: string }>): Promise<void> {
    if (!this.downloads.enabled) return;
    const waiting = rows.filter((row) => row.content_status === 'pending').map((row) => ({ id: String(row.id), objectId: row.object_id }));
    await this.downloads.enqueue(client, waiting);
  }
}
