import path from 'node:path';
import { LogLevel } from '@nestjs/common';
import { readStandaloneAuth, readStandaloneTls, StandaloneAuthEnvironment, StandaloneTlsEnvironment } from './auth-environment';
import { isPostgresUrl } from '../options/resolved-options';
import { readTradecloudApiEnvironment, TradecloudApiOptions } from '../tradecloud-api/tradecloud-api-options';
import { readDocumentsEnvironment, TradecloudDocumentsOptions } from '../documents/documents-options';
import { parseDuration, readReconcileEnvironment, TradecloudReconcileOptions } from '../reconcile/reconcile-options';
import { SCHEMA_NAME_PATTERN } from '../database/sql';
import { MAX_BATCH_BODY_BYTES, QUEUE_DEFAULTS, TradecloudQueueOptions } from '../queue/queue-options';
import { readHardeningEnvironment, StandaloneHardeningEnvironment } from './hardening-environment';
import { readRetentionEnvironment, TradecloudRetentionOptions } from '../maintenance/retention-options';

/** The standalone service's settings, read from environment variables (see the README's table). */
export interface StandaloneEnvironment {
  port: number;
  host: string;
  /** Unset: an embedded PostgreSQL is started with its data in `<dataDir>/postgres`. */
  databaseUrl?: string;
  databaseSchema: string;
  /** The job queue's schema; unset: `<databaseSchema>_queue`. */
  databaseQueueSchema?: string;
  databaseMigrationsRun: boolean;
  databasePoolSize: number;
  databaseConnectAttempts: number;
  databaseConnectRetryDelayMs: number;
  logLevel: LogLevelName;
  webhookPathPrefix: string;
  webhookBodyLimitBytes: number;
  /** WEBHOOK_CONCURRENT_BODY_BYTES, WEBHOOK_BODY_WAIT_SECONDS: see `webhooks.concurrentBodyBytes` and `bodyWaitSeconds`. */
  webhookConcurrentBodyBytes: number;
  webhookBodyWaitSeconds: number;
  dataDir: string;
  production: boolean;
  /** Webhook credentials (`WEBHOOK_*`). */
  webhookAuth: StandaloneAuthEnvironment;
  /** Set: the service answers HTTPS (`TLS_*`). */
  tls?: StandaloneTlsEnvironment;
  /** Unset when no TRADECLOUD_API_* variable is set: GET webhooks then answer 503 and documents are not downloaded. */
  tradecloudApi?: TradecloudApiOptions;
  /** DOCUMENTS_*: where downloaded document content goes. */
  documents: TradecloudDocumentsOptions;
  /** TRADECLOUD_RECONCILE_INTERVAL, TRADECLOUD_RECONCILE_OVERLAP, TRADECLOUD_POLL_ORDERS: reconciliation through the polling API. */
  reconcile: TradecloudReconcileOptions;
  /** QUEUE_*: background processing (workers, retries, timeouts). */
  queue: TradecloudQueueOptions;
  /** EVENTS_*_RETENTION, CHANGES_RETENTION, MAINTENANCE_*: what is kept how long, and how often maintenance runs. */
  retention: TradecloudRetentionOptions;
  /** `METRICS_TOKEN`: set, `GET /metrics` requires it as a Bearer token. */
  metricsToken?: string;
  /** `SHUTDOWN_TIMEOUT_MS`: how long requests in flight get to finish after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  /** TRUST_PROXY, WEBHOOK_ALLOWED_SOURCES, OPENAPI_ENABLED, METRICS_PUBLIC, HTTP_*: see the README's "Security". */
  hardening: StandaloneHardeningEnvironment;
}

/** A URL path prefix: leading slash, no trailing slash, plain path characters. */
export const ROUTE_PREFIX_PATTERN = /^(\/[A-Za-z0-9._~-]+)+$/;

export const LOG_LEVEL_NAMES = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** Raised when one or more variables are missing or wrong; the message has one line per variable. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  constructor(readonly problems: string[]) {
    super(problems.map((problem) => `Configuration error: ${problem}`).join('\n'));
  }
}

type Env = Record<string, string | undefined>;

/** Reads and checks every variable at once, so a user sees all mistakes in one start. */
export function readEnvironment(env: Env = process.env, cwd = process.cwd()): StandaloneEnvironment {
  const problems: string[] = [];
  const read = new EnvironmentReader(env, problems);
  const production = env.NODE_ENV === 'production';
  const result: StandaloneEnvironment = {
    port: read.integer('PORT', 3000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    databaseUrl: read.optional('DATABASE_URL', (value) =>
      isPostgresUrl(value) ? undefined : 'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user:password@localhost:5432/db',
    ),
    databaseSchema: read.string('DATABASE_SCHEMA', 'tradecloud', (value) =>
      SCHEMA_NAME_PATTERN.test(value) ? undefined : 'must be a lower-case Postgres identifier (letters, digits, _)',
    ),
    databaseQueueSchema: read.optional('DATABASE_QUEUE_SCHEMA', (value) =>
      SCHEMA_NAME_PATTERN.test(value) ? undefined : 'must be a lower-case Postgres identifier (letters, digits, _)',
    ),
    databaseMigrationsRun: read.boolean('DATABASE_MIGRATIONS_RUN', true),
    databasePoolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseConnectAttempts: read.integer('DATABASE_CONNECT_ATTEMPTS', 30, 1, 100_000),
    databaseConnectRetryDelayMs: read.integer('DATABASE_CONNECT_RETRY_DELAY_MS', 2000, 1, 600_000),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'info'),
    webhookPathPrefix: read.string('WEBHOOK_PATH_PREFIX', '/tradecloud/webhooks', (value) =>
      ROUTE_PREFIX_PATTERN.test(value) ? undefined : 'must be a URL path such as /tradecloud/webhooks',
    ),
    webhookBodyLimitBytes: read.byteSize('WEBHOOK_BODY_LIMIT', 50 * 1024 * 1024),
    webhookConcurrentBodyBytes: read.byteSize('WEBHOOK_CONCURRENT_BODY_BYTES', 16 * 1024 * 1024),
    webhookBodyWaitSeconds: read.integer('WEBHOOK_BODY_WAIT_SECONDS', 30, 1, 3600),
    dataDir: path.resolve(cwd, read.string('DATA_DIR', '.data')),
    production,
    webhookAuth: readStandaloneAuth(read, production, problems),
    tls: readStandaloneTls(read, cwd, problems),
    tradecloudApi: readTradecloudApiEnvironment(env, problems),
    documents: readDocumentsEnvironment(env, problems, { directory: path.resolve(cwd, read.string('DATA_DIR', '.data'), 'documents') }),
    queue: readQueueEnvironment(read),
    retention: readRetentionEnvironment(env, problems),
    reconcile: readReconcileEnvironment(env, problems),
    metricsToken: read.optional('METRICS_TOKEN', (value) => (/^[\x21-\x7e]+$/.test(value) ? undefined : 'must be visible ASCII characters without spaces')),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    hardening: readHardeningEnvironment(read, production, problems),
  };
  if (result.reconcile.interval !== undefined && parseDuration(result.reconcile.interval) !== null && !result.tradecloudApi) {
    problems.push('TRADECLOUD_RECONCILE_INTERVAL needs TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD (reconciliation polls the Tradecloud API)');
  }
  if (problems.length) throw new EnvironmentError(problems);
  return result;
}

/** `QUEUE_*`: the module's `queue` options; unset variables keep the module defaults. */
function readQueueEnvironment(read: EnvironmentReader): TradecloudQueueOptions {
  return {
    concurrency: read.integer('QUEUE_CONCURRENCY', QUEUE_DEFAULTS.concurrency, 1, 1000),
    batchSize: read.integer('QUEUE_BATCH_SIZE', QUEUE_DEFAULTS.batchSize, 1, 1000),
    batchBodyBytes: read.integer('QUEUE_BATCH_BODY_BYTES', QUEUE_DEFAULTS.batchBodyBytes, 65_536, MAX_BATCH_BODY_BYTES),
    attempts: read.integer('QUEUE_ATTEMPTS', QUEUE_DEFAULTS.attempts, 1, 1000),
    retryDelaySeconds: read.integer('QUEUE_RETRY_DELAY_SECONDS', QUEUE_DEFAULTS.retryDelaySeconds, 1, 3600),
    jobTimeoutSeconds: read.integer('QUEUE_JOB_TIMEOUT_SECONDS', QUEUE_DEFAULTS.jobTimeoutSeconds, 5, 86_400),
    maintenanceIntervalSeconds: read.integer('QUEUE_MAINTENANCE_INTERVAL_SECONDS', QUEUE_DEFAULTS.maintenanceIntervalSeconds, 1, 3600),
    workers: read.boolean('QUEUE_WORKERS', QUEUE_DEFAULTS.workers),
  };
}

/** Nest logger levels for a `LOG_LEVEL` name: each level includes the more severe ones. */
export function nestLogLevels(level: LogLevelName): LogLevel[] {
  const order: LogLevel[][] = [['fatal', 'error'], ['warn'], ['log'], ['debug'], ['verbose']];
  return order.slice(0, LOG_LEVEL_NAMES.indexOf(level) + 1).flat();
}

export class EnvironmentReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  /** The trimmed value; `undefined` when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  optional(name: string, check?: (value: string) => string | undefined): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const problem = check?.(value);
    if (problem) this.problems.push(`${name} ${problem}${describeValue(name, value)}`);
    return value;
  }

  string(name: string, fallback: string, check?: (value: string) => string | undefined): string {
    return this.optional(name, check) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}${describeValue(name, value)}`);
      return fallback;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false${describeValue(name, value)}`);
    return fallback;
  }

  /** `52428800`, `50mb`, `512kb`, `1gb` (binary units). */
  byteSize(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(value);
    const bytes = match ? Number(match[1]) * 1024 ** ['b', 'kb', 'mb', 'gb'].indexOf((match[2] ?? 'b').toLowerCase()) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      this.problems.push(`${name} must be a size such as 52428800, 512kb or 50mb${describeValue(name, value)}`);
      return fallback;
    }
    return bytes;
  }

  /** A comma-separated list; empty entries are dropped. */
  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}${describeValue(name, value)}`);
    return fallback;
  }
}

/** Echoes the wrong value back, except for variables that may hold a secret. */
export function describeValue(name: string, value: string): string {
  if (/PASSWORD|TOKEN|SECRET|URL|KEY|CREDENTIAL/.test(name)) return ' (value not shown: it may contain a secret)';
  return `, got "${value}"`;
}
