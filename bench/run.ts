import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBaselineServer } from './baseline-server';
import { startFrameworkFloor } from './framework-floor-server';
import { BenchContext, Receiver, ScenarioReport } from './context';
import { BenchDatabase } from './database';
import { cpuJiffies, idleShare, loadAverage, revision } from './machine';
import { BenchArgs, benchProfile } from './options';
import { childrenCpuMs, startBaselineProcess } from './processes';
import { RunInfo } from './report';
import { BaselineStarter, runIngest } from './scenarios/ingest';
import { runDocuments } from './scenarios/documents';
import { runBackfill } from './scenarios/backfill';
import { runLag } from './scenarios/lag';
import { runLargeOrder } from './scenarios/large-order';
import { runMaintenance } from './scenarios/maintenance';
import { runProcessing } from './scenarios/processing';
import { profileMarkdown, runProfile } from './scenarios/profile';
import { runSqlCookbook } from './scenarios/sql-cookbook';
import { warmUp } from './warmup';

export interface RunOptions {
  args: BenchArgs;
  command: string;
  /** Unset: an embedded PostgreSQL is started for the run. */
  databaseUrl?: string;
  /** `child`: the compiled baseline-server.js as its own process (the benchmark); `in-process`: the test. */
  baselineHost: 'child' | 'in-process';
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Order numbers of each scenario on the shared receiver, so that no two scenarios touch the same order. */
const ORDERS = { processing: 100_000, lag: 200_000, largeOrder: 300_000, documents: 600_000, maintenance: 700_000 };

function baselineStarter(ctx: BenchContext, host: RunOptions['baselineHost']): BaselineStarter {
  const options = (schema: string) => ({ databaseUrl: ctx.db.url, schema, basic: ctx.basic, poolSize: 10 });
  const count = async (schema: string) => Number((await ctx.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".inbox`)).rows[0].n);
  return async (schema, kind = 'baseline') => {
    if (host === 'in-process') {
      const serverOptions = { ...options(schema), username: ctx.basic.username, password: ctx.basic.password };
      // The test keeps the framework floor's request lines out of its output.
      const server = kind === 'baseline' ? await startBaselineServer(serverOptions) : await startFrameworkFloor({ ...serverOptions, logDestination: { write: () => undefined } });
      return { url: server.url, pid: undefined, storedCount: () => count(schema), peakRssBytes: () => undefined, stop: () => server.close() };
    }
    const child = await startBaselineProcess(options(schema), kind);
    ctx.log(`  ${kind === 'baseline' ? 'baseline' : 'framework floor'} listening on ${child.url} (pid ${child.pid})`);
    return {
      url: child.url,
      pid: child.pid,
      storedCount: () => count(schema),
      peakRssBytes: () => child.memory.lifePeakBytes(),
      stop: async () => void (await child.stop()),
    };
  };
}

/** Runs the selected scenarios and returns everything the report needs. Every process it starts is stopped before it returns. */
export async function runBench(options: RunOptions): Promise<RunInfo> {
  const profile = benchProfile(options.args.mode);
  const idleBefore = await idleShare(profile.mode === 'smoke' ? 500 : 3000);
  const loadStart = loadAverage();
  const startedAt = new Date();
  const selected = (name: string) => !options.args.only || options.args.only.includes(name);
  const db = await BenchDatabase.open(options.databaseUrl, options.log);
  // What the machine spent during the run against what the benchmark's own processes did: the rest was someone else's.
  const machineStart = cpuJiffies();
  const ownStart = process.cpuUsage();
  const childrenStart = childrenCpuMs();
  const postgresStart = db.postgresCpuMs();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-bench-'));
  const ctx = new BenchContext(profile, db, workDir, options.log, options.signal, options.args.keepProfiles);
  const scenarios: ScenarioReport[] = [];
  const failures: Record<string, string> = {};
  let profileLines: string[] = [];
  const figures: Record<string, unknown> = {};

  const attempt = async (id: string, work: () => Promise<void>) => {
    if (!selected(id) || ctx.aborted()) return;
    try {
      await work();
    } catch (error) {
      if (ctx.aborted()) throw error;
      const message = (error as Error)?.stack ?? String(error);
      options.log(`Scenario ${id} failed: ${message}`);
      failures[id] = message;
    }
  };

  try {
    const postgresVersion = await db.serverVersion();
    const postgresSettings = await db.durabilitySettings();
    options.log(`PostgreSQL ${postgresVersion} (${db.source}); ${profile.mode} mode; CPU ${Math.round(idleBefore * 100)} % idle before the run`);

    await attempt('ingest', async () => {
      const result = await runIngest(ctx, baselineStarter(ctx, options.baselineHost));
      scenarios.push(result.report);
      figures.ingest = result.figures;
    });

    if (['processing', 'lag', 'large-order'].some(selected) && !ctx.aborted()) {
      // One receiver for scenarios 2–4: each starts on an empty queue, as the previous one drained it.
      let shared: Receiver | undefined;
      const startShared = async () => {
        const receiver = await ctx.startReceiver('shared');
        shared = receiver;
        await warmUp(ctx, receiver, 'shared receiver');
        return receiver;
      };
      try {
        await attempt('processing', async () => {
          const receiver = shared ?? (await startShared());
          const result = await runProcessing(ctx, receiver, ORDERS.processing);
          scenarios.push(result.report);
          figures.processing = { orders: result.orders, shipments: result.shipments, bare: result.bare };
        });
        await attempt('lag', async () => {
          const receiver = shared ?? (await startShared());
          const result = await runLag(ctx, receiver, ORDERS.lag);
          scenarios.push(result.report);
          figures.lag = result.figures;
        });
        await attempt('large-order', async () => {
          const receiver = shared ?? (await startShared());
          const result = await runLargeOrder(ctx, receiver, ORDERS.largeOrder);
          scenarios.push(result.report);
          figures.largeOrder = result.figures;
        });
      } finally {
        if (shared) await ctx.stopReceiver(shared);
      }
    }

    if (profile.documents.count > 0) {
      await attempt('documents', async () => {
        const result = await runDocuments(ctx, ORDERS.documents);
        scenarios.push(result.report);
        figures.documents = result.figures;
      });
    }
    await attempt('maintenance', async () => {
      const result = await runMaintenance(ctx, ORDERS.maintenance);
      scenarios.push(result.report);
      figures.maintenance = result.figures;
    });
    if (profile.backfill.orders > 0) {
      await attempt('backfill', async () => {
        const result = await runBackfill(ctx);
        scenarios.push(result.report);
        figures.backfill = result.figures;
      });
    }
    await attempt('sql-cookbook', async () => {
      const result = await runSqlCookbook(ctx);
      scenarios.push(result.report);
      figures.sqlCookbook = result.figures;
    });
    if (profile.profile.drainEvents > 0) {
      await attempt('profile', async () => {
        profileLines = profileMarkdown(await runProfile(ctx));
      });
    }
    ctx.throwIfAborted();
    const machineEnd = cpuJiffies();
    const own = process.cpuUsage(ownStart);
    const ownMs = (own.user + own.system) / 1000 + childrenCpuMs() - childrenStart + (db.postgresCpuMs() - postgresStart || 0);
    const machineMs = machineStart && machineEnd ? (machineEnd.busy - machineStart.busy) * 10 : NaN;
    const capacityMs = machineStart && machineEnd ? (machineEnd.total - machineStart.total) * 10 : NaN;
    return {
      startedAt,
      finishedAt: new Date(),
      command: options.command,
      profile,
      revision: revision(),
      machine: { idleBefore, loadStart, loadEnd: loadAverage(), othersShare: Math.max(0, machineMs - ownMs) / capacityMs, postgresCounted: db.source === 'embedded' },
      nodeVersion: process.version,
      postgresVersion,
      postgresSource: db.source === 'embedded' ? 'embedded, started for this run' : 'DATABASE_URL',
      postgresSettings,
      receiverPeakRssBytes: ctx.receiverPeakRssBytes,
      scenarios,
      failures,
      profileLines,
      figures,
    };
  } finally {
    await db.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
