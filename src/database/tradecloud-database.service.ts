import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { TRADECLOUD_DATA_SOURCE } from './database.providers';
import { quoteIdentifier } from './sql';

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
  private readonly quotedSchema: string;

  constructor(
    @Inject(TRADECLOUD_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) options: ResolvedTradecloudOptions,
  ) {
    this.schema = options.database.schema;
    this.quotedSchema = quoteIdentifier(this.schema);
  }

  /** `"<schema>"."<table>"`, for SQL text. */
  table(name: string): string {
    return `${this.quotedSchema}.${quoteIdentifier(name)}`;
  }

  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.pool.query<R>(text, values);
  }

  /** BEGIN … COMMIT around `work`; ROLLBACK when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
