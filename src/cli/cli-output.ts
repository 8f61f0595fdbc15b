import type * as CliProgress from 'cli-progress';

/** A failure the operator can fix, printed as one line without a stack trace (exit code 1, or 2 for usage). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(`${message} (see "tradecloud help")`, 2);
}

/** Where a command writes; tests and `--json` use the same streams as a person would. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal: progress bars only then. */
  interactive: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  interactive: process.stderr.isTTY === true,
};

/** `--json`: one JSON document on stdout, nothing else there. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** A plain aligned table; `null`/`undefined` print as `-`. Long cells are cut, except in the last column (errors go there). */
export function formatTable(headers: string[], rows: Array<Array<unknown>>): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell).replace(/\s+/g, ' '))));
  const last = headers.length - 1;
  const cut = (value: string, column: number) => (column < last && value.length > 60 ? `${value.slice(0, 57)}...` : value);
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => cut(row[column], column).length)));
  const line = (values: string[]) =>
    values
      .map((value, column) => cut(value, column).padEnd(column < last ? widths[column] : 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

/** `2025-06-12 09:41:27` in UTC, short enough for a table. */
export function formatTime(value: Date | string | null | undefined): string | null {
  if (!value) return null;
  return new Date(value).toISOString().replace('T', ' ').slice(0, 19);
}

/** `45 s`, `12 min`, `3 h`, `2 d`. */
export function formatAge(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined) return null;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

const RELATIVE = /^(\d+)\s*(s|m|min|h|d|w)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };

/** `--since`/`--until`: an ISO date or time (`2025-06-12`, `2025-06-12T09:00:00Z`) or an age (`30m`, `2h`, `7d`). */
export function parseTimeOption(name: string, value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const relative = RELATIVE.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNIT_SECONDS[relative[2]] * 1000);
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw usageError(`--${name} must be a date or time (2025-06-12, 2025-06-12T09:00:00Z) or an age (30m, 2h, 7d), got "${value}"`);
  return parsed;
}

export function parseCount(name: string, value: string | undefined, fallback: number, max = 1_000_000): number {
  if (value === undefined) return fallback;
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) throw usageError(`--${name} must be an integer from 1 to ${max}, got "${value}"`);
  return parsed;
}

/** Event ids are bigint identities: digits only, checked before they reach SQL. */
export function parseEventIds(values: string[]): string[] {
  for (const value of values) if (!/^\d{1,19}$/.test(value)) throw usageError(`"${value}" is not an event id (digits only)`);
  return values;
}

/** A progress bar on stderr for long operations, only when a person watches a terminal (never with --json). */
export function startProgress(io: CliIo, total: number, label: string, json: boolean): { tick(): void; stop(): void } {
  if (!io.interactive || json || total < 2) return { tick: () => undefined, stop: () => undefined };
  // cli-progress is a development dependency only (a host that installs the library does not
  // get it): without it the CLI works the same, only without the bar.
  let progress: typeof CliProgress;
  try {
    progress = require('cli-progress') as typeof CliProgress;
  } catch {
    return { tick: () => undefined, stop: () => undefined };
  }
  const { Presets, SingleBar } = progress;
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} {percentage}% {duration}s`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  return { tick: () => bar.increment(), stop: () => bar.stop() };
}
