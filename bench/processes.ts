import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cpuMs, MemorySampler } from './memory';

/** The repository root (the folder with package.json), from the source or the compiled file. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** A child process of the benchmark: its URL on loopback, its output and its memory. */
export class BenchProcess {
  private output = '';
  private readonly exited: Promise<number | null>;
  readonly memory: MemorySampler;
  url = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    const keep = (chunk: Buffer) => {
      // Keep the tail only: the pipe must be drained, but nobody reads megabytes of log.
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.memory = new MemorySampler(child.pid!);
    LIVE.add(this);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logTail(lines = 30): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** Resolves with the port once the output matches `pattern` (group 1 = port). */
  waitForPort(pattern: RegExp, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.output);
        if (!match) return;
        cleanup();
        resolve(Number(match[1]));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name} did not start within ${timeoutMs} ms:\n${this.logTail()}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${this.name} exited with ${code} before listening:\n${this.logTail()}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** SIGINT (graceful shutdown), then SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<number | null> {
    this.memory.stop();
    if (this.running) {
      const used = cpuMs(this.pid);
      if (LIVE.has(this) && Number.isFinite(used)) stoppedChildrenCpuMs += used;
      this.child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
      clearTimeout(timer);
      if (!inTime) this.child.kill('SIGKILL');
    }
    const code = await this.exited;
    LIVE.delete(this);
    return code;
  }
}

/** Every child still running: killed synchronously if the benchmark itself exits abruptly. */
const LIVE = new Set<BenchProcess>();
let stoppedChildrenCpuMs = 0;

/** CPU milliseconds used by every child process of the benchmark so far (stopped and running). */
export function childrenCpuMs(): number {
  let total = stoppedChildrenCpuMs;
  for (const child of LIVE) if (child.running) total += cpuMs(child.pid) || 0;
  return total;
}
process.once('exit', () => {
  for (const child of LIVE) if (child.running) child.child.kill('SIGKILL');
});

export interface ReceiverOptions {
  /** The compiled receiver's main.js. */
  main: string;
  databaseUrl: string;
  schema: string;
  basic: { username: string; password: string };
  dataDir: string;
  /** Extra environment (e.g. the Tradecloud API of the simulator). */
  env?: Record<string, string>;
  /** Extra node options (e.g. `--cpu-prof`, `--require <counter>`). */
  nodeArgs?: string[];
  logLevel?: string;
}

/**
 * The receiver the benchmark runs: the snapshot `npm run bench:build` took of dist/ when it
 * exists next to the compiled benchmark, else dist/src/main.js (the test, from the sources).
 */
export function receiverMain(): string {
  const snapshot = path.join(__dirname, '..', 'receiver', 'src', 'main.js');
  return existsSync(snapshot) && __filename.endsWith('.js') ? snapshot : path.join(projectRoot(), 'dist', 'src', 'main.js');
}

/** Starts the compiled standalone receiver on 127.0.0.1 with Basic auth. */
export async function startReceiver(options: ReceiverOptions): Promise<BenchProcess> {
  const { main } = options;
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first (npm run bench does)`);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The benchmark decides the receiver's whole configuration: nothing leaks in from the caller's shell.
    if (value !== undefined && !/^(DATABASE_|WEBHOOK_|TRADECLOUD_|TLS_|PORT$|HOST$|LOG_LEVEL$|DATA_DIR$)/.test(key)) env[key] = value;
  }
  Object.assign(env, {
    NO_COLOR: '1',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    DATABASE_SCHEMA: options.schema,
    LOG_LEVEL: options.logLevel ?? 'info',
    DATA_DIR: options.dataDir,
    WEBHOOK_BASIC_USERNAME: options.basic.username,
    WEBHOOK_BASIC_PASSWORD: options.basic.password,
    ...options.env,
  });
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], { env, cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const receiver = new BenchProcess(`receiver (schema ${options.schema})`, child);
  try {
    const port = await receiver.waitForPort(/listening on https?:\/\/localhost:(\d+)/, 120_000);
    receiver.url = `http://127.0.0.1:${port}`;
  } catch (error) {
    await receiver.stop(5_000);
    throw error;
  }
  return receiver;
}

export interface BaselineOptions {
  databaseUrl: string;
  schema: string;
  basic: { username: string; password: string };
  poolSize: number;
}

/**
 * Starts a floor server as a child process: the baseline (`baseline-server.js`), or with
 * `kind: 'framework'` the framework floor (`framework-floor-server.js`), compiled next to this file.
 */
export async function startBaselineProcess(options: BaselineOptions, kind: 'baseline' | 'framework' = 'baseline'): Promise<BenchProcess> {
  const script = path.join(__dirname, kind === 'baseline' ? 'baseline-server.js' : 'framework-floor-server.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build the benchmark first (npm run bench:build)`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BASELINE_DATABASE_URL: options.databaseUrl,
    BASELINE_SCHEMA: options.schema,
    BASELINE_USERNAME: options.basic.username,
    BASELINE_PASSWORD: options.basic.password,
    BASELINE_POOL_SIZE: String(options.poolSize),
  };
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const label = kind === 'baseline' ? 'baseline' : 'framework floor';
  const baseline = new BenchProcess(label, child);
  try {
    const ready = kind === 'baseline' ? /baseline listening on 127\.0\.0\.1:(\d+)/ : /framework floor listening on 127\.0\.0\.1:(\d+)/;
    baseline.url = `http://127.0.0.1:${await baseline.waitForPort(ready, 30_000)}`;
  } catch (error) {
    await baseline.stop(5_000);
    throw error;
  }
  return baseline;
}
