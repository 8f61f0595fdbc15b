/**
 * Preloaded into the receiver for the profiled pass (`node --require …/probe.js dist/src/main.js`),
 * so that nothing under src/ changes. It counts every SQL statement sent through `pg` (what
 * kind, inside which kind of transaction, how long until its answer) and runs the V8 CPU
 * profiler. SIGUSR2 starts a measurement window (counters reset, profiler on); the next SIGUSR2
 * ends it and writes `<BENCH_PROBE_DIR>/window-<n>.json` (+ `.cpuprofile`) .
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { Client } from 'pg';

export interface StatementStats {
  count: number;
  totalMs: number;
}

export interface ProbeWindow {
  durationMs: number;
  /** Key: `<transaction kind>|<statement>`; transaction kind `autocommit` outside BEGIN…COMMIT. */
  statements: Record<string, StatementStats>;
  /** Transactions by kind (the kind is named by the first statement after BEGIN). */
  transactions: Record<string, number>;
}

/** `SELECT webhook_events`, `INSERT order_lines`, `advisory lock`, `BEGIN`, … */
export function statementKey(text: string): string {
  const sql = text.replace(/\s+/g, ' ').trim();
  const verb = /^(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '?';
  if (/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)$/.test(verb)) return verb;
  if (/pg_advisory_xact_lock/i.test(sql)) return 'SELECT pg_advisory_xact_lock';
  const table = (pattern: RegExp) => pattern.exec(sql)?.[1]?.replace(/"/g, '').split('.').pop();
  const name = (found: string | undefined) => found ?? '?';
  if (verb === 'WITH') {
    // The receiver's own claim of ready events locks them the same way pg-boss's fetch does.
    if (/SKIP LOCKED/i.test(sql)) return /webhook_events/i.test(sql) ? 'claim (WITH … webhook_events FOR UPDATE SKIP LOCKED)' : 'pg-boss fetch (WITH … UPDATE job)';
    if (/completed_on = now\(\)/i.test(sql)) return 'pg-boss complete (WITH … UPDATE job)';
    const write = /\b(UPDATE|INSERT INTO|DELETE FROM)\s+([\w".]+)/i.exec(sql);
    return write ? `WITH … ${write[1].split(' ')[0].toUpperCase()} ${write[2].replace(/"/g, '').split('.').pop()}` : `WITH … ${name(table(/\bFROM\s+([\w".]+)/i))}`;
  }
  if (verb === 'INSERT') return `INSERT ${name(table(/^INSERT INTO\s+([\w".]+)/i))}`;
  if (verb === 'UPDATE') return `UPDATE ${name(table(/^UPDATE\s+([\w".]+)/i))}`;
  if (verb === 'DELETE') return `DELETE ${name(table(/^DELETE FROM\s+([\w".]+)/i))}`;
  if (verb === 'SELECT') {
    const from = table(/\bFROM\s+([\w".]+)/i);
    return from ? `SELECT ${from}` : `SELECT ${sql.slice(7, 40)}`;
  }
  return `${verb} ${sql.slice(verb.length + 1, 40)}`;
}

/** Transaction kinds of the receiver, named by their first statement. */
function transactionKind(first: string): string {
  if (first === 'INSERT webhook_events') return 'intake';
  // A processing transaction starts with its settings (batch-transaction.ts), earlier ones with their locks.
  if (first === 'SELECT pg_advisory_xact_lock' || first.startsWith("SELECT set_config('synchronous_commit'")) return 'processing';
  return first;
}

if (process.env.BENCH_PROBE_DIR) install(process.env.BENCH_PROBE_DIR);

function install(dir: string): void {
  type Tracked = InstanceType<typeof Client> & { __benchTxn?: { kind?: string; pendingBegin?: number } };
  let window: ProbeWindow = { durationMs: 0, statements: {}, transactions: {} };
  let windowStart = performance.now();
  let active = false;
  let windowNumber = 0;
  const session = new Session();
  session.connect();

  const record = (kind: string, key: string, ms: number) => {
    if (!active) return;
    const stats = (window.statements[`${kind}|${key}`] ??= { count: 0, totalMs: 0 });
    stats.count++;
    stats.totalMs += ms;
  };

  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: Tracked, ...args: unknown[]) {
    const config = args[0] as string | { text?: string } | undefined;
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text !== 'string') return original.apply(this, args);
    let key = statementKey(text);
    // pg-boss statements name their queue in the first parameter: which queue costs what.
    const values = (Array.isArray(args[1]) ? args[1] : (config as { values?: unknown[] } | undefined)?.values) as unknown[] | undefined;
    if (key.startsWith('pg-boss') && typeof values?.[0] === 'string') key = `${key} [${values[0]}]`;
    let kind = 'autocommit';
    if (key === 'BEGIN') {
      this.__benchTxn = { pendingBegin: 0 };
      kind = 'pending';
    } else if (this.__benchTxn) {
      const txn = this.__benchTxn;
      if (!txn.kind) {
        txn.kind = transactionKind(key);
        if (active) window.transactions[txn.kind] = (window.transactions[txn.kind] ?? 0) + 1;
        record(txn.kind, 'BEGIN', txn.pendingBegin ?? 0);
      }
      kind = txn.kind;
      if (key === 'COMMIT' || key === 'ROLLBACK') this.__benchTxn = undefined;
    }
    const started = performance.now();
    const done = (ms: number) => {
      if (kind === 'pending') {
        if (this.__benchTxn) this.__benchTxn.pendingBegin = ms;
      } else record(kind, key, ms);
    };
    const callback = args.findIndex((arg) => typeof arg === 'function');
    if (callback >= 0) {
      const inner = args[callback] as (...result: unknown[]) => void;
      args[callback] = (...result: unknown[]) => {
        done(performance.now() - started);
        inner(...result);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args) as Promise<unknown> | undefined;
    if (result && typeof result.then === 'function') {
      result.then(
        () => done(performance.now() - started),
        () => done(performance.now() - started),
      );
    }
    return result;
  } as typeof Client.prototype.query;

  process.on('SIGUSR2', () => {
    if (!active) {
      window = { durationMs: 0, statements: {}, transactions: {} };
      windowStart = performance.now();
      active = true;
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
      return;
    }
    active = false;
    window.durationMs = performance.now() - windowStart;
    const file = path.join(dir, `window-${++windowNumber}`);
    session.post('Profiler.stop', (error, result) => {
      if (!error && result?.profile) writeFileSync(`${file}.cpuprofile`, JSON.stringify(result.profile));
      writeFileSync(`${file}.json`, JSON.stringify(window));
    });
  });
}
