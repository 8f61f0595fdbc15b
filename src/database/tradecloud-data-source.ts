import { DataSource, DataSourceOptions } from 'typeorm';
import { tradecloudEntities } from './entities';
import { WebhookEventEntity } from '../inbox/webhook-event.entity';
import { TRADECLOUD_MIGRATIONS } from './migrations';
import { quoteIdentifier } from './sql';

export interface TradecloudDataSourceSettings {
  url: string;
  schema: string;
  /** The job queue's schema; default `<schema>_queue`. */
  queueSchema?: string;
  poolSize?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export function tradecloudDataSourceOptions(settings: TradecloudDataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    // Read by the migrations (migration-schema.ts): where the job queue's tables go.
    ...({ tradecloudQueueSchema: settings.queueSchema ?? `${settings.schema}_queue` } as object),
    entities: [WebhookEventEntity, ...tradecloudEntities(settings.schema)],
    migrations: TRADECLOUD_MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    applicationName: settings.applicationName ?? 'tradecloud-receiver',
    extra: { max: settings.poolSize ?? 10, connectionTimeoutMillis: 5_000 },
    synchronize: false,
    logging: ['error'],
  };
}

/**
 * A DataSource that makes sure its schema exists once connected. TypeORM keeps its
 * `migrations` table in the configured schema but never creates that schema, so without this
 * the very first `migration:run` on a fresh database would fail.
 */
export class TradecloudDataSource extends DataSource {
  override async initialize(): Promise<this> {
    await super.initialize();
    const schema = (this.options as { schema?: string }).schema;
    if (schema) await createSchemaIfMissing(this, schema);
    return this;
  }
}

async function createSchemaIfMissing(dataSource: DataSource, schema: string): Promise<void> {
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  } catch (error) {
    // Two processes creating the schema at once: one of them gets a unique violation even with
    // IF NOT EXISTS. The schema exists either way.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
