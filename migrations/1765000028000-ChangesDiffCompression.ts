import { MigrationInterface, QueryRunner } from 'typeorm';
import { lz4Supported, tradecloudSchema } from './migration-schema';

/**
 * `changes.diff` compressed with LZ4 where the server supports it (PostgreSQL 14 or later, built
 * with lz4), instead of the default pglz. A line's diff is often 2–3 KB of jsonb (a new version
 * that changes quantities, prices and schedules), which makes its row just long enough to be
 * compressed, and every processed event writes one such row per changed line. Measured on
 * PostgreSQL 15 with the benchmark's diffs (2.3 KB on average, batches of 352 rows as 32 ten-line
 * order events write them, 30 batches each): the INSERT took 27.7 ms per batch with pglz, 20.8 ms
 * with LZ4, 21.1 ms uncompressed; the table 14.4 MB with pglz, 16.1 MB with LZ4, 37.4 MB
 * uncompressed. Only values written from now on use it; stored ones stay readable as they are.
 * Without LZ4 support nothing changes (uncompressed history would take 2.6 times the space).
 */
export class ChangesDiffCompression1765000028000 implements MigrationInterface {
  name = 'ChangesDiffCompression1765000028000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await lz4Supported(queryRunner))) return;
    await queryRunner.query(`ALTER TABLE ${tradecloudSchema(queryRunner)}.changes ALTER COLUMN diff SET COMPRESSION lz4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!(await lz4Supported(queryRunner))) return;
    await queryRunner.query(`ALTER TABLE ${tradecloudSchema(queryRunner)}.changes ALTER COLUMN diff SET COMPRESSION default`);
  }
}
