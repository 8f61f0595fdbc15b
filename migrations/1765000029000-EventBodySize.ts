import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * `webhook_events.body_size`: the length of the body as intake stored it (the JSON text, for tXML
 * its conversion), in characters (bytes, for the ASCII JSON Tradecloud sends). The workers claim
 * events up to a budget of body text (`queue.batchBodyBytes`), so that a backlog of large orders
 * is not parsed 32 at a time; jsonb keeps no such length, and printing it to measure it would cost
 * as much as reading it. Events stored before this column have none: the claim counts their
 * stored (compressed) size instead. A new nullable column without a default changes no row.
 */
export class EventBodySize1765000029000 implements MigrationInterface {
  name = 'EventBodySize1765000029000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ADD COLUMN body_size integer`);
    await queryRunner.query(
      `COMMENT ON COLUMN ${s}.webhook_events.body_size IS 'Length of body as intake stored it (characters of the JSON text; for tXML its conversion); null for events stored before it was kept'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${tradecloudSchema(queryRunner)}.webhook_events DROP COLUMN body_size`);
  }
}
