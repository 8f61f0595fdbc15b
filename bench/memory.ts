import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface MemoryReading {
  rssBytes: number;
  /** Peak RSS of the process (VmHWM) since its start or the last {@link MemorySampler.resetPeak}. */
  hwmBytes: number;
}

/** `VmRSS` and `VmHWM` of a Linux process; undefined when it is gone or /proc is missing. */
export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/**
 * Samples a child's RSS every `intervalMs` and keeps the peak of the current window (one
 * scenario) and of the whole life of the process. VmHWM is read too, so a spike shorter than
 * the interval still counts; `resetPeak` (writing 5 to clear_refs) starts a window's VmHWM at
 * the current RSS where the kernel allows it.
 */
export class MemorySampler {
  private timer?: NodeJS.Timeout;
  private windowPeak = 0;
  private lifePeak = 0;
  private hwmResettable = true;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Starts a new window; returns nothing. */
  startWindow(): void {
    this.resetPeak();
    this.windowPeak = readMemory(this.pid)?.rssBytes ?? 0;
  }

  /** Peak RSS since {@link startWindow}, in bytes. */
  windowPeakBytes(): number {
    this.sample();
    return this.windowPeak;
  }

  /** Peak RSS over the whole life of the process so far, in bytes. */
  lifePeakBytes(): number {
    this.sample();
    return this.lifePeak;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private resetPeak(): void {
    if (!this.hwmResettable) return;
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.hwmResettable = false;
    }
  }

  private sample(): void {
    const reading = readMemory(this.pid);
    if (!reading) return;
    // Without a resettable VmHWM, the lifetime peak would leak into every window: use RSS samples only.
    const peak = this.hwmResettable ? Math.max(reading.rssBytes, reading.hwmBytes || 0) : reading.rssBytes;
    this.windowPeak = Math.max(this.windowPeak, peak);
    this.lifePeak = Math.max(this.lifePeak, reading.rssBytes, reading.hwmBytes || 0);
  }
}

/** /proc/<pid>/stat after the command name (which may contain spaces): [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;

/** CPU time (user + system, all threads) a process has used so far, in milliseconds; NaN when unknown. */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return fields ? ticksToMs(Number(fields[11]) + Number(fields[12])) : NaN;
}

/**
 * CPU time of a process, its live children and its reaped children (a PostgreSQL postmaster
 * and its backends), in milliseconds; NaN when unknown.
 */
export function processTreeCpuMs(rootPid: number): number {
  const root = statFields(rootPid);
  if (!root) return NaN;
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticksToMs(ticks);
}

/** USER_HZ: 100 on every Linux the benchmark targets. */
const CLOCK_TICKS = 100;

export function megabytes(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
