import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * The statement-level check of schedule and delivery-history rows (migration ScheduleRowChecks)
 * looks up each distinct line once, not each row.
 *
 * A line writes a dozen rows (four schedules and its history), and the check probed the key index
 * of `order_lines` once per row: processing transactions plan without hash joins
 * (`batch-transaction.ts`), and with `LIMIT 1` the planner chooses the nested loop anyway. For the
 * 60,000 rows of a 5,000-line order that was 105–115 ms of the statement that writes them; the
 * distinct keys first (5,000) take 25–27 ms (PostgreSQL 15, the same rows as a transition table).
 * A batch of 32 ten-line order events (3,840 rows, 320 lines) probes 320 times instead of 3,840.
 * What is refused, and how (SQLSTATE 23503 naming one missing key), does not change.
 */
export class ScheduleRowChecksPerLine1765000027000 implements MigrationInterface {
  name = 'ScheduleRowChecksPerLine1765000027000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(checkFunction(tradecloudSchema(queryRunner), 'SELECT DISTINCT n.order_id, n.line_id FROM new_rows n'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The function as ScheduleRowChecks created it: every row probed.
    await queryRunner.query(checkFunction(tradecloudSchema(queryRunner), 'SELECT n.order_id, n.line_id FROM new_rows n'));
  }
}

/** `schedule_rows_have_their_line()`, checking the (order_id, line_id) pairs that `keys` selects from the statement's rows. */
function checkFunction(schema: string, keys: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${schema}.schedule_rows_have_their_line() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      orphan record;
      found_orphans bigint;
    BEGIN
      EXECUTE format(
        'SELECT k.order_id, k.line_id FROM (${keys}) k
          WHERE NOT EXISTS (SELECT 1 FROM %I.order_lines l WHERE l.order_id = k.order_id AND l.line_id = k.line_id)
          LIMIT 1', TG_TABLE_SCHEMA) INTO orphan;
      GET DIAGNOSTICS found_orphans = ROW_COUNT; -- EXECUTE does not set FOUND
      IF found_orphans > 0 THEN
        RAISE EXCEPTION 'insert or update on table "%" refers to an order line that does not exist', TG_TABLE_NAME
          USING ERRCODE = 'foreign_key_violation', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                DETAIL = format('Key (order_id, line_id)=(%s, %s) is not present in table "order_lines".', orphan.order_id, orphan.line_id);
      END IF;
      RETURN NULL;
    END $$`;
}
