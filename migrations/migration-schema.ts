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


/** Whether the server can compress with LZ4 (the setting and its `lz4` value exist from PostgreSQL 14, with lz4 built in). */
export async function lz4Supported(queryRunner: QueryRunner): Promise<boolean> {
  const rows = (await queryRunner.query(`SELECT 'lz4' = ANY(enumvals) AS supported FROM pg_settings WHERE name = 'default_toast_compression'`)) as Array<{ supported: boolean }>;
  return rows[0]?.supported === true;
}
