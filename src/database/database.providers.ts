import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { runTradecloudMigrations } from './run-migrations';
import { TradecloudDataSource, tradecloudDataSourceOptions } from './tradecloud-data-source';

/** Injection token of the DataSource the module runs its SQL on (its own, or the host's). */
export const TRADECLOUD_DATA_SOURCE = 'TRADECLOUD_DATA_SOURCE';

const logger = new Logger('TradecloudDatabase');

export const tradecloudDataSourceProvider: Provider = {
  provide: TRADECLOUD_DATA_SOURCE,
  inject: [RESOLVED_TRADECLOUD_OPTIONS],
  useFactory: async (options: ResolvedTradecloudOptions): Promise<DataSource> => {
    const { database } = options;
    const dataSource =
      database.dataSource ??
      new TradecloudDataSource(
        tradecloudDataSourceOptions({ url: database.url!, schema: database.schema, queueSchema: database.queueSchema, poolSize: database.poolSize }),
      );
    if (!dataSource.isInitialized) await connectWithRetry(dataSource, database.connectAttempts, database.connectRetryDelayMs);
    if (database.migrationsRun) await runTradecloudMigrations(dataSource, database.schema, database.queueSchema);
    return dataSource;
  },
};

/**
 * Tries to connect until the database answers: a database that is still starting (a compose
 * stack, a restarting server) must not stop the receiver with a stack trace.
 */
export async function connectWithRetry(dataSource: DataSource, attempts: number, delayMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      return;
    } catch (error) {
      const reason = describeConnectionError(error);
      if (attempt >= attempts) {
        throw new Error(`Database not reachable after ${attempts} attempts: ${reason}`);
      }
      logger.warn(`Database not reachable (${reason}); retrying in ${delayMs / 1000} s (attempt ${attempt}/${attempts})`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function describeConnectionError(error: unknown): string {
  const err = error as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  // AggregateError from pg when several addresses were tried: the first one says enough.
  const message = err.message || err.errors?.[0]?.message || String(error);
  return err.code && !message.includes(err.code) ? `${err.code}: ${message}` : message;
}

/** Closes the pool at shutdown, but only when the module created it. */
@Injectable()
export class TradecloudDataSourceLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(TRADECLOUD_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) private readonly options: ResolvedTradecloudOptions,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.options.database.dataSource && this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
