import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * The data lifecycle (retention and maintenance).
 *
 * - `webhook_events.body_pruned_at`: when maintenance removed the event's body (and raw body).
 *   The row itself stays until the row retention, so its idempotency key still answers a late
 *   redelivery as a duplicate. A body may be missing only once pruned, and only a settled event
 *   (never `pending` or `failed`) can be pruned: the database itself refuses anything else, so
 *   neither a bug nor a replay can leave an event to process without its body.
 * - `webhook_events_settled_body_idx`: the processed and stale events that still have a body,
 *   by receipt: the body-pruning pass and "oldest body kept" read it from its oldest end.
 * - `maintenance_state`: one row per maintenance task: the lease that lets one instance at a
 *   time run it (a row, not an advisory lock, so it also works behind a transaction-mode
 *   pooler), and the outcome and counts of the last pass for `tradecloud status`.
 */
export class DataLifecycle1765000019000 implements MigrationInterface {
  name = 'DataLifecycle1765000019000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ADD COLUMN body_pruned_at timestamptz`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events DROP CONSTRAINT webhook_events_body_present_check`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_events
        ADD CONSTRAINT webhook_events_body_present_check
          CHECK (body IS NOT NULL OR raw_body IS NOT NULL OR body_pruned_at IS NOT NULL),
        ADD CONSTRAINT webhook_events_pruned_settled_check
          CHECK (body_pruned_at IS NULL OR status NOT IN ('pending', 'failed'))`);
    await queryRunner.query(`
      CREATE INDEX webhook_events_settled_body_idx ON ${s}.webhook_events (received_at)
        WHERE body IS NOT NULL AND status IN ('processed', 'stale')`);

    await queryRunner.query(`
      CREATE TABLE ${s}.maintenance_state (
        task              text        NOT NULL,
        leased_by         text,
        leased_until      timestamptz,
        last_started_at   timestamptz,
        last_finished_at  timestamptz,
        last_outcome      text,
        last_error        text,
        last_removed      jsonb,
        CONSTRAINT maintenance_state_pkey PRIMARY KEY (task),
        CONSTRAINT maintenance_state_outcome_check CHECK (last_outcome IN ('completed', 'interrupted', 'failed'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.maintenance_state`);
    await queryRunner.query(`DROP INDEX ${s}.webhook_events_settled_body_idx`);
    // Rows whose body was pruned cannot satisfy the original check: they go (their bodies are gone anyway).
    await queryRunner.query(`DELETE FROM ${s}.webhook_events WHERE body IS NULL AND raw_body IS NULL`);
    await queryRunner.query(`
      ALTER TABLE ${s}.webhook_events
        DROP CONSTRAINT webhook_events_pruned_settled_check,
        DROP CONSTRAINT webhook_events_body_present_check,
        ADD CONSTRAINT webhook_events_body_present_check CHECK (body IS NOT NULL OR raw_body IS NOT NULL)`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events DROP COLUMN body_pruned_at`);
  }
}
