import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { BenchDatabase } from '../database';
import { statementKey } from './probe';

const PREFIX = 'PGLOG ';

/**
 * Server-side statement durations from the embedded PostgreSQL's own log: for the measurement
 * window, `log_min_duration_statement = 0` makes it log the duration of every parse, bind and
 * execute. Summed per statement kind, that is where the database's time goes (pg_stat_statements
 * needs a preload library the embedded server is not started with). Only with the embedded
 * server: a DATABASE_URL server is not reconfigured.
 */
export class StatementLog {
  private offset = 0;

  private constructor(
    private readonly db: BenchDatabase,
    private readonly file: string,
  ) {}

  /** Starts logging; undefined when the server is not the run's embedded one. */
  static async start(db: BenchDatabase): Promise<StatementLog | undefined> {
    const file = db.embeddedLogFile();
    if (!file || !existsSync(file)) return undefined;
    const log = new StatementLog(db, file);
    await db.pool.query(`ALTER SYSTEM SET log_line_prefix = '${PREFIX}%a|'`);
    await db.pool.query('ALTER SYSTEM SET log_min_duration_statement = 0');
    // No bind parameters in the log: every event's 20 KB body would be written out twice.
    await db.pool.query('ALTER SYSTEM SET log_parameter_max_length = 0');
    await db.pool.query('SELECT pg_reload_conf()');
    await new Promise((resolve) => setTimeout(resolve, 300));
    log.offset = statSync(file).size;
    return log;
  }

  /** Stops logging and returns server milliseconds and executions per statement kind (the benchmark's own queries excluded). */
  async stop(): Promise<Map<string, { ms: number; executions: number }>> {
    const end = statSync(this.file).size;
    await this.db.pool.query('ALTER SYSTEM RESET log_min_duration_statement');
    await this.db.pool.query('ALTER SYSTEM RESET log_line_prefix');
    await this.db.pool.query('ALTER SYSTEM RESET log_parameter_max_length');
    await this.db.pool.query('SELECT pg_reload_conf()');
    const buffer = Buffer.alloc(Math.max(0, end - this.offset));
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    const totals = new Map<string, { ms: number; executions: number }>();
    // An entry starts with the prefix; a statement's further lines follow without it.
    for (const entry of buffer.toString('utf8').split(`\n${PREFIX}`)) {
      const match = /^(?:PGLOG )?([^|]*)\|.*?duration: ([\d.]+) ms\s+(statement|parse|bind|execute)[^:]*: ([\s\S]*)$/.exec(entry);
      if (!match || match[1] === 'tradecloud-bench') continue;
      const key = statementKey(match[4]);
      const total = totals.get(key) ?? { ms: 0, executions: 0 };
      total.ms += Number(match[2]);
      if (match[3] === 'execute' || match[3] === 'statement') total.executions++;
      totals.set(key, total);
    }
    return totals;
  }
}
