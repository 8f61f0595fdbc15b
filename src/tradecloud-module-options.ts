import type { DataSource } from 'typeorm';
import type { TradecloudAuthOptions } from './auth/auth-options';
import type { TradecloudDocumentsOptions } from './documents/documents-options';
import type { TradecloudQueueOptions } from './queue/queue-options';
import type { TradecloudApiOptions } from './tradecloud-api/tradecloud-api-options';

/**
 * Options of {@link TradecloudModule}. Pass them to `TradecloudModule.forRoot(options)`, or
 * return them from the factory or class given to `forRootAsync(...)`.
 */
export interface TradecloudModuleOptions {
  /** Where the module keeps its tables. Required. */
  database: TradecloudDatabaseOptions;
  /** How Tradecloud authenticates when it calls the webhooks, per webhook kind. */
  auth?: TradecloudAuthOptions;
  /** How the module reaches the Tradecloud API (GET webhooks, document downloads). */
  tradecloudApi?: TradecloudApiOptions;
  /** Webhook intake settings. */
  webhooks?: TradecloudWebhookOptions;
  /** Background processing (retries, concurrency). */
  queue?: TradecloudQueueOptions;
  /** Downloading and storing document content (storage, size limit, address policy). */
  documents?: TradecloudDocumentsOptions;
}

export interface TradecloudWebhookOptions {
  /**
   * Largest accepted request body, in bytes; a larger one is answered 413 without being
   * buffered. Large framework orders run to several MB. Default `52428800` (50 MB).
   */
  bodyLimitBytes?: number;
}

/** Exactly one of `url` and `dataSource` must be given. */
export interface TradecloudDatabaseOptions {
  /**
   * PostgreSQL connection URL (`postgres://user:password@host:5432/database`). The module then
   * creates, owns and closes its own TypeORM DataSource and pool.
   */
  url?: string;
  /**
   * A TypeORM DataSource the host already owns (for example injected with
   * `getDataSourceToken()` from `@nestjs/typeorm`). The module runs its SQL on it, initialises
   * it when it is not initialised yet, and never destroys it. Must be a `postgres` DataSource.
   */
  dataSource?: DataSource;
  /** Postgres schema that holds every table of the module. Default `'tradecloud'`. */
  schema?: string;
  /**
   * Postgres schema of the job queue's tables (pg-boss), kept apart so that `schema` holds only
   * the receiver's tables, views and its `migrations` table. Default `'<schema>_queue'`
   * (`'tradecloud_queue'`).
   */
  queueSchema?: string;
  /**
   * Run pending migrations at start-up, under an advisory lock so that several instances can
   * start together. Set `false` when your deployment pipeline runs them
   * (`npm run migration:run`). Default `true`.
   */
  migrationsRun?: boolean;
  /** Maximum connections of the pool the module creates (ignored with `dataSource`). Default `10`. */
  poolSize?: number;
  /**
   * How often to try reaching the database at start-up before giving up; each failed try logs
   * one line. Default `30`.
   */
  connectAttempts?: number;
  /** Pause between two start-up connection attempts, in milliseconds. Default `2000`. */
  connectRetryDelayMs?: number;
}

/**
 * Options fixed when the module is declared (they shape routes, so they cannot come from an
 * async factory). Given next to the options in `forRoot` and `forRootAsync`.
 */
export interface TradecloudModuleExtras {
  /** Make the module's exported providers global. Default `false`. */
  isGlobal?: boolean;
  /**
   * Path under which the webhook routes are mounted (`<prefix>/orders`, `<prefix>/shipments`, …).
   * Default `'/tradecloud/webhooks'`.
   */
  routePrefix?: string;
  /**
   * Mount the built-in webhook controllers. Set `false` to mount the handlers on your own
   * routes instead. Default `true`.
   */
  controllers?: boolean;
}
