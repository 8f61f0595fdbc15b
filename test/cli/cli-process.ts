import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI (`tradecloud …`) as a child process, as an operator's shell would. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does it)`);
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NO_COLOR: '1', ...env })) if (value !== undefined) childEnv[key] = value;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env: childEnv, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (code === null) return reject(new Error(`tradecloud ${args.join(' ')} did not finish: ${error?.message}\n${stdout}\n${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a `--json` command and parses its stdout; fails with both streams when it is not JSON. */
export async function runCliJson<T = any>(args: string[], env: Record<string, string | undefined> = {}): Promise<T> {
  const run = await runCli([...args, '--json'], env);
  try {
    if (run.code !== 0) throw new Error(`exit code ${run.code}`);
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(`tradecloud ${args.join(' ')} --json: ${(error as Error).message}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}
