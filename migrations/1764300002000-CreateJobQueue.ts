import { MigrationInterface, QueryRunner } from 'typeorm';
import PgBoss from 'pg-boss';

/**
 * The job queue's tables (pg-boss 10, schema version 24) in our schema, so that every table the
 * receiver needs is created by migrations: a deployment that runs migrations in its pipeline
 * (DATABASE_MIGRATIONS_RUN=false) never needs DDL rights at start-up.
 *
 * pg-boss's own plan wraps itself in BEGIN/COMMIT; TypeORM already runs each migration in a
 * transaction, so those two statements are taken out. A later pg-boss upgrade gets its own
 * migration from `PgBoss.getMigrationPlans(schema, fromVersion)`.
 */
export class CreateJobQueue1764300002000 implements MigrationInterface {
  name = 'CreateJobQueue1764300002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaName(queryRunner);
    const plan = PgBoss.getConstructionPlans(schema)
      .replace(/^\s*BEGIN;/, '')
      .replace(/COMMIT;\s*$/, '');
    await queryRunner.query(plan);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaName(queryRunner);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${s}.create_queue(text, json)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS ${s}.delete_queue(text)`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.subscription, ${s}.schedule, ${s}.archive, ${s}.job, ${s}.queue, ${s}.version CASCADE`);
    await queryRunner.query(`DROP TYPE IF EXISTS ${s}.job_state`);
  }
}

/** pg-boss writes the schema name into its SQL unquoted; ours is a validated lower-case identifier. */
function schemaName(queryRunner: QueryRunner): string {
  return (queryRunner.connection.options as { schema?: string }).schema ?? 'tradecloud';
}
