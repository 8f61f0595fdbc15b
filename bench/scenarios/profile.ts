import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BenchContext, CpuCost, perUnit, Receiver } from '../context';
import { StatementLog } from '../profile/pg-log';
import { OrderEventStream, runTag } from '../bodies';
import { closedLoop } from '../load';
import { enqueueJobs, storeEvents } from '../prestore';
import type { ProbeWindow } from '../profile/probe';
import { CpuSummary, summarizeCpuProfile, summarizeSql, SqlSummary } from '../profile/summary';
import { fmt, sleep } from '../stats';
import { orderEvents, shipmentEvents } from './processing';
import { warmUp } from '../warmup';

export interface ProfileWindow {
  label: string;
  units: number;
  unitName: string;
  seconds: number;
  cpu?: CpuSummary;
  sql: SqlSummary;
  /** CPU of the receiver (profiler included) and of PostgreSQL over the window. */
  cost: CpuCost;
  /** Server-side time per statement kind (embedded PostgreSQL only). */
  server?: Map<string, { ms: number; executions: number }>;
}

/** Starts (first call) or ends (second call) a probe window in the receiver and returns its files when ended. */
async function toggleWindow(ctx: BenchContext, receiver: Receiver, dir: string, number: number, end: boolean): Promise<{ window: ProbeWindow; cpuFile?: string } | undefined> {
  receiver.process.child.kill('SIGUSR2');
  if (!end) {
    await sleep(300); // the profiler is on before the work starts
    return undefined;
  }
  const json = path.join(dir, `window-${number}.json`);
  for (let waited = 0; waited < 30_000 && !existsSync(json); waited += 100) await sleep(100);
  if (!existsSync(json)) throw new Error(`The receiver's probe wrote no ${json}`);
  const cpuFile = json.replace(/\.json$/, '.cpuprofile');
  if (ctx.keepProfilesDir && existsSync(cpuFile)) {
    mkdirSync(ctx.keepProfilesDir, { recursive: true });
    const kept = path.join(ctx.keepProfilesDir, `window-${number}.cpuprofile`);
    copyFileSync(cpuFile, kept);
    ctx.log(`  CPU profile of window ${number} kept in ${kept}`);
  }
  return { window: JSON.parse(readFileSync(json, 'utf8')) as ProbeWindow, cpuFile: existsSync(cpuFile) ? cpuFile : undefined };
}

/**
 * The profiled pass: a receiver with the probe preloaded (SQL statement counts and the V8 CPU
 * profiler, see profile/probe.ts). Windows 1 and 2: it drains pre-stored 10-line order events, then
 * 50-line shipment events (only processing runs). Window 3: closed-loop ingest (intake, with the workers processing
 * meanwhile, as in production). Figures of this pass are not used for the targets: the
 * profiler slows the receiver down.
 */
export async function runProfile(ctx: BenchContext): Promise<ProfileWindow[]> {
  const probe = path.join(__dirname, '..', 'profile', 'probe.js');
  if (!existsSync(probe)) throw new Error(`${probe} is missing: the profile needs the compiled benchmark (npm run bench:build)`);
  const { drainEvents, ingestS } = ctx.profile.profile;
  const dir = path.join(ctx.workDir, 'probe');
  mkdirSync(dir, { recursive: true });
  ctx.log(`Profile: ${drainEvents} pre-stored order events drained${ingestS ? `, then ${ingestS} s of ingest` : ''}, with the CPU profiler and SQL counters on`);
  const receiver = await ctx.startReceiver('profile', { nodeArgs: ['--require', probe], env: { BENCH_PROBE_DIR: dir }, unmeasured: true });
  const windows: ProfileWindow[] = [];
  try {
    await warmUp(ctx, receiver, 'profiled receiver');
    const drains = [
      { what: '10-line order events', events: orderEvents(runTag('profile'), drainEvents, Math.max(1, Math.round(drainEvents / 10)), 10, 400_000) },
      // Half as many shipments: each is 50 lines (the processing scenario's shipments), linked to the orders above.
      { what: '50-line shipment events', events: shipmentEvents(runTag('profile-shipments'), Math.round(drainEvents / 2), Math.max(1, Math.round(drainEvents / 20)), 50, 400_000, Math.max(1, Math.round(drainEvents / 10))) },
    ];
    for (const { what, events } of drains) {
      ctx.throwIfAborted();
      const afterId = await receiver.inbox.lastId();
      const ids = await storeEvents(ctx.db.pool, receiver.schema, events, () => ctx.aborted());
      ctx.throwIfAborted();
      await sleep(1500); // let start-up work and idle polling settle before the window opens
      const number = windows.length + 1;
      const statementLog = await StatementLog.start(ctx.db);
      await toggleWindow(ctx, receiver, dir, number, false);
      const meter = ctx.cpuMeter(receiver.process.pid);
      await enqueueJobs(ctx.db.pool, receiver.schema, ids);
      await receiver.inbox.waitProcessed(afterId, events.count, ctx.profile.processing.timeoutS, () => ctx.aborted());
      const cost = meter();
      const drained = (await toggleWindow(ctx, receiver, dir, number, true))!;
      const server = await statementLog?.stop();
      const rate = await receiver.inbox.drainRate(afterId);
      windows.push({
        label: `Processing: ${fmt(rate.events)} pre-stored ${what} drained at ${fmt(rate.perSecond)} events/s with the profiler on`,
        units: rate.events,
        unitName: 'event',
        seconds: drained.window.durationMs / 1000,
        cpu: drained.cpuFile ? summarizeCpuProfile(drained.cpuFile) : undefined,
        sql: summarizeSql(drained.window, rate.events),
        cost,
        server,
      });
      ctx.log(`  processing window (${what}): ${fmt(rate.perSecond)} events/s, ${fmt(windows[windows.length - 1].sql.perUnit, 1)} SQL statements per event`);
    }

    if (ingestS > 0) {
      ctx.throwIfAborted();
      const stream = new OrderEventStream(runTag('profile-ingest'), ctx.profile.ingest.orders, 10, 500_000);
      const statementLog = await StatementLog.start(ctx.db);
      const firstId = await receiver.inbox.lastId();
      await toggleWindow(ctx, receiver, dir, windows.length + 1, false);
      const meter = ctx.cpuMeter(receiver.process.pid);
      const load = await closedLoop(receiver.target('orders'), { connections: ctx.profile.ingest.connections, durationS: ingestS, maxRequests: 1_000_000 }, (i) => stream.body(i));
      await sleep(1000); // requests in flight when the load stopped finish inside the window
      const cost = meter();
      const ingested = (await toggleWindow(ctx, receiver, dir, windows.length + 1, true))!;
      const server = await statementLog?.stop();
      // Per stored event (requests in flight at the end are stored but not counted by the load).
      const stored = (await receiver.inbox.lastId()) - firstId;
      windows.push({
        label: `Ingest: orderEvents accepted at ${fmt(load.acceptedPerS)} events/s (${ctx.profile.ingest.connections} connections) with the profiler on; the workers processed meanwhile`,
        units: stored,
        unitName: 'stored event',
        seconds: ingested.window.durationMs / 1000,
        cpu: ingested.cpuFile ? summarizeCpuProfile(ingested.cpuFile) : undefined,
        sql: summarizeSql(ingested.window, stored),
        cost,
        server,
      });
      ctx.log(`  ingest window: ${fmt(load.acceptedPerS)} events/s`);
    }
  } finally {
    await ctx.stopReceiver(receiver);
  }
  return windows;
}

const pct = (part: number, whole: number) => `${fmt((part / whole) * 100, 1)} %`;

/** The profile as Markdown for BENCHMARKS.md. */
export function profileMarkdown(windows: ProfileWindow[]): string[] {
  const lines: string[] = [];
  for (const window of windows) {
    lines.push(`### ${window.label}`, '');
    const { sql, cpu } = window;
    const sqlMs = sql.statements.reduce((sum, row) => sum + row.totalMs, 0);
    lines.push(
      `Window ${fmt(window.seconds, 1)} s. SQL statements per ${window.unitName}: **${fmt(sql.perUnit, 1)}** ` +
        `(transactions: ${Object.entries(sql.transactions).map(([kind, count]) => `${kind} ${fmt(count)}`).join(', ') || 'none'}).`,
      '',
      `| Statement | Transaction | Per ${window.unitName} | Mean round trip | Share of SQL wait |`,
      '|---|---|---:|---:|---:|',
      ...sql.statements.filter((row) => row.perUnit >= 0.005).slice(0, 18).map(
        (row) => `| \`${row.statement}\` | ${row.kind} | ${fmt(row.perUnit, 2)} | ${fmt(row.meanMs, 2)} ms | ${pct(row.totalMs, sqlMs)} |`,
      ),
      '',
    );
    if (window.server?.size) {
      const rows = [...window.server].map(([statement, total]) => ({ statement, ...total })).sort((a, b) => b.ms - a.ms);
      const serverMs = rows.reduce((sum, row) => sum + row.ms, 0);
      lines.push(
        `PostgreSQL, server side (its statement log): ${fmt(serverMs / window.units, 2)} ms of statement execution per ${window.unitName}; ` +
          `CPU per ${window.unitName}, receiver (profiler on) + PostgreSQL: ${perUnit(window.cost, window.units)}.`,
        '',
        `| Statement | Executions per ${window.unitName} | Server time per ${window.unitName} | Share |`,
        '|---|---:|---:|---:|',
        ...rows.slice(0, 14).map((row) => `| \`${row.statement}\` | ${fmt(row.executions / window.units, 2)} | ${fmt(row.ms / window.units, 3)} ms | ${pct(row.ms, serverMs)} |`),
        '',
      );
    } else {
      lines.push(`CPU per ${window.unitName}, receiver (profiler on) + PostgreSQL: ${perUnit(window.cost, window.units)}.`, '');
    }
    if (!cpu) {
      lines.push('(No CPU profile was written.)', '');
      continue;
    }
    lines.push(
      `Receiver main thread busy ${pct(cpu.busyMs, cpu.totalMs)} of the window (${fmt(cpu.busyMs / 1000, 1)} s CPU, ` +
        `${fmt((cpu.busyMs / window.units), 2)} ms per ${window.unitName}). Where the busy time goes:`,
      '',
      '| Self time by part | Share of busy time |',
      '|---|---:|',
      ...cpu.categories.slice(0, 14).map((row) => `| ${row.name} | ${pct(row.ms, cpu.busyMs)} |`),
      '',
      '| Heaviest functions (self time) | Share |',
      '|---|---:|',
      ...cpu.functions.slice(0, 12).map((row) => `| \`${row.name}\` | ${pct(row.ms, cpu.busyMs)} |`),
      '',
      '| Our code, inclusive (callees included) | Share |',
      '|---|---:|',
      ...cpu.ours.slice(0, 12).map((row) => `| \`${row.name}\` | ${pct(row.ms, cpu.busyMs)} |`),
      '',
    );
  }
  return lines;
}
