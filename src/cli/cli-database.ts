import path from 'node:path';
import { Pool, QueryResultRow } from 'pg';
import { runningEmbeddedPostgresUrl } from '../database/embedded/embedded-postgres-state';
import { quoteIdentifier, SCHEMA_NAME_PATTERN } from '../database/sql';
import { CliError } from './cli-output';

/** Where the CLI's database is: the same variables as the service and the migration CLI. */
export interface CliDatabaseTarget {
  url: string;
  schema: string;
  /** The job queue's schema (DATABASE_QUEUE_SCHEMA, default `<schema>_queue`). */
  queueSchema: string;
  /** `embedded`: the embedded PostgreSQL of a running `npm start`, found through its state file. */
  source: 'DATABASE_URL' | 'embedded';
}

/**
 * DATABASE_URL and DATABASE_SCHEMA, else the embedded PostgreSQL a running `npm start` left its
 * port and password for in `<DATA_DIR>/embedded-postgres.json` (as config/data-source.ts does).
 */
export function resolveCliDatabase(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CliDatabaseTarget {
  const schema = env.DATABASE_SCHEMA?.trim() || 'tradecloud';
  if (!SCHEMA_NAME_PATTERN.test(schema)) throw new CliError(`DATABASE_SCHEMA must be a lower-case Postgres identifier (letters, digits, _), got "${schema}"`);
  const queueSchema = env.DATABASE_QUEUE_SCHEMA?.trim() || `${schema}_queue`;
  if (!SCHEMA_NAME_PATTERN.test(queueSchema)) throw new CliError(`DATABASE_QUEUE_SCHEMA must be a lower-case Postgres identifier (letters, digits, _), got "${queueSchema}"`);
  const url = env.DATABASE_URL?.trim();
  if (url) return { url, schema, queueSchema, source: 'DATABASE_URL' };
  const dataDir = path.resolve(cwd, env.DATA_DIR?.trim() || '.data');
  const embeddedUrl = runningEmbeddedPostgresUrl(dataDir);
  if (!embeddedUrl) {
    throw new CliError(
      `DATABASE_URL is not set and no embedded PostgreSQL is running from ${dataDir}: ` +
        'set DATABASE_URL (and DATABASE_SCHEMA), or start the receiver with "npm start" in another terminal.',
    );
  }
  return { url: embeddedUrl, schema, queueSchema, source: 'embedded' };
}

/** A small pool for one CLI command, with `table()` for the configured schema. */
export class CliDatabase {
  readonly pool: Pool;

  constructor(readonly target: CliDatabaseTarget) {
    this.pool = new Pool({ connectionString: target.url, max: 2, application_name: 'tradecloud-cli', connectionTimeoutMillis: 5_000 });
    this.pool.on('error', () => undefined); // an idle client lost: the next query reports it
  }

  table(name: string): string {
    return `${quoteIdentifier(this.target.schema)}.${quoteIdentifier(name)}`;
  }

  async query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw describeDatabaseError(error, this.target);
    }
  }

  async hasTable(name: string, schema = this.target.schema): Promise<boolean> {
    const rows = await this.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, name]);
    return rows.length > 0;
  }

  /** A table of the job queue (pg-boss), in its own schema. */
  queueTable(name: string): string {
    return `${quoteIdentifier(this.target.queueSchema)}.${quoteIdentifier(name)}`;
  }

  async hasColumn(table: string, column: string): Promise<boolean> {
    const rows = await this.query('SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3', [
      this.target.schema,
      table,
      column,
    ]);
    return rows.length > 0;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** A database error as one line an operator can act on, without the URL (it may hold a password). */
function describeDatabaseError(error: unknown, target: CliDatabaseTarget): Error {
  const err = error as { code?: string; message?: string };
  if (err.code === '42P01') {
    return new CliError(`The receiver's tables are missing in schema "${target.schema}" (${err.message}): run the migrations, or check DATABASE_SCHEMA.`);
  }
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === '28P01' || err.code === '3D000') {
    const where = target.source === 'embedded' ? 'the embedded PostgreSQL of `npm start`' : 'DATABASE_URL';
    return new CliError(`Cannot connect to ${where}: ${err.message ?? err.code}`);
  }
  return error as Error;
}
