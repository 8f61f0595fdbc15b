import { MigrationInterface, QueryRunner } from 'typeorm';
import { tradecloudSchema } from './migration-schema';

/**
 * Schedule and delivery-history rows are checked against their order line once per statement
 * instead of once per row.
 *
 * A foreign key is checked row by row: for every inserted row PostgreSQL runs a lookup of the
 * line and locks it. A line version writes a dozen such rows (four schedules and the history),
 * so the checks cost about as much as writing the rows themselves: 0.25–0.6 s of the statement
 * that writes a 5,000-line order's 60,000 schedule rows (bench/ANALYSIS.md). The keys are
 * replaced by triggers that do the same set-based, once per statement:
 *
 * - `delivery_lines` and `delivery_history` refuse rows whose line does not exist (after an
 *   INSERT or UPDATE statement, one anti-join of its rows with `order_lines`; SQLSTATE 23503,
 *   `foreign_key_violation`, as the key gave);
 * - deleting order lines deletes their schedule and history rows (as `ON DELETE CASCADE` did);
 * - the key of an order line (`order_id`, `line_id`) cannot be updated.
 *
 * The check is planned for each statement's rows (`EXECUTE`): a batch of a few lines probes the
 * key index of `order_lines`, a 5,000-line order may hash. What the triggers do not repeat is the
 * key's row lock: a line deleted by hand while the receiver writes its schedule could leave rows
 * behind. The receiver itself never deletes a line, and writes a line's rows under its order's lock.
 */
export class ScheduleRowChecks1765000026000 implements MigrationInterface {
  name = 'ScheduleRowChecks1765000026000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`
      CREATE FUNCTION ${s}.schedule_rows_have_their_line() RETURNS trigger LANGUAGE plpgsql
      SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        orphan record;
        found_orphans bigint;
      BEGIN
        EXECUTE format(
          'SELECT n.order_id, n.line_id FROM new_rows n
            WHERE NOT EXISTS (SELECT 1 FROM %I.order_lines l WHERE l.order_id = n.order_id AND l.line_id = n.line_id)
            LIMIT 1', TG_TABLE_SCHEMA) INTO orphan;
        GET DIAGNOSTICS found_orphans = ROW_COUNT; -- EXECUTE does not set FOUND
        IF found_orphans > 0 THEN
          RAISE EXCEPTION 'insert or update on table "%" refers to an order line that does not exist', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (order_id, line_id)=(%s, %s) is not present in table "order_lines".', orphan.order_id, orphan.line_id);
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of SCHEDULE_TABLES) {
      for (const event of ['INSERT', 'UPDATE']) {
        await queryRunner.query(
          `CREATE TRIGGER ${table}_line_check_${event.toLowerCase()} AFTER ${event} ON ${s}.${table}
             REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${s}.schedule_rows_have_their_line()`,
        );
      }
      await queryRunner.query(`ALTER TABLE ${s}.${table} DROP CONSTRAINT ${table}_line_fkey`);
    }

    await queryRunner.query(`
      CREATE FUNCTION ${s}.order_lines_remove_schedule_rows() RETURNS trigger LANGUAGE plpgsql
      SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        EXECUTE format('DELETE FROM %I.delivery_lines d USING old_rows o WHERE d.order_id = o.order_id AND d.line_id = o.line_id', TG_TABLE_SCHEMA);
        EXECUTE format('DELETE FROM %I.delivery_history h USING old_rows o WHERE h.order_id = o.order_id AND h.line_id = o.line_id', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER order_lines_schedule_rows_removed AFTER DELETE ON ${s}.order_lines
         REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${s}.order_lines_remove_schedule_rows()`,
    );

    await queryRunner.query(`
      CREATE FUNCTION ${s}.order_line_keys_unchanged() RETURNS trigger LANGUAGE plpgsql
      SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        RAISE EXCEPTION 'the key of order line (order_id %, line_id %) cannot change: its schedule rows refer to it', OLD.order_id, OLD.line_id
          USING ERRCODE = 'foreign_key_violation', SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER order_lines_keys_unchanged BEFORE UPDATE OF order_id, line_id ON ${s}.order_lines FOR EACH ROW
         WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id OR OLD.line_id IS DISTINCT FROM NEW.line_id)
         EXECUTE FUNCTION ${s}.order_line_keys_unchanged()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = tradecloudSchema(queryRunner);
    await queryRunner.query(`DROP TRIGGER order_lines_keys_unchanged ON ${s}.order_lines`);
    await queryRunner.query(`DROP FUNCTION ${s}.order_line_keys_unchanged()`);
    await queryRunner.query(`DROP TRIGGER order_lines_schedule_rows_removed ON ${s}.order_lines`);
    await queryRunner.query(`DROP FUNCTION ${s}.order_lines_remove_schedule_rows()`);
    for (const table of SCHEDULE_TABLES) {
      for (const event of ['insert', 'update']) await queryRunner.query(`DROP TRIGGER ${table}_line_check_${event} ON ${s}.${table}`);
      // Rows whose order line is gone would make ADD CONSTRAINT fail. The triggers leave such
      // rows only through the gap described above (a line deleted by hand while its rows were
      // being written); the key's ON DELETE CASCADE would have deleted them with their line, so
      // they are deleted now. This runs in the migration's transaction: should the down fail
      // after all, they are kept.
      await queryRunner.query(`
        DELETE FROM ${s}.${table} r
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.order_lines l WHERE l.order_id = r.order_id AND l.line_id = r.line_id)`);
      await queryRunner.query(
        `ALTER TABLE ${s}.${table} ADD CONSTRAINT ${table}_line_fkey FOREIGN KEY (order_id, line_id)
           REFERENCES ${s}.order_lines (order_id, line_id) ON DELETE CASCADE`,
      );
    }
    await queryRunner.query(`DROP FUNCTION ${s}.schedule_rows_have_their_line()`);
  }
}

const SCHEDULE_TABLES = ['delivery_lines', 'delivery_history'];
