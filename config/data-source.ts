import 'reflect-metadata';
import { runningEmbeddedPostgresUrl } from '../src/database/embedded/embedded-postgres-state';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../src/database/tradecloud-data-source';
import { readEnvironment } from '../src/standalone/environment';

/**
 * The one DataSource the TypeORM CLI uses (`npm run migration:run|revert|generate`). It reads
 * the same variables as the service: DATABASE_URL and DATABASE_SCHEMA. Without DATABASE_URL it
 * connects to the embedded PostgreSQL of a receiver started with `npm start` (same DATA_DIR).
 */
const environment = readEnvironment();

function embeddedDatabaseUrl(): string {
  const url = runningEmbeddedPostgresUrl(environment.dataDir);
  if (!url) {
    throw new Error(
      `DATABASE_URL is not set and no embedded PostgreSQL is running from ${environment.dataDir}: ` +
        'set DATABASE_URL, or start the receiver with "npm start" in another terminal.',
    );
  }
  return url;
}

const dataSource = new TradecloudDataSource(
  tradecloudDataSourceOptions({
    url: environment.databaseUrl ?? embeddedDatabaseUrl(),
    schema: environment.databaseSchema,
    queueSchema: environment.databaseQueueSchema,
    applicationName: 'tradecloud-migrations',
  }),
);

export default dataSource;
