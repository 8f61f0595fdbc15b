import { QueryRunner } from 'typeorm';
import { quoteIdentifier } from '../src/database/sql';

/**
 * The quoted schema our tables live in: the `schema` option of the DataSource that runs the
 * migration (`DATABASE_SCHEMA`, default `tradecloud`). Migrations are written against it so the
 * schema name stays configurable.
 */
export function tradecloudSchema(queryRunner: QueryRunner): string {
  return quoteIdentifier(tradecloudSchemaName(queryRunner));
}

/** The schema name of {@link tradecloudSchema}, unquoted. */
export function tradecloudSchemaName(queryRunner: QueryRunner): string {
  return (queryRunner.connection.options as { schema?: string }).schema ?? 'tradecloud';
}

/**
 * The schema of the job queue's tables (pg-boss): the DataSource's `tradecloudQueueSchema`
 * (set by the module from `database.queueSchema` / DATABASE_QUEUE_SCHEMA), default
 * `<schema>_queue`. Unquoted: pg-boss writes it into its SQL as is (a validated identifier).
 */
export function tradecloudQueueSchemaName(queryRunner: QueryRunner): string {
  const options = queryRunner.connection.options as { tradecloudQueueSchema?: string };
  return options.tradecloudQueueSchema ?? `${tradecloudSchemaName(queryRunner)}_queue`;
}

