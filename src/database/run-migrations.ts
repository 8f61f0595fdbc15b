import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TRADECLOUD_MIGRATIONS } from './migrations';
import { quoteIdentifier } from './sql';
import { TradecloudDataSource } from './tradecloud-data-source';

const logger = new Logger('TradecloudMigrations');

/**
 * Runs the module's pending migrations in `schema`, serialised across processes by a
 * transaction-independent advisory lock (two receivers starting at once must not both create
 * the same tables).
 *
 * On a host's DataSource the migrations run through a short-lived companion DataSource with the
 * same connection settings: that keeps our `migrations` table and our tables in our schema,
 * whatever the host's own default schema and migration list are.
 */
export async function runTradecloudMigrations(dataSource: DataSource, schema: string, queueSchema = `${schema}_queue`): Promise<void> {
  const options = dataSource.options as { schema?: string; migrations?: unknown; tradecloudQueueSchema?: string };
  const isOurDataSource =
    options.schema === schema && options.migrations === TRADECLOUD_MIGRATIONS && (options.tradecloudQueueSchema ?? `${schema}_queue`) === queueSchema;
  const runner: DataSource = isOurDataSource
    ? dataSource
    : await new TradecloudDataSource({
        ...(dataSource.options as object),
        name: undefined,
        schema,
        tradecloudQueueSchema: queueSchema,
        entities: [],
        subscribers: [],
        migrations: TRADECLOUD_MIGRATIONS,
        migrationsTableName: 'migrations',
        migrationsTransactionMode: 'each',
        extra: { ...((dataSource.options as { extra?: object }).extra ?? {}), max: 1 },
      } as never).initialize();
  const lockRunner = dataSource.createQueryRunner();
  const lockKey = `tradecloud-migrations:${schema}`;
  try {
    await lockRunner.connect();
    await lockRunner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    const applied = await runner.runMigrations({ transaction: 'each' });
    if (applied.length) logger.log(`Applied ${applied.length} migration(s) in schema "${schema}": ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await lockRunner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await lockRunner.release();
    if (runner !== dataSource) await runner.destroy();
  }
}
