import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Document content, downloaded in the background.
 *
 * - `document_contents`: each distinct content once, keyed by its SHA-256. `storage` says where
 *   the bytes are: in `content` ('postgres') or in a file named by the hash below the configured
 *   directory ('filesystem', `content` NULL). Content is never changed, only added.
 * - `documents` gains what was downloaded for the reference (`sha256`, `filename`,
 *   `content_type`, `size_bytes`, `downloaded_at`), the reason of a final failure (`last_error`),
 *   and `download_enqueued`: whether a download job was sent for it (rows recorded before this
 *   migration, or while downloads were switched off, get their job at the next start).
 * - `document_downloads`: one row per download (per `objectId`, or per document for a `url`):
 *   attempts, the last error while it is retried, and the lease of the job downloading it now,
 *   so that the same object is never downloaded twice at the same time.
 */
export class CreateDocumentContents1764300004000 implements MigrationInterface {
  name = 'CreateDocumentContents1764300004000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.document_contents (
        sha256       text        NOT NULL,
        storage      text        NOT NULL,
        content      bytea,
        size_bytes   bigint      NOT NULL,
        content_type text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT document_contents_pkey PRIMARY KEY (sha256),
        CONSTRAINT document_contents_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        CONSTRAINT document_contents_storage_check CHECK (storage IN ('postgres', 'filesystem')),
        CONSTRAINT document_contents_content_check CHECK ((storage = 'postgres') = (content IS NOT NULL)),
        CONSTRAINT document_contents_size_check CHECK (size_bytes >= 0)
      )`);
    // Documents are mostly compressed already (PDF, images, zip); stored uncompressed, a slice
    // of the value (substring) reads only its own TOAST chunks, so content streams in parts.
    await queryRunner.query(`ALTER TABLE ${s}.document_contents ALTER COLUMN content SET STORAGE EXTERNAL`);

    await queryRunner.query(`
      ALTER TABLE ${s}.documents
        ADD COLUMN sha256            text,
        ADD COLUMN filename          text,
        ADD COLUMN content_type      text,
        ADD COLUMN size_bytes        bigint,
        ADD COLUMN downloaded_at     timestamptz,
        ADD COLUMN last_error        text,
        ADD COLUMN download_enqueued boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT documents_content_fkey FOREIGN KEY (sha256) REFERENCES ${s}.document_contents (sha256),
        ADD CONSTRAINT documents_stored_content_check CHECK (content_status <> 'stored' OR sha256 IS NOT NULL)`);
    await queryRunner.query(`CREATE INDEX documents_sha256_idx ON ${s}.documents (sha256)`);
    await queryRunner.query(`
      CREATE INDEX documents_download_not_enqueued_idx ON ${s}.documents (id)
        WHERE content_status = 'pending' AND NOT download_enqueued`);

    await queryRunner.query(`
      CREATE TABLE ${s}.document_downloads (
        download_key    text        NOT NULL,
        attempts        integer     NOT NULL DEFAULT 0,
        last_error      text,
        last_attempt_at timestamptz,
        leased_by       text,
        leased_until    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT document_downloads_pkey PRIMARY KEY (download_key)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.document_downloads`);
    await queryRunner.query(`DROP INDEX ${s}.documents_download_not_enqueued_idx`);
    await queryRunner.query(`DROP INDEX ${s}.documents_sha256_idx`);
    // Content downloaded so far is forgotten: references go back to waiting for a download.
    await queryRunner.query(`UPDATE ${s}.documents SET content_status = 'pending' WHERE content_status IN ('stored', 'failed')`);
    await queryRunner.query(`
      ALTER TABLE ${s}.documents
        DROP CONSTRAINT documents_stored_content_check,
        DROP CONSTRAINT documents_content_fkey,
        DROP COLUMN download_enqueued,
        DROP COLUMN last_error,
        DROP COLUMN downloaded_at,
        DROP COLUMN size_bytes,
        DROP COLUMN content_type,
        DROP COLUMN filename,
        DROP COLUMN sha256`);
    await queryRunner.query(`DROP TABLE ${s}.document_contents`);
  }
}
