import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { EmbeddedPostgres } from '../src/database/embedded/embedded-postgres';
import { processTreeCpuMs } from './memory';

/**
 * The PostgreSQL of a benchmark run: `DATABASE_URL` when set, else an embedded server started
 * for the run in a temporary folder (removed afterwards). Every scenario works in schemas of
 * its own (`bench_…`), dropped at the end, so a given database keeps nothing of the run.
 */
export class BenchDatabase {
  readonly pool: Pool;
  private readonly schemas = new Set<string>();

  private constructor(
    readonly url: string,
    readonly source: 'DATABASE_URL' | 'embedded',
    private readonly embedded?: EmbeddedPostgres,
    private readonly tempDir?: string,
  ) {
    // The application name keeps the benchmark's own queries out of the statement log (profile/pg-log.ts).
    this.pool = new Pool({ connectionString: url, max: 4, application_name: 'tradecloud-bench' });
    this.pool.on('error', () => undefined);
  }

  static async open(databaseUrl: string | undefined, log: (line: string) => void): Promise<BenchDatabase> {
    if (databaseUrl) {
      const database = new BenchDatabase(databaseUrl, 'DATABASE_URL');
      await database.pool.query('SELECT 1');
      return database;
    }
    const tempDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-bench-pg-'));
    const embedded = new EmbeddedPostgres({ dataDir: tempDir, databaseName: 'tradecloud_bench', log });
    try {
      log('DATABASE_URL is not set: starting an embedded PostgreSQL for this run');
      const url = await embedded.start();
      return new BenchDatabase(url, 'embedded', embedded, tempDir);
    } catch (error) {
      await embedded.stop().catch(() => undefined);
      rmSync(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A fresh schema name, dropped by {@link close}. */
  newSchema(label: string): string {
    const name = `bench_${label}_${randomBytes(3).toString('hex')}`;
    this.schemas.add(name);
    return name;
  }

  async serverVersion(): Promise<string> {
    const result = await this.pool.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0].server_version;
  }

  /** The settings that shape write latency, for the report. */
  async durabilitySettings(): Promise<string> {
    const result = await this.pool.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'shared_buffers', 'max_connections') ORDER BY name`,
    );
    return result.rows.map((row) => `${row.name}=${row.setting}${row.unit && row.unit !== '' ? ` (${row.unit})` : ''}`).join(', ');
  }

  /**
   * CPU milliseconds used so far by the embedded server (postmaster and backends), to tell how
   * much of an event's cost is the database's. NaN with DATABASE_URL: that server may be shared.
   */
  postgresCpuMs(): number {
    if (!this.tempDir) return NaN;
    try {
      const pid = Number(readFileSync(path.join(this.tempDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return processTreeCpuMs(pid);
    } catch {
      return NaN;
    }
  }

  /** The embedded server's log file; undefined with DATABASE_URL. */
  embeddedLogFile(): string | undefined {
    return this.tempDir ? path.join(this.tempDir, 'postgres.log') : undefined;
  }

  async dropSchema(schema: string): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS "${schema}", "${schema}_queue" CASCADE`);
    this.schemas.delete(schema);
  }

  /** Drops the run's schemas, closes the pool, stops an embedded server and removes its folder. */
  async close(): Promise<void> {
    for (const schema of [...this.schemas]) await this.dropSchema(schema).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    if (this.embedded) await this.embedded.stop().catch(() => undefined);
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}
