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
  const server = new EmbeddedPostgres({ dataDir, databaseName: 'postgres' });
  await server.start();
  project.provide('adminDatabaseUrl', server.url('postgres'));
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
