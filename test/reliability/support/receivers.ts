import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { StandaloneProcess, startStandaloneProcess } from '../../support/standalone-process';
import { TEST_BASIC_PASSWORD, TEST_BASIC_USER } from '../../support/receiver-app';
import { openTestPool } from '../../support/test-database';

/** The compiled standalone receiver with the test's Basic credentials, on a database of the test. */
export interface StandaloneReceiver {
  process: StandaloneProcess;
  /** `http://localhost:<port>/tradecloud/webhooks` */
  webhooks: string;
  port: number;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startStandaloneReceiver(
  databaseUrl: string,
  schema: string,
  extra: Record<string, string> = {},
): Promise<StandaloneReceiver> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-reliability-standalone-'));
  try {
    const child = await startStandaloneProcess({
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      WEBHOOK_BASIC_USERNAME: TEST_BASIC_USER,
      WEBHOOK_BASIC_PASSWORD: TEST_BASIC_PASSWORD,
      LOG_LEVEL: 'info',
      ...extra,
    });
    const port = Number(new URL(child.url).port);
    return {
      process: child,
      webhooks: `http://127.0.0.1:${port}/tradecloud/webhooks`,
      port,
      output: () => child.output(),
      stop: async (signal = 'SIGINT') => {
        try {
          return await child.stop(signal);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A SIGINT, and a SIGKILL if it has not ended 20 s later: never leaves a receiver behind. */
export async function stopSurely(receiver: StandaloneReceiver | undefined): Promise<void> {
  if (!receiver) return;
  const child = receiver.process.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await receiver.stop('SIGINT').catch(() => undefined);
  clearTimeout(timer);
}

/** A pool for the test's own queries, which survives the database restarting under it. */
export function assertionPool(url: string): Pool {
  return openTestPool(url, 3);
}
