import { MigrationInterface, QueryRunner } from 'typeorm';
import PgBoss from 'pg-boss';
import { tradecloudQueueSchemaName, tradecloudSchemaName } from './migration-schema';

/**
 * Moves the job queue's tables (pg-boss 10, schema version 24) out of the receiver's schema into
 * their own (`<schema>_queue`, see `database.queueSchema`), so that the schema users query holds
 * only the receiver's tables, views and its `migrations` table.
 *
 * pg-boss names its job partitions after the queue and writes the schema into its functions, so
 * the tables are not moved with ALTER … SET SCHEMA: the queue is created afresh in the new schema
 * (pg-boss's own construction plan), every queue is created again with its policy (which makes
 * its partition), and the queues, jobs (every state, `active` ones included, ids kept), archive,
 * schedules and subscriptions are copied; then the old objects are dropped. All in this
 * migration's one transaction: no job is lost, and a failure leaves the old layout as it was.
 */
export class MoveJobQueueToOwnSchema1765000016001 implements MigrationInterface {
  name = 'MoveJobQueueToOwnSchema1765000016001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await moveJobQueue(queryRunner, tradecloudSchemaName(queryRunner), tradecloudQueueSchemaName(queryRunner));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await moveJobQueue(queryRunner, tradecloudQueueSchemaName(queryRunner), tradecloudSchemaName(queryRunner));
  }
}

const JOB_COLUMNS = [
  'id', 'name', 'priority', 'data', 'retry_limit', 'retry_count', 'retry_delay', 'retry_backoff', 'start_after', 'started_on',
  'singleton_key', 'singleton_on', 'expire_in', 'created_on', 'completed_on', 'keep_until', 'output', 'dead_letter', 'policy',
].join(', ');

async function moveJobQueue(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  const exists = async (schema: string) =>
    ((await queryRunner.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${schema}.version`])) as Array<{ present: boolean }>)[0].present;
  if (!(await exists(from))) {
    // Nothing to move (the queue was never created in `from`): make sure it exists in `to`.
    if (!(await exists(to))) await queryRunner.query(constructionPlan(to));
    return;
  }
  if (await exists(to)) {
    // Both exist, e.g. the receiver's schema was dropped and created again beside a kept queue
    // schema: an empty queue in `from` is simply dropped; jobs in both is for a person to sort out.
    const [{ jobs }] = (await queryRunner.query(
      `SELECT (SELECT count(*) FROM ${from}.job) + (SELECT count(*) FROM ${from}.archive) AS jobs`,
    )) as Array<{ jobs: string }>;
    if (Number(jobs) > 0) {
      throw new Error(`The job queue exists in both "${from}" (with ${jobs} jobs) and "${to}": keep one of them and run the migrations again`);
    }
    await dropJobQueue(queryRunner, from);
    return;
  }
  await queryRunner.query(constructionPlan(to));
  // Queues first (dead-letter targets before the queues that name them): create_queue makes each partition.
  await queryRunner.query(`
    SELECT ${to}.create_queue(name, json_build_object(
             'policy', policy, 'retryLimit', retry_limit, 'retryDelay', retry_delay, 'retryBackoff', retry_backoff,
             'expireInSeconds', expire_seconds, 'retentionMinutes', retention_minutes, 'deadLetter', dead_letter))
      FROM ${from}.queue ORDER BY dead_letter IS NOT NULL, name`);
  await queryRunner.query(`
    UPDATE ${to}.queue q SET created_on = o.created_on, updated_on = o.updated_on FROM ${from}.queue o WHERE q.name = o.name`);
  await queryRunner.query(`
    UPDATE ${to}.version v SET maintained_on = o.maintained_on, cron_on = o.cron_on, monitored_on = o.monitored_on FROM ${from}.version o`);
  await queryRunner.query(`INSERT INTO ${to}.schedule SELECT * FROM ${from}.schedule`);
  await queryRunner.query(`INSERT INTO ${to}.subscription SELECT * FROM ${from}.subscription`);
  await queryRunner.query(`
    INSERT INTO ${to}.job (${JOB_COLUMNS}, state)
    SELECT ${JOB_COLUMNS}, state::text::${to}.job_state FROM ${from}.job`);
  await queryRunner.query(`
    INSERT INTO ${to}.archive (${JOB_COLUMNS}, state, archived_on)
    SELECT ${JOB_COLUMNS}, state::text::${to}.job_state, archived_on FROM ${from}.archive`);
  await dropJobQueue(queryRunner, from);
}

async function dropJobQueue(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`DROP FUNCTION ${schema}.create_queue(text, json)`);
  await queryRunner.query(`DROP FUNCTION ${schema}.delete_queue(text)`);
  // The job partitions go with their parent table.
  await queryRunner.query(`DROP TABLE ${schema}.subscription, ${schema}.schedule, ${schema}.archive, ${schema}.job, ${schema}.queue, ${schema}.version CASCADE`);
  await queryRunner.query(`DROP TYPE ${schema}.job_state`);
}

/** pg-boss's construction plan without its own BEGIN/COMMIT (TypeORM runs each migration in a transaction). */
function constructionPlan(schema: string): string {
  return PgBoss.getConstructionPlans(schema)
    .replace(/^\s*BEGIN;/, '')
    .replace(/COMMIT;\s*$/, '');
}
