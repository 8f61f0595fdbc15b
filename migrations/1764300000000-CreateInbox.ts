import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * The inbox: every webhook request that passed authentication, stored before it is answered,
 * so that nothing Tradecloud sent is lost whatever happens afterwards.
 *
 * - `payload_kind`: which event object the body held (`orderEvent`, `singleDeliveryOrderEvent`,
 *   `orderDocumentsEvent`, `shipment`, `orderId`/`shipmentId` for GET webhooks).
 * - `body`: the JSON exactly as received, unknown fields included (jsonb keeps every decimal).
 * - `raw_body`: only for a rejected request whose body was not JSON at all.
 * - `outcome`: what processing applied and what it skipped as older.
 */
export class CreateInbox1764300000000 implements MigrationInterface {
  name = 'CreateInbox1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${s}.webhook_events (
        id            bigint GENERATED ALWAYS AS IDENTITY,
        received_at   timestamptz NOT NULL DEFAULT now(),
        endpoint      text        NOT NULL,
        payload_kind  text,
        event_name    text,
        entity_id     text,
        message_id    text,
        dedupe_key    text        NOT NULL,
        status        text        NOT NULL DEFAULT 'pending',
        attempts      integer     NOT NULL DEFAULT 0,
        last_error    text,
        processed_at  timestamptz,
        outcome       jsonb,
        body          jsonb,
        raw_body      text,
        CONSTRAINT webhook_events_pkey PRIMARY KEY (id),
        CONSTRAINT webhook_events_dedupe_key_key UNIQUE (dedupe_key),
        CONSTRAINT webhook_events_status_check
          CHECK (status IN ('pending', 'processed', 'stale', 'failed', 'dead', 'rejected')),
        CONSTRAINT webhook_events_body_present_check CHECK (body IS NOT NULL OR raw_body IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_events_status_received_at_idx ON ${s}.webhook_events (status, received_at)`);
    await queryRunner.query(`CREATE INDEX webhook_events_entity_id_idx ON ${s}.webhook_events (entity_id)`);
    await queryRunner.query(`CREATE INDEX webhook_events_received_at_idx ON ${s}.webhook_events (received_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.webhook_events`);
  }
}
