import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudQueueSchemaName, tradecloudSchema } from './migration-schema';

/**
 * The inbox is its own queue (issue 15): workers claim ready events straight from
 * `webhook_events` in batches (`FOR UPDATE SKIP LOCKED`, inside the transaction that applies
 * them), so intake is one INSERT and no job row per event exists any more.
 *
 * - `available_at`: when a `pending` or `failed` event may be processed (now for a new event; the
 *   back-off time for a failed one).
 * - `retries`: failed attempts since the event was last queued (reset by `tradecloud replay`),
 *   which the back-off and the `dead` decision count; `attempts` stays the event's whole history.
 * - `webhook_events_ready_idx`: the claim's index, small because only unsettled events are in it.
 *   Ordered by `available_at`: a claim reads ready events only, however many failed events wait
 *   for their back-off (an API outage can leave thousands), and new events in arrival order.
 *
 * Jobs of the former processing queue (pg-boss, `tradecloud-process-event`) are removed: their
 * events are `pending` or `failed` and are claimed from the inbox now.
 */
export class InboxQueue1765000022000 implements MigrationInterface {
  name = 'InboxQueue1765000022000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ADD COLUMN available_at timestamptz NOT NULL DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events ADD COLUMN retries integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      CREATE INDEX webhook_events_ready_idx ON ${s}.webhook_events (available_at, id)
        WHERE status IN ('pending', 'failed')`);
    const queue = tradecloudQueueSchemaName(queryRunner);
    const [{ present }] = (await queryRunner.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${queue}.job`])) as Array<{ present: boolean }>;
    if (present) await queryRunner.query(`DELETE FROM "${queue}".job WHERE name = 'tradecloud-process-event'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    // Events left pending or failed are processed again only by the version that claims them from
    // the inbox: going back needs `tradecloud replay` (or new jobs) for them.
    await queryRunner.query(`DROP INDEX ${s}.webhook_events_ready_idx`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events DROP COLUMN retries`);
    await queryRunner.query(`ALTER TABLE ${s}.webhook_events DROP COLUMN available_at`);
  }
}
