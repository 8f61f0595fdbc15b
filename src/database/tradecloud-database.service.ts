import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { TRADECLOUD_DATA_SOURCE } from './database.providers';
import { quoteIdentifier } from './sql';
import { inTransaction } from './transaction';

/** Runs one piece of work on one connection. */
export type SqlClient = Pick<PoolClient, 'query'>;

/**
 * Plain SQL on the pool behind the module's DataSource (the module's own or the host's).
 * The hot paths (intake, guarded upserts) are hand-written SQL: they need `ON CONFLICT … WHERE`,
 * advisory locks and set-based inserts that an ORM would only get in the way of.
 */
@Injectable()
export class TradecloudDatabase {
  readonly schema: string;
  /** The job queue's schema (pg-boss), apart from the receiver's tables. */
  readonly queueSchema: string;
  private readonly quotedSchema: string;

  constructor(
    @Inject(TRADECLOUD_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) options: ResolvedTradecloudOptions,
  ) {
    this.schema = options.database.schema;
    this.queueSchema = options.database.queueSchema;
    this.quotedSchema = quoteIdentifier(this.schema);
    guardConnections(this.pool);
  }

  /** `"<schema>"."<table>"`, for SQL text. */
  table(name: string): string {
    return `${this.quotedSchema}.${quoteIdentifier(name)}`;
  }

  /** `"<queue schema>"."<table>"`: a table of the job queue (pg-boss), for SQL text. */
  queueTable(name: string): string {
    return `${quoteIdentifier(this.queueSchema)}.${quoteIdentifier(name)}`;
  }

  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /**
   * One statement (autocommit), for a caller with work of its own while the server runs it:
   * `sent` is called once the statement has left this process (the connection's socket has
   * written it all), so that work on the main thread cannot hold back the rest of a large
   * statement (a 12 MB body) that the server is waiting for. At the latest, it is called when the
   * statement ends.
   */
  async queryWhenSent<R extends QueryResultRow = QueryResultRow>(text: string, values: unknown[], sent: () => void): Promise<QueryResult<R>> {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => (lost ??= error);
    client.on('error', onError);
    let called = false;
    const callSent = () => {
      if (called) return;
      called = true;
      sent();
    };
    try {
      const result = client.query<R>(text, values);
      // pg writes the statement synchronously when the connection is idle (a fresh checkout is);
      // what the kernel did not take yet waits in the socket's buffer until 'drain'.
      const socket = (client as unknown as { connection?: { stream?: NodeJS.WritableStream & { writableNeedDrain?: boolean } } }).connection?.stream;
      if (socket?.writableNeedDrain) socket.once('drain', callSent);
      else setImmediate(callSent);
      try {
        return await result;
      } finally {
        socket?.off('drain', callSent);
        callSent();
      }
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  /** BEGIN … COMMIT around `work`; ROLLBACK when it throws. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }
}

const GUARDED = new WeakSet<object>();

/**
 * Gives every connection of the pool an 'error' listener for its whole life. pg emits 'error' on
 * a connection that the server closes (restart, failover, `pg_terminate_backend`) while no query
 * runs on it; pg-pool listens only while the connection is idle, so a connection checked out at
 * that moment (between two statements, or by `pool.query` just after its query) would raise an
 * uncaught exception and end the receiver. The failure still reaches the code using the
 * connection: its next statement fails, and the pool drops the broken connection on release.
 */
function guardConnections(pool: Pool): void {
  if (!pool || GUARDED.has(pool)) return;
  GUARDED.add(pool);
  const guard = (client: PoolClient) => {
    if (GUARDED.has(client)) return;
    GUARDED.add(client);
    client.on('error', () => undefined);
  };
  pool.on('connect', guard);
  for (const client of (pool as unknown as { _clients?: PoolClient[] })._clients ?? []) guard(client);
}
