import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { AppModule } from '../../examples/host-app/app.module';
import { startReceiverApp, TEST_BASIC_PASSWORD, TEST_BASIC_USER } from '../support/receiver-app';
import { startStandaloneProcess } from '../support/standalone-process';
import { openTestPool } from '../support/test-database';

/** One way of running the receiver, as the shared webhook scenarios see it. */
export interface ReceiverUnderTest {
  webhooks: string;
  authorization: string;
  sql: Pool;
  schema: string;
  close(): Promise<void>;
}

const authorization = `Basic ${Buffer.from(`${TEST_BASIC_USER}:${TEST_BASIC_PASSWORD}`).toString('base64')}`;

/** `TradecloudModule.forRoot({ database: { url } })` in a Nest app. */
export async function forRootReceiver(databaseUrl: string): Promise<ReceiverUnderTest> {
  const receiver = await startReceiverApp({ databaseUrl });
  return { webhooks: receiver.webhooks, authorization: receiver.authorization, sql: receiver.sql, schema: receiver.schema, close: receiver.close };
}

/** The example host (examples/host-app): @nestjs/config, its own TypeORM DataSource, `forRootAsync` on it. */
export async function hostAppReceiver(databaseUrl: string): Promise<ReceiverUnderTest & { app: INestApplication }> {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    TRADECLOUD_WEBHOOK_USERNAME: TEST_BASIC_USER,
    TRADECLOUD_WEBHOOK_PASSWORD: TEST_BASIC_PASSWORD,
  });
  const app = await NestFactory.create(AppModule, { bodyParser: false, logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const sql = openTestPool(databaseUrl);
  return {
    app,
    webhooks: `http://127.0.0.1:${port}/tradecloud/webhooks`,
    authorization,
    sql,
    schema: 'tradecloud',
    close: async () => {
      await app.close();
      await sql.end();
      delete process.env.DATABASE_URL;
    },
  };
}

/** The compiled standalone service (`node dist/src/main.js`) configured by environment variables. */
export async function standaloneReceiver(databaseUrl: string): Promise<ReceiverUnderTest> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-setups-'));
  const receiver = await startStandaloneProcess({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    WEBHOOK_BASIC_USERNAME: TEST_BASIC_USER,
    WEBHOOK_BASIC_PASSWORD: TEST_BASIC_PASSWORD,
  });
  const sql = openTestPool(databaseUrl);
  return {
    webhooks: `${receiver.url}/tradecloud/webhooks`,
    authorization,
    sql,
    schema: 'tradecloud',
    close: async () => {
      await receiver.stop('SIGTERM');
      await sql.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
