import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { projectRoot } from './processes';
import { sleep } from './stats';

/** Busy and total jiffies (10 ms) of all CPUs, from /proc/stat. */
export function cpuJiffies(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    const total = fields.reduce((sum, value) => sum + value, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Share (0…1) of the machine's CPU that was idle over `ms` milliseconds; NaN without /proc. */
export async function idleShare(ms: number): Promise<number> {
  const before = cpuJiffies();
  await sleep(ms);
  const after = cpuJiffies();
  if (!before || !after || after.total === before.total) return NaN;
  return 1 - (after.busy - before.busy) / (after.total - before.total);
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/** `abc1234` (+ a note when src/ or migrations/ have uncommitted changes): which receiver was measured. */
export function revision(): string {
  try {
    const cwd = projectRoot();
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} with uncommitted changes in src/ or migrations/` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
