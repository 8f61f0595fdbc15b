import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * `dead_event_deliveries`: domain-event deliveries that will not be retried, kept with the reason
 * instead of being dropped: the handler id is no longer in the application (a renamed or removed
 * handler), or the handler failed on every attempt. `event` is the event exactly as it would have
 * been delivered, so a host can deliver it by hand.
 */
export class CreateDeadEventDeliveries1765000016000 implements MigrationInterface {
  name = 'CreateDeadEventDeliveries1765000016000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.dead_event_deliveries (
        id          bigint      GENERATED ALWAYS AS IDENTITY,
        handler_id  text        NOT NULL,
        event_type  text        NOT NULL,
        event_id    text        NOT NULL,
        event       jsonb       NOT NULL,
        attempts    integer     NOT NULL,
        reason      text        NOT NULL,
        died_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT dead_event_deliveries_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE INDEX dead_event_deliveries_died_at_idx ON ${s}.dead_event_deliveries (died_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.dead_event_deliveries`);
  }
}
