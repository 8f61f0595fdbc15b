import { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { TradecloudModuleOptions } from '../../src';
import type { TradecloudModuleExtras } from '../../src/tradecloud-module-options';
import { ReceiverApp, startReceiverApp, TEST_BASIC_PASSWORD, TEST_BASIC_USER } from './receiver-app';
import { StandaloneProcess, startStandaloneProcess } from './standalone-process';
import { createTestDatabase, openTestPool, TestDatabase } from './test-database';
import { TradecloudSimulator, TradecloudSimulatorOptions } from './tradecloud-simulator';
import { waitFor } from './wait';

export { waitFor, WAIT_TIMEOUT_MS } from './wait';

/**
 * The test fixture of the e2e suite: a database of its own for the file, a receiver on it in one
 * of the three set-ups, the Tradecloud simulator when asked, and the one way to wait (`waitFor`,
 * re-exported from ./wait).
 *
 *   const receiver = useReceiver({ setup: 'forRoot', simulator: true, options: ({ simulator }) => ({ … }) });
 *   it('…', async () => { await receiver.post('/orders', body); … receiver.q(`SELECT … FROM S.orders`) … });
 *
 * `useDatabase()` / `useReceiver()` register `beforeAll`/`afterAll` hooks in the describe block
 * that calls them (or the file) and return a handle filled in once `beforeAll` has run. Everything
 * they start, including further receivers started through the handle, is closed and the database
 * dropped afterwards.
 */

// ---------------------------------------------------------------------------------------------
// Database

export interface FixtureDatabase {
  name: string;
  url: string;
  /** A pool for the test's own queries (not the receiver's). */
  sql: Pool;
  /** Runs a query and returns its rows. */
  query<T = any>(text: string, values?: unknown[]): Promise<T[]>;
  /** The URL of another database on the same server with the same credentials (e.g. `postgres`). */
  urlOf(databaseName: string): string;
}

/** A fresh, empty database for the calling describe block (or file), dropped at its end. */
export function useDatabase(label = 'test'): FixtureDatabase {
  const handle = {} as FixtureDatabase;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(label);
    Object.assign(handle, openDatabase(database));
  });
  afterAll(async () => {
    await handle.sql?.end();
    await database?.drop();
  });
  return handle;
}

function openDatabase(database: TestDatabase): FixtureDatabase {
  const sql = openTestPool(database.url, 4); // idle clients die with the server in outage tests
  return {
    name: database.name,
    url: database.url,
    sql,
    query: async (text, values) => (await sql.query(text, values)).rows,
    urlOf: (name) => {
      const url = new URL(database.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Receiver

/**
 * The three ways of running the receiver:
 * - `forRoot`: `TradecloudModule.forRoot(…)` in a Nest app in this process (test/support/receiver-app.ts);
 * - `host-app`: the example host (examples/host-app): @nestjs/config, its own TypeORM DataSource, `forRootAsync` on it;
 * - `standalone`: the compiled service (`node dist/src/main.js`) as a child process, configured by environment variables.
 */
export type ReceiverSetup = 'forRoot' | 'host-app' | 'standalone';

export interface FixtureContext {
  database: FixtureDatabase;
  /** Only when the fixture was asked for a simulator. */
  simulator: TradecloudSimulator;
}

type Computed<T> = T | ((context: FixtureContext) => T);

export interface ReceiverFixtureOptions {
  setup?: ReceiverSetup;
  /** Part of the database name, for finding it while a test runs. */
  label?: string;
  /** Start the Tradecloud simulator (with these options) before the receiver. */
  simulator?: boolean | TradecloudSimulatorOptions;
  /** `forRoot` only (the other set-ups use `tradecloud`, or DATABASE_SCHEMA in `env`). */
  schema?: string;
  /** `forRoot`: the module options (database, queue and auth have test defaults, see receiver-app.ts). */
  options?: Computed<Partial<TradecloudModuleOptions>>;
  extras?: Partial<TradecloudModuleExtras>;
  appOptions?: NestApplicationOptions;
  beforeListen?: (app: INestApplication) => void;
  providers?: Type[];
  overrides?: Array<{ provide: Type | string; useValue: unknown }>;
  /** `standalone`: environment variables besides DATABASE_URL, DATA_DIR and the Basic credentials. */
  env?: Computed<Record<string, string | undefined>>;
  /** `false`: only the database (and simulator); the tests start receivers with `startAnother`. */
  start?: boolean;
  /** Runs before the receiver starts (after the database and simulator), e.g. to prepare the database. */
  before?: (context: FixtureContext) => Promise<void> | void;
}

/** A running receiver as tests use it, whatever its set-up. */
export interface RunningReceiver {
  setup: ReceiverSetup;
  /** `http(s)://127.0.0.1:<port>` (`localhost` for the standalone service). */
  url: string;
  /** Base URL of the webhook routes. */
  webhooks: string;
  schema: string;
  credentials: { username: string; password: string };
  /** The `Authorization` header value of `credentials`. */
  authorization: string;
  /** The Nest application (`forRoot`, `host-app`). */
  app?: INestApplication;
  /** The child process (`standalone`): its output, `stop(signal)`. */
  process?: StandaloneProcess;
  /** The standalone service's DATA_DIR (removed at the end). */
  dataDir?: string;
  /** POSTs to a webhook route (relative to `webhooks`) with the receiver's credentials. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A pool on the receiver's database for the test's own queries. */
  sql: Pool;
  /** Runs a query with `S.` standing for the receiver's schema, and returns its rows. */
  q<T = any>(text: string, values?: unknown[]): Promise<T[]>;
  /**
   * Waits until every given event has left `pending`/`failed` (or reached one of `statuses`), returns them by id.
   * `timeout` only for a test that knowingly waits longer than the default (e.g. a stream of 200 events).
   */
  waitForEvents(eventIds: string[], statuses?: string[], timeout?: number): Promise<Array<{ id: string; status: string }>>;
  close(): Promise<void>;
}

export interface ReceiverFixture extends RunningReceiver, FixtureContext {
  /**
   * Starts another receiver on the same database (e.g. in another schema, or a second instance),
   * closed at the end of the block unless the test closes it earlier.
   */
  startAnother(options?: Omit<ReceiverFixtureOptions, 'simulator' | 'label' | 'before' | 'start'>): Promise<RunningReceiver>;
}

const BASIC_AUTHORIZATION = `Basic ${Buffer.from(`${TEST_BASIC_USER}:${TEST_BASIC_PASSWORD}`).toString('base64')}`;

/**
 * A receiver on a fresh database for the calling describe block (or file), in the given set-up,
 * with the simulator when asked. Everything is closed and the database dropped at the end.
 */
export function useReceiver(fixtureOptions: ReceiverFixtureOptions = {}): ReceiverFixture {
  const handle = {} as ReceiverFixture;
  const started: RunningReceiver[] = [];
  let database: TestDatabase | undefined;
  let opened: FixtureDatabase | undefined;
  let simulator: TradecloudSimulator | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(fixtureOptions.label ?? fixtureOptions.setup ?? 'receiver');
    opened = openDatabase(database);
    if (fixtureOptions.simulator) {
      simulator = await TradecloudSimulator.start(fixtureOptions.simulator === true ? undefined : fixtureOptions.simulator);
    }
    const context: FixtureContext = { database: opened, simulator: simulator! };
    Object.assign(handle, context, { sql: opened.sql });
    handle.startAnother = async (options = {}) => {
      const receiver = await startReceiver({ ...fixtureOptions, ...options }, context);
      started.push(receiver);
      return receiver;
    };
    await fixtureOptions.before?.(context);
    if (fixtureOptions.start === false) return;
    const main = await startReceiver(fixtureOptions, context);
    started.push(main);
    Object.assign(handle, main);
  });
  afterAll(async () => {
    for (const receiver of started.reverse()) await receiver.close().catch(() => undefined);
    await simulator?.stop();
    await opened?.sql.end();
    await database?.drop();
  });
  return handle;
}

/** Starts a receiver in the given set-up on the context's database (the caller closes it). */
export async function startReceiver(options: ReceiverFixtureOptions, context: FixtureContext): Promise<RunningReceiver> {
  const setup = options.setup ?? 'forRoot';
  const computed = <T>(value: Computed<T> | undefined): T | undefined =>
    typeof value === 'function' ? (value as (context: FixtureContext) => T)(context) : value;
  const running =
    setup === 'forRoot'
      ? fromReceiverApp(
          await startReceiverApp({
            databaseUrl: context.database.url,
            schema: options.schema,
            options: computed(options.options),
            extras: options.extras,
            appOptions: options.appOptions,
            beforeListen: options.beforeListen,
            providers: options.providers,
            overrides: options.overrides,
          }),
        )
      : setup === 'host-app'
        ? await startHostApp(context.database.url)
        : await startStandalone(context.database.url, computed(options.env) ?? {});
  return running;
}

function withSchemaHelpers(
  receiver: Omit<RunningReceiver, 'q' | 'waitForEvents' | 'post' | 'sql'> & { post?: RunningReceiver['post'] },
  sql: Pool,
  ownsPool: boolean,
): RunningReceiver {
  const q = async <T>(text: string, values?: unknown[]) => (await sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values)).rows as T[];
  const close = receiver.close;
  return {
    ...receiver,
    sql,
    post:
      receiver.post ??
      ((route, body, headers = {}) =>
        fetch(`${receiver.webhooks}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: receiver.authorization, ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })),
    q,
    waitForEvents: async (eventIds, statuses = ['processed', 'stale', 'dead'], timeout) =>
      waitFor(async () => {
        const rows = await q<{ id: string; status: string }>(
          `SELECT id::text, status FROM S.webhook_events WHERE id = ANY($1::bigint[]) ORDER BY id`,
          [eventIds],
        );
        if (rows.length !== eventIds.length || !rows.every((row) => statuses.includes(row.status))) {
          throw new Error(`events not done: ${JSON.stringify(rows)}`);
        }
        return rows;
      }, { timeout }),
    close: async () => {
      await close();
      if (ownsPool) await sql.end();
    },
  };
}

function fromReceiverApp(receiver: ReceiverApp): RunningReceiver {
  return withSchemaHelpers(
    {
      setup: 'forRoot',
      url: receiver.url,
      webhooks: receiver.webhooks,
      schema: receiver.schema,
      credentials: { username: TEST_BASIC_USER, password: TEST_BASIC_PASSWORD },
      authorization: receiver.authorization,
      app: receiver.app,
      post: receiver.post,
      close: receiver.close, // ends the receiver app's own pool
    },
    receiver.sql,
    false,
  );
}

async function startHostApp(databaseUrl: string): Promise<RunningReceiver> {
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    TRADECLOUD_WEBHOOK_USERNAME: TEST_BASIC_USER,
    TRADECLOUD_WEBHOOK_PASSWORD: TEST_BASIC_PASSWORD,
  });
  // Loaded only when asked for: the example host brings @nestjs/config and @nestjs/typeorm.
  const { AppModule: HostAppModule } = await import('../../examples/host-app/app.module.js');
  const app = await NestFactory.create(HostAppModule, { bodyParser: false, logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return withSchemaHelpers(
    {
      setup: 'host-app',
      url,
      webhooks: `${url}/tradecloud/webhooks`,
      schema: 'tradecloud',
      credentials: { username: TEST_BASIC_USER, password: TEST_BASIC_PASSWORD },
      authorization: BASIC_AUTHORIZATION,
      app,
      close: async () => {
        await app.close();
        delete process.env.DATABASE_URL;
      },
    },
    openTestPool(databaseUrl),
    true,
  );
}

async function startStandalone(databaseUrl: string, env: Record<string, string | undefined>): Promise<RunningReceiver> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-receiver-'));
  const child = await startStandaloneProcess({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    WEBHOOK_BASIC_USERNAME: TEST_BASIC_USER,
    WEBHOOK_BASIC_PASSWORD: TEST_BASIC_PASSWORD,
    ...env,
  });
  const username = env.WEBHOOK_BASIC_USERNAME ?? TEST_BASIC_USER;
  const password = env.WEBHOOK_BASIC_PASSWORD ?? TEST_BASIC_PASSWORD;
  return withSchemaHelpers(
    {
      setup: 'standalone',
      url: child.url,
      webhooks: `${child.url}/tradecloud/webhooks`,
      schema: env.DATABASE_SCHEMA ?? 'tradecloud',
      credentials: { username, password },
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      process: child,
      dataDir,
      close: async () => {
        await child.stop('SIGTERM');
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
    openTestPool(env.DATABASE_URL ?? databaseUrl),
    true,
  );
}
