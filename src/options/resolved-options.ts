import { DataSource } from 'typeorm';
import { ResolvedAuthOptions, resolveAuthOptions } from '../auth/auth-options';
import { ResolvedDocumentsOptions, resolveDocumentsOptions } from '../documents/documents-options';
import { ResolvedQueueOptions, resolveQueueOptions } from '../queue/queue-options';
import { ResolvedRetentionOptions, resolveRetentionOptions } from '../maintenance/retention-options';
import { ResolvedTradecloudApiOptions, resolveTradecloudApiOptions } from '../tradecloud-api/tradecloud-api-options';
import { SCHEMA_NAME_PATTERN } from '../database/sql';
import { ResolvedReconcileOptions, resolveReconcileOptions } from '../reconcile/reconcile-options';
import { TradecloudModuleOptions } from '../tradecloud-module-options';
import { ResolvedWebhookSourceOptions, resolveWebhookSourceOptions } from '../security/webhook-source-options';

/** Raised at start-up when the options contradict each other or a value is out of range. The message names the option. */
export class TradecloudConfigurationError extends Error {
  override name = 'TradecloudConfigurationError';
}

/** The options with every default filled in and every rule checked. */
export interface ResolvedTradecloudOptions {
  database: {
    url?: string;
    dataSource?: DataSource;
    schema: string;
    /** The job queue's schema (pg-boss). */
    queueSchema: string;
    migrationsRun: boolean;
    poolSize: number;
    connectAttempts: number;
    connectRetryDelayMs: number;
  };
  auth: ResolvedAuthOptions;
  tradecloudApi: ResolvedTradecloudApiOptions;
  webhooks: { bodyLimitBytes: number; concurrentBodyBytes: number; bodyWaitSeconds: number };
  queue: ResolvedQueueOptions;
  documents: ResolvedDocumentsOptions;
  /** `webhooks.trustProxy` and `webhooks.allowedSources` (absent: nothing trusted, nothing filtered). */
  webhookSources?: ResolvedWebhookSourceOptions;
  retention: ResolvedRetentionOptions;
  reconcile: ResolvedReconcileOptions;
}

/** Injection token of {@link ResolvedTradecloudOptions}. */
export const RESOLVED_TRADECLOUD_OPTIONS = 'TRADECLOUD_RESOLVED_OPTIONS';

export function resolveTradecloudOptions(options: TradecloudModuleOptions | undefined): ResolvedTradecloudOptions {
  const problems: string[] = [];
  const database = options?.database;
  if (!options || !database || typeof database !== 'object') {
    throw new TradecloudConfigurationError('TradecloudModule option "database" is required ({ url } or { dataSource }).');
  }
  if (Boolean(database.url) === Boolean(database.dataSource)) {
    problems.push('exactly one of "database.url" and "database.dataSource" must be set');
  }
  if (database.url !== undefined && !isPostgresUrl(database.url)) {
    problems.push('"database.url" must be a postgres:// or postgresql:// URL');
  }
  if (database.dataSource && database.dataSource.options.type !== 'postgres') {
    problems.push(`"database.dataSource" must be a postgres DataSource, got type "${database.dataSource.options.type}"`);
  }
  const schema = database.schema ?? 'tradecloud';
  if (!SCHEMA_NAME_PATTERN.test(schema)) {
    problems.push(`"database.schema" must be a lower-case Postgres identifier (letters, digits, _), got "${schema}"`);
  }
  const queueSchema = database.queueSchema ?? `${schema}_queue`;
  if (!SCHEMA_NAME_PATTERN.test(queueSchema)) {
    problems.push(`"database.queueSchema" must be a lower-case Postgres identifier (letters, digits, _), got "${queueSchema}"`);
  } else if (queueSchema === schema) {
    problems.push(`"database.queueSchema" must differ from "database.schema" ("${schema}"): the queue's tables are kept apart`);
  }
  const poolSize = positiveInteger(database.poolSize, 10, 'database.poolSize', problems);
  const connectAttempts = positiveInteger(database.connectAttempts, 30, 'database.connectAttempts', problems);
  const connectRetryDelayMs = positiveInteger(database.connectRetryDelayMs, 2000, 'database.connectRetryDelayMs', problems);
  const auth = resolveAuthOptions(options.auth, problems);
  const tradecloudApi = resolveTradecloudApiOptions(options.tradecloudApi, problems);
  const queue = resolveQueueOptions(options.queue, problems);
  const documents = resolveDocumentsOptions(options.documents, problems);
  const retention = resolveRetentionOptions(options.retention, problems);
  const reconcile = resolveReconcileOptions(options.reconcile, tradecloudApi.configured, problems);
  const bodyLimitBytes = positiveInteger(options.webhooks?.bodyLimitBytes, 50 * 1024 * 1024, 'webhooks.bodyLimitBytes', problems);
  const concurrentBodyBytes = positiveInteger(options.webhooks?.concurrentBodyBytes, 16 * 1024 * 1024, 'webhooks.concurrentBodyBytes', problems);
  const bodyWaitSeconds = positiveInteger(options.webhooks?.bodyWaitSeconds, 30, 'webhooks.bodyWaitSeconds', problems);
  const webhookSources = resolveWebhookSourceOptions(options.webhooks, problems);
  if (problems.length) {
    throw new TradecloudConfigurationError(`Invalid TradecloudModule options: ${problems.join('; ')}.`);
  }
  return {
    database: {
      url: database.url,
      dataSource: database.dataSource,
      schema,
      queueSchema,
      migrationsRun: database.migrationsRun ?? true,
      poolSize,
      connectAttempts,
      connectRetryDelayMs,
    },
    auth,
    tradecloudApi,
    webhooks: { bodyLimitBytes, concurrentBodyBytes, bodyWaitSeconds },
    queue,
    documents,
    webhookSources,
    retention,
    reconcile,
  };
}

export function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && Boolean(url.hostname || url.searchParams.get('host'));
  } catch {
    return false;
  }
}

function positiveInteger(value: number | undefined, fallback: number, name: string, problems: string[]): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) problems.push(`"${name}" must be a positive integer, got ${String(value)}`);
  return value;
}
