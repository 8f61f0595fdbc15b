import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/database/embedded/process-utils';
import { runUntilExit, startStandaloneProcess } from './support/standalone-process';
import { withClient } from './support/test-database';
import { useDatabase } from './support/receiver-fixture';

describe('standalone service with DATABASE_URL', () => {
  const database = useDatabase('standalone');
  let dataDir: string;

  beforeAll(async () => {
    // Generated dev credentials go here, not into the working copy's .data folder.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-standalone-'));
    process.env.DATA_DIR = dataDir;
  });
  afterAll(async () => {
    delete process.env.DATA_DIR;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, creates the schema and its migrations there, answers /health, and stops on SIGINT', async () => {
    const receiver = await startStandaloneProcess({ DATABASE_URL: database.url, DATABASE_SCHEMA: 'tc_standalone' });
    try {
      const response = await fetch(`${receiver.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
      const openapi = await fetch(`${receiver.url}/docs-json`);
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\./);
    } finally {
      expect(await receiver.stop('SIGINT')).toBe(0);
    }
    const tables = await withClient(database.url, (client) =>
      client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tc_standalone' ORDER BY 1`),
    );
    expect(tables.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['migrations', 'webhook_events']));
    const migrations = await withClient(database.url, (client) => client.query(`SELECT name FROM tc_standalone.migrations`));
    expect(migrations.rows.map((row) => row.name)).toContain('CreateInbox1764300000000');
  });

  it('with DATABASE_MIGRATIONS_RUN=false creates nothing, and says which command to run', async () => {
    const result = await runUntilExit({
      DATABASE_URL: database.url,
      DATABASE_SCHEMA: 'tc_no_migrations',
      DATABASE_MIGRATIONS_RUN: 'false',
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Start failed: .*run the migrations \(npm run migration:run\)/);
    const tables = await withClient(database.url, (client) =>
      client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'tc_no_migrations'`),
    );
    expect(tables.rows[0].n).toBe(0);
  });

  it.each([
    [{ PORT: 'abc' }, /Configuration error: PORT must be an integer from 0 to 65535, got "abc"/],
    [{ DATABASE_URL: 'not a url' }, /Configuration error: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ DATABASE_MIGRATIONS_RUN: 'maybe' }, /Configuration error: DATABASE_MIGRATIONS_RUN must be true or false, got "maybe"/],
    [{ LOG_LEVEL: 'loud' }, /Configuration error: LOG_LEVEL must be one of error, warn, info, debug, trace, got "loud"/],
    [{ DATABASE_SCHEMA: 'Bad-Schema' }, /Configuration error: DATABASE_SCHEMA must be a lower-case Postgres identifier/],
    [{ EVENTS_BODY_RETENTION: '30 days' }, /Configuration error: EVENTS_BODY_RETENTION must be a duration such as 90s, 12h or 30d, or off, got "30 days"/],
    [{ EVENTS_ROW_RETENTION: '40d' }, /Configuration error: EVENTS_ROW_RETENTION \(40d\) must not be shorter than EVENTS_FAILED_RETENTION \(90d\)/],
  ])('refuses to start with bad configuration %o', async (env, message) => {
    const result = await runUntilExit({ DATABASE_URL: database.url, ...env });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(message);
    expect(result.output).not.toMatch(/\n\s+at /); // one clear line, no stack trace
  });

  it('retries an unreachable database with a visible line, then gives up without a stack trace', async () => {
    const closedPort = await findFreePort();
    const result = await runUntilExit({
      DATABASE_URL: `postgres://postgres:secret-password@127.0.0.1:${closedPort}/nowhere`,
      DATABASE_CONNECT_ATTEMPTS: '3',
      DATABASE_CONNECT_RETRY_DELAY_MS: '200',
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Database not reachable \(.*ECONNREFUSED.*\); retrying in 0.2 s \(attempt 1\/3\)/);
    expect(result.output).toMatch(/Start failed: Database not reachable after 3 attempts/);
    expect(result.output).not.toMatch(/\n\s+at /);
    expect(result.output).not.toContain('secret-password');
  });
});
