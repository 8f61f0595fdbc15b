import { NestFactory } from '@nestjs/core';
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import { TradecloudModule } from '../../tradecloud.module';
import { ReconcilePassService, emptyCounts } from '../../reconcile/reconcile-pass.service';
import type { ReconcileCounts, ReconcilePassResult } from '../../reconcile/reconcile-pass.service';
import { readReconcileEnvironment } from '../../reconcile/reconcile-options';
import type { ReconcileKind } from '../../reconcile/reconcile-state';
import { readTradecloudApiEnvironment } from '../../tradecloud-api/tradecloud-api-options';
import { TradecloudApiError } from '../../tradecloud-api/tradecloud-api.error';
import type { CliDatabaseTarget } from '../cli-database';
import { CliError, CliIo, printJson, usageError } from '../cli-output';

export interface SyncOptions {
  orders: boolean;
  shipments: boolean;
  since?: string;
  all: boolean;
  json: boolean;
}

/** What `--json` prints. */
export interface SyncReport {
  orders: Omit<ReconcileCounts, 'missed'>;
  shipments: Omit<ReconcileCounts, 'missed'>;
  cursor: { orders: string | null; shipments: string | null };
}

/**
 * `tradecloud sync [--orders] [--shipments] [--since <instant> | --all]`: fetches orders and
 * shipments through Tradecloud's polling API and applies them exactly as the receiver applies a
 * GET webhook's entity, in this process: when it exits 0, everything it fetched is in the tables.
 * Without `--since`/`--all` it continues from the stored cursor (everything on the first run).
 * Ctrl-C stops after the current page and keeps the cursor of what was applied.
 */
export async function syncCommand(target: CliDatabaseTarget, io: CliIo, options: SyncOptions, env: NodeJS.ProcessEnv, signals: NodeJS.EventEmitter = process): Promise<number> {
  if (options.since !== undefined && options.all) throw usageError('give --since or --all, not both');
  if (options.since !== undefined && Number.isNaN(Date.parse(options.since))) throw usageError(`--since must be an ISO 8601 instant such as 2025-01-01T00:00:00Z, got "${options.since}"`);
  const kinds: ReconcileKind[] = [];
  if (options.orders || !options.shipments) kinds.push('orders');
  if (options.shipments || !options.orders) kinds.push('shipments');

  const problems: string[] = [];
  const api = readTradecloudApiEnvironment(env, problems);
  const reconcile = readReconcileEnvironment(env, problems);
  if (problems.length) throw new CliError(`Configuration: ${problems.join('; ')}.`);
  if (!api) {
    throw new CliError('Tradecloud API credentials are missing: set TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD (and TRADECLOUD_API_URL for production).');
  }

  const app = await NestFactory.createApplicationContext(
    TradecloudModule.forRoot({
      // The tables are created here when the receiver has not run yet ("sync, then start").
      database: { url: target.url, schema: target.schema, migrationsRun: true, poolSize: 12, connectAttempts: 1 },
      queue: { workers: false },
      auth: { requireCredentials: false },
      documents: { download: false },
      tradecloudApi: api,
      // Nothing else uses this process's pool: more entities at a time than a receiver's pass.
      reconcile: { ...reconcile, interval: 'off', concurrency: 8 },
    }),
    { logger: options.json ? ['error'] : ['error', 'warn'], abortOnError: false },
  );
  const stop = new AbortController();
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    io.err('Stopping after the current page (Ctrl-C again to quit at once)…');
  };
  signals.on('SIGINT', onInterrupt);
  signals.on('SIGTERM', onInterrupt);
  const progress = startBars(io, options.json);
  let results: ReconcilePassResult[];
  try {
    const passes = app.get(ReconcilePassService, { strict: false });
    results = await Promise.all(
      kinds.map((kind) =>
        passes.run(kind, {
          since: options.since,
          all: options.all,
          signal: stop.signal,
          waitForLock: true,
          onWaiting: () => io.err(`${kind}: another instance is reconciling ${kind}; waiting for it to finish…`),
          onProgress: ({ counts, total }) => progress.update(kind, counts.fetched, total),
        }),
      ),
    );
  } finally {
    progress.stop();
    signals.off('SIGINT', onInterrupt);
    signals.off('SIGTERM', onInterrupt);
    await app.close();
  }

  const failed = results.find((result) => result.outcome === 'failed');
  if (failed) throw new CliError(describeFailure(failed, api.baseUrl ?? ''));
  const byKind = new Map(results.map((result) => [result.kind, result]));
  const counts = (kind: ReconcileKind) => {
    const { missed: _missed, ...rest } = byKind.get(kind)?.counts ?? emptyCounts();
    return rest;
  };
  const report: SyncReport = {
    orders: counts('orders'),
    shipments: counts('shipments'),
    cursor: { orders: byKind.get('orders')?.cursor ?? null, shipments: byKind.get('shipments')?.cursor ?? null },
  };
  const interrupted = results.some((result) => result.outcome === 'interrupted');
  if (options.json) {
    printJson(io, report);
  } else {
    for (const result of results) {
      const c = result.counts;
      io.out(
        `${result.kind}: ${c.fetched} fetched, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.stale} stale, ` +
          `${c.rejected} rejected in ${(result.durationMs / 1000).toFixed(1)} s; cursor ${result.cursor ?? '(none)'}` +
          (result.outcome === 'interrupted' ? ' (stopped: the next sync continues from here)' : ''),
      );
    }
    if (results.some((result) => result.counts.rejected > 0)) io.out('Rejected entities are kept with their reasons: tradecloud events list --status rejected');
  }
  return interrupted ? 130 : 0;
}

/** One line for the three failures an operator can act on; anything else with its message. */
function describeFailure(result: ReconcilePassResult, baseUrl: string): string {
  const error = result.error;
  const where = `${result.kind}: cursor kept at ${result.cursor ?? '(none)'}`;
  if (error instanceof TradecloudApiError) {
    if (error.code === 'unauthorized') {
      return `Tradecloud refused the API credentials (check TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD of the integration user) — ${where}.`;
    }
    if (error.transient) return `The Tradecloud API at ${baseUrl} is unreachable after retries (${error.message}) — ${where}.`;
  }
  return `Sync of ${result.kind} failed: ${error?.message ?? 'unknown error'} — ${where}.`;
}

interface Bars {
  update(kind: ReconcileKind, fetched: number, total: number): void;
  stop(): void;
}

/** A bar per kind on stderr, only for a person at a terminal: fetched/total, entities/s, ETA. */
function startBars(io: CliIo, json: boolean): Bars {
  if (!io.interactive || json) return { update: () => undefined, stop: () => undefined };
  const multi = new MultiBar(
    { format: '{kind} [{bar}] {value}/{total} | {speed}/s | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const bars = new Map<ReconcileKind, { bar: SingleBar; started: number }>();
  return {
    update(kind, fetched, total) {
      let entry = bars.get(kind);
      if (!entry) {
        entry = { bar: multi.create(Math.max(total, fetched), 0, { kind: kind.padEnd(9), speed: '0' }), started: Date.now() };
        bars.set(kind, entry);
      }
      const seconds = (Date.now() - entry.started) / 1000;
      entry.bar.setTotal(Math.max(total, fetched));
      entry.bar.update(fetched, { kind: kind.padEnd(9), speed: seconds > 0 ? (fetched / seconds).toFixed(0) : '0' });
    },
    stop: () => multi.stop(),
  };
}
