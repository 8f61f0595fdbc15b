import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

/** The compiled standalone receiver (`node dist/src/main.js`) running as a real child process. */
export interface StandaloneProcess {
  child: ChildProcess;
  /** Base URL, known once the receiver logged that it listens. */
  url: string;
  /** Everything it printed so far (stdout and stderr), JSON log lines shown readably (see `readableLog`). */
  output(): string;
  /** Exactly the bytes it printed (JSON log lines as they are). */
  rawOutput(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves once every process holding its output has exited (the receiver too, when started through a shell). */
  closed: Promise<void>;
}

export interface StartOptions {
  timeoutMs?: number;
  /**
   * Start it as an npm script does: `sh -c "node dist/src/main.js"` with `npm_lifecycle_event`
   * set, so that `child` is the shell and the receiver its child.
   */
  asNpmScript?: boolean;
}

export interface RunResult {
  code: number | null;
  /** Readable, as `StandaloneProcess.output()`. */
  output: string;
  rawOutput: string;
}

/**
 * The receiver logs JSON lines; tests match on what a person reads. Each JSON line becomes
 * `level [context] msg {other fields}` with the message unescaped (quotes as written) and a
 * stack trace, if any, on real lines; every other field is kept as JSON, so a secret in any
 * field is still found by a `not.toContain` check. Plain lines (configuration errors) pass as is.
 */
export function readableLog(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        return line;
      }
      const { level, time: _time, pid: _pid, hostname: _hostname, context, msg, ...rest } = entry;
      const trace = [rest.stack, (rest.err as { stack?: unknown } | undefined)?.stack].filter((value) => typeof value === 'string').join('\n');
      const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
      return `${level} ${context ? `[${context}] ` : ''}${msg ?? ''}${fields}${trace ? `\n${trace}` : ''}`;
    })
    .join('\n');
}

function spawnMain(env: Record<string, string | undefined>, asNpmScript = false): ChildProcess {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does it)`);
  const childEnv: Record<string, string> = {};
  const npm = asNpmScript ? { npm_lifecycle_event: 'start' } : {};
  for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: '1', PORT: '0', ...npm, ...env })) {
    if (value !== undefined) childEnv[key] = value;
  }
  if (asNpmScript) return spawn('/bin/sh', ['-c', `"${process.execPath}" "${MAIN}"`], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  return spawn(process.execPath, [MAIN], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the receiver until it exits by itself (for configuration errors). */
export function runUntilExit(env: Record<string, string | undefined>, timeoutMs = 50_000): Promise<RunResult> {
  const child = spawnMain(env);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`receiver did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: readableLog(output), rawOutput: output });
    });
  });
}

/** Starts the receiver and waits until it listens. */
export function startStandaloneProcess(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<StandaloneProcess> {
  const { timeoutMs = 50_000, asNpmScript = false } = options;
  const child = spawnMain(env, asNpmScript);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = Promise.all([child.stdout!, child.stderr!].map((stream) => new Promise<void>((resolve) => stream.on('close', () => resolve())))).then(() => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`receiver did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (https?:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => readableLog(output),
          rawOutput: () => output,
          stop: (signal = 'SIGINT') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
          closed,
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`receiver exited with ${code} before listening:\n${output}`));
    });
  });
}
