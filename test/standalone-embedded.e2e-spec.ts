import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, waitForProcessExit } from '../src/database/embedded/process-utils';
import { startStandaloneProcess } from './support/standalone-process';
import { withClient } from './support/test-database';

/** The newcomer's path: no DATABASE_URL, so the receiver starts a real embedded PostgreSQL itself. */
describe('standalone service on embedded PostgreSQL', () => {
  let dataDir: string;
  const env = () => ({ DATABASE_URL: '', DATA_DIR: dataDir });
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const psqlUrl = (output: string) => /Connect with: psql "([^"]+)"/.exec(output)?.[1];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-embedded-e2e-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with its own PostgreSQL, prints a working psql command, and leaves no postgres behind on Ctrl-C', async () => {
    const receiver = await startStandaloneProcess(env());
    const url = psqlUrl(receiver.output());
    expect(url).toMatch(/^postgres:\/\/postgres:.+@127\.0\.0\.1:\d+\/tradecloud$/);
    expect((await fetch(`${receiver.url}/health`)).status).toBe(200);
    await withClient(url!, (client) =>
      client.query(`INSERT INTO tradecloud.webhook_events (endpoint, dedupe_key, body) VALUES ('test', 'kept-across-restarts', '{}')`),
    );
    const pid = postmasterPid();
    expect(await receiver.stop('SIGINT')).toBe(0);
    expect(await waitForProcessExit(pid, 5_000)).toBe(true);
  });

  it('reuses the data on the next start', async () => {
    const receiver = await startStandaloneProcess(env());
    try {
      const rows = await withClient(psqlUrl(receiver.output())!, (client) =>
        client.query(`SELECT dedupe_key FROM tradecloud.webhook_events`),
      );
      expect(rows.rows).toEqual([{ dedupe_key: 'kept-across-restarts' }]);
      expect(receiver.output()).not.toContain('Creating a new PostgreSQL cluster');
    } finally {
      expect(await receiver.stop('SIGTERM')).toBe(0);
    }
  });

  it('under npm start, stops with its PostgreSQL when npm is stopped (npm passes SIGTERM only to its script shell)', async () => {
    const receiver = await startStandaloneProcess(env(), { asNpmScript: true });
    const pid = postmasterPid();
    expect(await receiver.stop('SIGTERM')).not.toBeUndefined(); // the shell exits; the receiver gets no signal
    await receiver.closed; // every process holding its output has exited: the receiver too
    expect(receiver.output()).toContain('npm stopped (the script shell that started this process exited): shutting down');
    expect(receiver.output()).toContain('Shutdown complete');
    expect(await waitForProcessExit(pid, 5_000)).toBe(true);
  });

  it('cleans up a PostgreSQL left behind by a killed receiver, and answers 503 on /health while the database is down', async () => {
    const killed = await startStandaloneProcess(env());
    const orphan = postmasterPid();
    await killed.stop('SIGKILL');
    expect(isProcessAlive(orphan)).toBe(true); // the detached server outlived its receiver

    const receiver = await startStandaloneProcess(env());
    try {
      expect(receiver.output()).toContain(`Stopping a stale embedded PostgreSQL (pid ${orphan})`);
      expect(await waitForProcessExit(orphan, 5_000)).toBe(true);
      expect((await fetch(`${receiver.url}/health`)).status).toBe(200);

      const current = postmasterPid();
      process.kill(current, 'SIGINT');
      expect(await waitForProcessExit(current, 10_000)).toBe(true);
      const down = await fetch(`${receiver.url}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
    } finally {
      await receiver.stop('SIGINT');
    }
  });
});
