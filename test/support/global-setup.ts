import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the PostgreSQL the tests create their databases in. */
    adminDatabaseUrl: string;
  }
}

/**
 * The run's own cluster is deleted at its end, so nothing in it has to survive a crash of the
 * machine: commits do not wait for the disk. Every test sees the same results (a commit is
 * visible to other sessions at once either way, and no e2e test crashes this server; those that
 * stop a PostgreSQL start one of their own). On a busy shared disk, waiting for every commit's
 * flush was a good part of the run.
 */
const THROWAWAY_CLUSTER = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

/**
 * One PostgreSQL for the whole run: `TEST_DATABASE_URL` when given, otherwise a real embedded
 * server in a temporary folder, removed afterwards. Each test file then creates its own database.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL?.trim();
  if (given) {
    project.provide('adminDatabaseUrl', given);
    return async () => undefined;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-test-pg-'));
  const server = new EmbeddedPostgres({ dataDir, databaseName: 'postgres', settings: THROWAWAY_CLUSTER });
  await server.start();
  project.provide('adminDatabaseUrl', server.url('postgres'));
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
