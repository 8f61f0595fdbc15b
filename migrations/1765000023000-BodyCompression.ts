import { MigrationInterface, QueryRunner } from 'typeorm';
import { lz4Supported, tradecloudSchema } from './migration-schema';

/**
 * Webhook bodies compressed with LZ4 where the server supports it (PostgreSQL 14 or later, built
 * with lz4), instead of the default pglz. A 5,000-line order is a 12 MB jsonb body (its tXML twin
 * also keeps 18 MB of XML in `raw_body`): intake compresses it once, and processing decompresses it
 * once per statement that reads it (the claim, then writing its lines and their schedules from it,
 * issue 15's R8). Measured on a 12 MB body: the INSERT 386 → 290 ms, each read 38 → 5 ms.
 * Only values written from now on use it; stored ones stay readable as they are. Without LZ4
 * support nothing changes.
 */
export class BodyCompression1765000023000 implements MigrationInterface {
  name = 'BodyCompression1765000023000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await lz4Supported(queryRunner))) return;
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ALTER COLUMN body SET COMPRESSION lz4, ALTER COLUMN raw_body SET COMPRESSION lz4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!(await lz4Supported(queryRunner))) return;
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ALTER COLUMN body SET COMPRESSION default, ALTER COLUMN raw_body SET COMPRESSION default`);
  }
}
