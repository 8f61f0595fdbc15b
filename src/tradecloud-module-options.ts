import type { DataSource } from 'typeorm';
import type { TradecloudAuthOptions } from './auth/auth-options';
import type { TradecloudDocumentsOptions } from './documents/documents-options';
import type { TradecloudQueueOptions } from './queue/queue-options';
import type { TradecloudRetentionOptions } from './maintenance/retention-options';
import type { TradecloudReconcileOptions } from './reconcile/reconcile-options';
import type { TradecloudApiOptions } from './tradecloud-api/tradecloud-api-options';
import type { TrustProxySetting } from './security/trusted-proxies';

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
  /**
   * How long event bodies, event rows, dead and rejected bodies, the `changes` history and
   * unreferenced document content are kept, and how often maintenance removes what is past it.
   * Defaults: bodies `'30d'`, rows `'400d'`, failed bodies `'90d'`, changes `'off'`, a pass every `'1h'`.
   */
  retention?: TradecloudRetentionOptions;
  /**
   * Backfill and periodic reconciliation through Tradecloud's polling API (needs `tradecloudApi`).
   * Default: a pass every 15 minutes when the API is configured, off otherwise.
   */
  reconcile?: TradecloudReconcileOptions;
}

export interface TradecloudWebhookOptions {
  /**
   * Largest accepted request body, in bytes; a larger one is answered 413 without being
   * buffered. Large framework orders run to several MB. Default `52428800` (50 MB).
   */
  bodyLimitBytes?: number;
  /**
   * Most request-body bytes this instance reads and holds at once, by the bodies' declared
   * `Content-Length`, from the first byte read until the event is stored. A request that would go
   * over it waits with its body unread (TCP holds the sender back) until earlier ones are stored;
   * a body larger than this is read when nothing else is held. Bounds memory when large orders
   * arrive concurrently (a 5,000-line order is 12 MB of JSON and several times that parsed).
   * Default `16777216` (16 MiB: one such order at a time, hundreds of small events).
   */
  concurrentBodyBytes?: number;
  /**
   * How long a request waits for room to read its body (`concurrentBodyBytes`) before it is
   * answered 503 with Retry-After (Tradecloud delivers it again), in seconds. Default `30`.
   */
  bodyWaitSeconds?: number;
  /**
   * Which peers may name the real caller in `X-Forwarded-For`, with the meaning of Express's
   * `trust proxy` setting: `true`, a hop count, or addresses/CIDRs/`loopback`/`linklocal`/
   * `uniquelocal` (array or comma-separated). The caller's address found this way is the one
   * logged, used by the refusal-log limit and checked against `allowedSources`.
   * When set, the module resolves the address itself and the host's own `trust proxy` does not
   * matter for the webhook routes. Default: unset, the module uses `request.ip`, i.e. whatever
   * the host's Express `trust proxy` says (Express's default: `X-Forwarded-For` ignored).
   */
  trustProxy?: TrustProxySetting;
  /**
   * Source filter: only callers whose address is in one of these CIDRs/addresses, or in the
   * published addresses of `'tradecloud-production'` / `'tradecloud-acceptance'`, reach
   * authentication; any other gets 403. A bad entry stops the start. Default: unset, no filter.
   */
  allowedSources?: string[];
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
