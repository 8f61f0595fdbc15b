import { createHash, timingSafeEqual } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

/**
 * The floor cost of durable ingestion: plain `node:http` and a `pg` pool. Basic authentication
 * (constant-time compare), the raw body stored as jsonb in an inbox table with a unique dedupe
 * key (the message id, else a hash of the body), one INSERT in autocommit, 202. No framework,
 * no validation, no job queue: whatever the receiver costs above this is its own overhead.
 */
export interface BaselineServerOptions {
  databaseUrl: string;
  schema: string;
  username: string;
  password: string;
  poolSize: number;
  bodyLimitBytes?: number;
}

export interface BaselineServer {
  url: string;
  pool: Pool;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The inbox table both floors write (`<schema>.inbox`): one row per event, a unique dedupe key, the body as jsonb. */
export async function createInboxTable(pool: Pool, schema: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const table = `"${schema}".inbox`;
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${table} (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now(),
      endpoint    text NOT NULL,
      dedupe_key  text NOT NULL UNIQUE,
      body        jsonb NOT NULL
    )`);
  return table;
}

/** The floors' one statement: the event stored once per dedupe key, its id returned when it is new. */
export const inboxInsert = (table: string) =>
  `INSERT INTO ${table} (endpoint, dedupe_key, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`;

/** The dedupe key both floors use: the message id, else a hash of the body. */
export function inboxDedupeKey(endpoint: string, body: Record<string, unknown>, text: string): string {
  const messageId = findMessageId(body);
  return messageId ? `${endpoint}:message:${messageId}` : `${endpoint}:sha256:${digest(text).toString('hex')}`;
}

export async function startBaselineServer(options: BaselineServerOptions): Promise<BaselineServer> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  pool.on('error', () => undefined); // an idle client lost with the server: the next query reports it
  const table = await createInboxTable(pool, options.schema);
  const expected = digest(`${options.username}:${options.password}`);
  const limit = options.bodyLimitBytes ?? 50 * 1024 * 1024;
  const insert = inboxInsert(table);

  const authorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization;
    if (!header || !/^basic /i.test(header)) return false;
    return timingSafeEqual(digest(Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')), expected);
  };

  const reply = (response: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST') return reply(response, 405, { message: 'POST only' });
    if (!authorized(request)) {
      request.resume();
      response.setHeader('WWW-Authenticate', 'Basic realm="baseline"');
      return reply(response, 401, { message: 'Unauthorized' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > limit) return reply(response, 413, { message: 'Payload too large' });
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return reply(response, 400, { message: 'Body is not JSON' });
    }
    const endpoint = (request.url ?? '/').split('?')[0].split('/').filter(Boolean).pop() ?? '';
    const dedupeKey = inboxDedupeKey(endpoint, body, text);
    const result = await pool.query<{ id: string }>(insert, [endpoint, dedupeKey, text]);
    if (result.rows[0]) reply(response, 202, { status: 'accepted', eventId: String(result.rows[0].id) });
    else reply(response, 200, { status: 'duplicate' });
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) reply(response, 503, { message: error.message });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.end();
    },
  };
}

/** `meta.messageId` at the top level (shipments, documented order body) or inside the event object. */
function findMessageId(body: Record<string, unknown>): string | undefined {
  const candidates = [body.meta, ...Object.values(body).map((value) => (value as { meta?: unknown } | null)?.meta)];
  for (const meta of candidates) {
    const id = (meta as { messageId?: unknown } | undefined)?.messageId;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

/** Run as its own process by the benchmark: `node dist-bench/bench/baseline-server.js`. */
if (require.main === module) {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  startBaselineServer({
    databaseUrl: env('BASELINE_DATABASE_URL'),
    schema: env('BASELINE_SCHEMA'),
    username: env('BASELINE_USERNAME'),
    password: env('BASELINE_PASSWORD'),
    poolSize: Number(process.env.BASELINE_POOL_SIZE ?? 10),
  }).then(
    (server) => {
      console.log(`baseline listening on ${server.url.replace('http://', '')}`);
      const stop = () => void server.close().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: Error) => {
      console.error(`baseline failed to start: ${error.message}`);
      process.exit(1);
    },
  );
}
