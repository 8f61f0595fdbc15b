import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BenchContext, Row, ScenarioReport } from '../context';
import { buildOrder, stableUuid, TradecloudSimulator } from '../../test/support/tradecloud-simulator';
import { projectRoot } from '../processes';
import { fmt } from '../stats';

export interface BackfillFigures {
  orders: number;
  lines: number;
  /** From spawning `tradecloud sync` to its exit 0 (everything queryable). */
  seconds: number;
  pollRequests: number;
  storedOrders: number;
  storedLines: number;
}

/** The 10,000-order target; smaller runs are reported without a verdict. */
const TARGET_ORDERS = 10_000;
const TARGET_SECONDS = 30;
/** Tradecloud's requests-per-second allowance for an integration user. */
const API_REQUESTS_PER_SECOND = 10;

/** The CLI of the receiver snapshot `npm run bench:build` took, else dist/ (the test). */
function cliMain(): string {
  const snapshot = path.join(__dirname, '..', '..', 'receiver', 'src', 'cli', 'main.js');
  return existsSync(snapshot) && __filename.endsWith('.js') ? snapshot : path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
}

/**
 * Scenario 6: backfill. The Tradecloud simulator holds N orders of 10 lines; `tradecloud sync
 * --orders` (a child process, as an operator runs it) polls them 100 per page and applies them.
 * Time = spawn → exit 0, at which point every order is queryable (checked by counting rows).
 */
export async function runBackfill(ctx: BenchContext): Promise<{ report: ScenarioReport; figures: BackfillFigures }> {
  const { orders, lines, timeoutS } = ctx.profile.backfill;
  ctx.log(`Scenario 6: backfill (${orders} orders × ${lines} lines through the polling API)`);
  const simulator = await TradecloudSimulator.start();
  const schema = ctx.db.newSchema('backfill');
  try {
    const base = Date.parse('2025-01-01T00:00:00.000Z');
    for (let i = 0; i < orders; i++) {
      const orderId = stableUuid('bench-backfill', i);
      simulator.orders.set(orderId, buildOrder({ orderId, seed: i + 1, lineCount: lines, lastUpdatedAt: new Date(base + i * 1000).toISOString() }));
    }
    const main = cliMain();
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({
      ...process.env,
      DATABASE_URL: ctx.db.url,
      DATABASE_SCHEMA: schema,
      TRADECLOUD_API_URL: simulator.baseUrl,
      TRADECLOUD_API_USERNAME: simulator.credentials.username,
      TRADECLOUD_API_PASSWORD: simulator.credentials.password,
    })) {
      if (value !== undefined) env[key] = value;
    }
    const started = performance.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [main, 'sync', '--orders', '--json'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      child.stderr!.on('data', (chunk) => (errors += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
      const watch = setInterval(() => ctx.aborted() && child.kill('SIGKILL'), 250);
      child.on('error', reject);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        clearInterval(watch);
        resolve({ code: exitCode, stderr: errors });
      });
    });
    const seconds = (performance.now() - started) / 1000;
    ctx.throwIfAborted();
    if (code !== 0) throw new Error(`tradecloud sync exited ${code} after ${fmt(seconds)} s: ${stderr.trim().slice(0, 500)}`);
    const counts = await ctx.db.pool.query<{ orders: string; lines: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".orders) AS orders, (SELECT count(*) FROM "${schema}".order_lines) AS lines`,
    );
    const figures: BackfillFigures = {
      orders,
      lines,
      seconds,
      pollRequests: simulator.requestsTo('order.poll').length,
      storedOrders: Number(counts.rows[0].orders),
      storedLines: Number(counts.rows[0].lines),
    };
    ctx.log(`  ${figures.storedOrders} orders queryable after ${fmt(seconds)} s (${figures.pollRequests} poll requests)`);
    const floorSeconds = figures.pollRequests / API_REQUESTS_PER_SECOND;
    const full = orders >= TARGET_ORDERS;
    const rows: Row[] = [
      { metric: 'Orders / lines queryable', value: `${fmt(figures.storedOrders)} / ${fmt(figures.storedLines)} of ${fmt(orders)} / ${fmt(orders * lines)}` },
      {
        metric: 'Time from sync start to all queryable',
        value: `${fmt(seconds)} s (${fmt(figures.storedOrders / seconds)} orders/s)`,
        target: full ? `≤ ${TARGET_SECONDS} s` : `≤ ${TARGET_SECONDS} s for ${fmt(TARGET_ORDERS)} (not this size)`,
        met: full ? seconds <= TARGET_SECONDS && figures.storedOrders === orders : undefined,
      },
      { metric: `Floor at ${API_REQUESTS_PER_SECOND} requests/s`, value: `${fmt(floorSeconds)} s (${figures.pollRequests} poll pages of 100)` },
    ];
    return {
      report: {
        id: 'backfill',
        title: '7. Backfill',
        setup:
          `${fmt(orders)} orders of ${lines} lines in the Tradecloud simulator on loopback; \`tradecloud sync --orders\` as a child process ` +
          'polls them 100 per page (the shared request budget: one slot per 120 ms) and applies each through the GET webhook pipeline. ' +
          'Time = spawn → exit 0 (Nest start-up and migrations of a fresh schema included).',
        rows,
        notes: [],
      },
      figures,
    };
  } finally {
    await simulator.stop();
    await ctx.db.dropSchema(schema).catch(() => undefined);
  }
}
