import { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Pool } from 'pg';
import { TradecloudModule, TradecloudModuleOptions } from '../../src';
import type { TradecloudModuleExtras } from '../../src/tradecloud-module-options';
import { openTestPool } from './test-database';
import { waitFor } from './wait';

export interface ReceiverApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Base URL of the webhook routes. */
  webhooks: string;
  schema: string;
  /** A separate pool for the test's own assertions. */
  sql: Pool;
  /** Authorization header value the receiver accepts. */
  authorization: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Waits until every given event has left `pending`/`failed` (or `statuses` are reached). */
  waitForEvents(eventIds: string[], statuses?: string[], timeoutMs?: number): Promise<Array<{ id: string; status: string }>>;
  close(): Promise<void>;
}

export const TEST_BASIC_USER = 'tradecloud';
export const TEST_BASIC_PASSWORD = 'test-basic-password-7f3a';

export interface ReceiverAppOptions {
  databaseUrl: string;
  schema?: string;
  options?: Partial<TradecloudModuleOptions>;
  extras?: Partial<TradecloudModuleExtras>;
  /** Options of the Nest application (default `{ bodyParser: false }`), e.g. `{ bodyParser: true, rawBody: true }` for a host keeping its JSON parser. */
  appOptions?: NestApplicationOptions;
  /** Runs after the app is created and before it listens (e.g. to mount OpenAPI). */
  beforeListen?: (app: INestApplication) => void;
  /** Providers of the host application (e.g. domain event handlers). */
  providers?: Type[];
  /** Replace providers, e.g. to simulate a mapping bug. */
  overrides?: Array<{ provide: Type | string; useValue: unknown }>;
}

/**
 * The module in a real Nest HTTP application on a loopback port, the way a host would run it
 * (no global body parser), with Basic credentials configured for every webhook kind.
 */
export async function startReceiverApp(setup: ReceiverAppOptions): Promise<ReceiverApp> {
  const schema = setup.schema ?? 'tradecloud';
  const auth = {
    basic: [{ username: TEST_BASIC_USER, password: TEST_BASIC_PASSWORD }],
  };
  const builder = Test.createTestingModule({
    imports: [
      TradecloudModule.forRoot({
        database: { url: setup.databaseUrl, schema, ...(setup.options?.database ?? {}) },
        queue: { concurrency: 4, pollingIntervalSeconds: 0.5, ...(setup.options?.queue ?? {}) },
        auth: auth as never,
        ...stripDatabase(setup.options),
        ...(setup.extras ?? {}),
      }),
    ],
    providers: setup.providers ?? [],
  });
  for (const override of setup.overrides ?? []) builder.overrideProvider(override.provide).useValue(override.useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({
    bodyParser: false,
    logger: process.env.TEST_LOG ? ['error', 'warn', 'log', 'debug'] : ['error', 'warn'],
    ...setup.appOptions,
  });
  setup.beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const prefix = setup.extras?.routePrefix ?? '/tradecloud/webhooks';
  const sql = openTestPool(setup.databaseUrl, 4); // idle clients die with the server in outage tests
  const authorization = `Basic ${Buffer.from(`${TEST_BASIC_USER}:${TEST_BASIC_PASSWORD}`).toString('base64')}`;
  return {
    app,
    url,
    webhooks: `${url}${prefix}`,
    schema,
    sql,
    authorization,
    post: (path, body, headers = {}) =>
      fetch(`${url}${prefix}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    waitForEvents: (eventIds, statuses = ['processed', 'stale', 'dead'], timeoutMs) =>
      waitFor(
        async () => {
          const { rows } = await sql.query<{ id: string; status: string }>(
            `SELECT id::text, status FROM "${schema}".webhook_events WHERE id = ANY($1::bigint[]) ORDER BY id`,
            [eventIds],
          );
          if (rows.length !== eventIds.length || !rows.every((row) => statuses.includes(row.status))) {
            throw new Error(`events not done in time: ${JSON.stringify(rows)}`);
          }
          return rows;
        },
        { timeout: timeoutMs },
      ),
    close: async () => {
      await app.close();
      await sql.end();
    },
  };
}

function stripDatabase(options: Partial<TradecloudModuleOptions> | undefined): Partial<TradecloudModuleOptions> {
  if (!options) return {};
  const { database: _database, queue: _queue, ...rest } = options;
  return rest;
}

