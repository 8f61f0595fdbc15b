import { MigrationInterface, QueryRunner } from 'typeorm';
import { lz4Supported, tradecloudSchema } from './migration-schema';

/**
 * How `order_lines` keeps each line's JSON (`line`). A typical line is 2–4 KB of jsonb, which makes
 * its row just long enough for PostgreSQL to compress it (rows over 2 KB are), and lines are
 * rewritten on every change of their order. With pglz, the only method of a server built without
 * LZ4 (the embedded PostgreSQL among them), compressing every line took about a tenth of the
 * database's CPU time in a backfill of 10,000 orders (`npm run bench`, scenario 7). So:
 * - with LZ4: lines are compressed with LZ4, several times cheaper than pglz;
 * - without: rows of up to 4 KB are stored as they are (`toast_tuple_target`), longer ones are
 *   still compressed. A stored order line then takes about 1.4 KB more (README, Data lifecycle).
 * Only rows written from now on are affected; stored ones stay readable as they are.
 */
export class LineStorage1765000024000 implements MigrationInterface {
  name = 'LineStorage1765000024000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    if (await lz4Supported(queryRunner)) await queryRunner.query(`ALTER TABLE ${s}.order_lines ALTER COLUMN line SET COMPRESSION lz4`);
    else await queryRunner.query(`ALTER TABLE ${s}.order_lines SET (toast_tuple_target = ${UNCOMPRESSED_ROW_BYTES})`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    if (await lz4Supported(queryRunner)) await queryRunner.query(`ALTER TABLE ${s}.order_lines ALTER COLUMN line SET COMPRESSION default`);
    else await queryRunner.query(`ALTER TABLE ${s}.order_lines RESET (toast_tuple_target)`);
  }
}

/** Rows of `order_lines` up to this length are not compressed on a server without LZ4. */
const UNCOMPRESSED_ROW_BYTES = 4096;
