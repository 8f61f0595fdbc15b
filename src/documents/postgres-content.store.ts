import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { TradecloudDatabase } from '../database/tradecloud-database.service';
import { StagedContent } from './content-staging';

/** Size of the pieces content travels in between this process and Postgres, both ways. */
const PART_BYTES = 1024 * 1024;

/**
 * Content kept in `document_contents.content` (bytea). The bytes go to Postgres in 1 MB parts
 * that Postgres joins itself, and come back in 1 MB slices, so this process never holds a whole
 * document in memory.
 */
export class PostgresContentStore {
  constructor(private readonly database: TradecloudDatabase) {}

  /** Stores the staged file under its hash, unless that content is stored already (any storage). */
  async save(staged: StagedContent, contentType: string | null): Promise<void> {
    const contents = this.database.table('document_contents');
    if (await this.exists(staged.sha256)) return;
    await this.database.transaction(async (client) => {
      await client.query('CREATE TEMP TABLE tradecloud_content_parts (seq integer NOT NULL, part bytea NOT NULL) ON COMMIT DROP');
      let seq = 0;
      for await (const part of createReadStream(staged.path, { highWaterMark: PART_BYTES })) {
        await client.query('INSERT INTO pg_temp.tradecloud_content_parts (seq, part) VALUES ($1, $2)', [seq++, part]);
      }
      const inserted = await client.query(
        `INSERT INTO ${contents} (sha256, storage, content, size_bytes, content_type)
         SELECT $1, 'postgres', coalesce(string_agg(part, ''::bytea ORDER BY seq), ''::bytea), $2, $3
           FROM pg_temp.tradecloud_content_parts
         ON CONFLICT (sha256) DO NOTHING
         RETURNING length(content) AS length`,
        [staged.sha256, staged.sizeBytes, contentType],
      );
      const length = inserted.rows[0]?.length;
      if (length !== undefined && Number(length) !== staged.sizeBytes) {
        throw new Error(`stored ${length} bytes of document content ${staged.sha256} instead of ${staged.sizeBytes}`);
      }
    });
  }

  /** The content's bytes, read lazily in slices. */
  open(sha256: string, sizeBytes: number): Readable {
    const contents = this.database.table('document_contents');
    const database = this.database;
    let offset = 0;
    return new Readable({
      highWaterMark: PART_BYTES,
      read() {
        if (offset >= sizeBytes) {
          this.push(null);
          return;
        }
        database
          .query<{ part: Buffer | null }>(`SELECT substring(content FROM $2 FOR $3) AS part FROM ${contents} WHERE sha256 = $1`, [
            sha256,
            offset + 1,
            PART_BYTES,
          ])
          .then(({ rows }) => {
            const part = rows[0]?.part;
            if (!part || part.length === 0) throw new Error(`document content ${sha256} ends at ${offset} of ${sizeBytes} bytes`);
            offset += part.length;
            this.push(part);
          })
          .catch((error) => this.destroy(error as Error));
      },
    });
  }

  private async exists(sha256: string): Promise<boolean> {
    const found = await this.database.query(`SELECT 1 FROM ${this.database.table('document_contents')} WHERE sha256 = $1`, [sha256]);
    return found.rowCount !== 0;
  }
}
