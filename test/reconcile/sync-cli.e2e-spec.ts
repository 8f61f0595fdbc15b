import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../cli/cli-process';
import { openTestPool } from '../support/test-database';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { buildOrder, buildSingleDeliveryOrderEvent, stableUuid, TradecloudSimulator } from '../support/tradecloud-simulator';
import { seedOrders, seedShipments } from './reconcile-kit';

const MINUTE = 60_000;
/** Issue 14's figures: 1,000 orders (10 pages of 100, Tradecloud's largest) and 300 shipments. */
const ORDERS = 1_000;
const SHIPMENTS = 300;
const pages = (count: number) => Math.ceil(count / 100);
const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');

describe('tradecloud sync (backfill through the polling API)', () => {
  const base = Date.parse('2025-03-01T00:00:00.000Z');
  // The CLI is what runs here; a receiver is started only where a test needs one (startAnother).
  const fixture = useReceiver({
    label: 'sync_cli',
    simulator: true,
    start: false,
    before: ({ simulator }) => {
      // Pages of 100: a backfill can be killed or interrupted after some pages with more to go.
      seedOrders(simulator, 'backfill', ORDERS, base, 3, 0, MINUTE); // a minute apart: the overlap (5 min) covers a few
      seedShipments(simulator, 'backfill', SHIPMENTS, base, 2);
    },
  });
  let simulator: TradecloudSimulator;
  let database: typeof fixture.database;
  beforeAll(() => {
    ({ simulator, database } = fixture);
  });

  const env = (schema: string, extra: Record<string, string | undefined> = {}) => ({
    DATABASE_URL: database.url,
    DATABASE_SCHEMA: schema,
    TRADECLOUD_API_URL: simulator.baseUrl,
    TRADECLOUD_API_USERNAME: simulator.credentials.username,
    TRADECLOUD_API_PASSWORD: simulator.credentials.password,
    ...extra,
  });

  async function tables(schema: string) {
    const sql = openTestPool(database.url, 1);
    try {
      const one = async (text: string) => (await sql.query(text.replace(/\bS\./g, `"${schema}".`))).rows[0];
      return {
        orders: await one(`SELECT count(*)::int AS n, md5(string_agg(order_id::text || last_updated_at::text || header::text, ',' ORDER BY order_id)) AS digest FROM S.orders`),
        lines: await one(`SELECT count(*)::int AS n, md5(string_agg(order_id::text || position || last_updated_at::text, ',' ORDER BY order_id, position)) AS digest FROM S.order_lines`),
        deliveryLines: await one(`SELECT count(*)::int AS n FROM S.delivery_lines`),
        shipments: await one(`SELECT count(*)::int AS n FROM S.shipments`),
        shipmentLines: await one(`SELECT count(*)::int AS n FROM S.shipment_lines`),
      };
    } finally {
      await sql.end();
    }
  }

  it('backfills 1,000 orders (10 pages) and 300 shipments (3 pages) with all lines; a rerun polls only from the cursor and creates nothing', async () => {
    simulator.clearRequests();
    const first = await runCliJson(['sync'], env('sync_full'));
    expect(first).toEqual({
      orders: { fetched: ORDERS, created: ORDERS, updated: 0, unchanged: 0, stale: 0, rejected: 0 },
      shipments: { fetched: SHIPMENTS, created: SHIPMENTS, updated: 0, unchanged: 0, stale: 0, rejected: 0 },
      cursor: { orders: new Date(base + (ORDERS - 1) * MINUTE).toISOString(), shipments: new Date(base + SHIPMENTS - 1).toISOString() },
    });
    expect(simulator.requestsTo('order.poll')).toHaveLength(pages(ORDERS));
    expect(simulator.requestsTo('shipment.poll')).toHaveLength(pages(SHIPMENTS));
    const state = await tables('sync_full');
    expect(state.orders.n).toBe(ORDERS);
    expect(state.lines.n).toBe(3 * ORDERS);
    expect(state.shipments.n).toBe(SHIPMENTS);
    expect(state.shipmentLines.n).toBe(2 * SHIPMENTS);

    simulator.clearRequests();
    const again = await runCliJson(['sync'], env('sync_full'));
    expect(again.orders.created + again.orders.updated).toBe(0);
    expect(again.shipments.created + again.shipments.updated).toBe(0);
    const polls = simulator.requestsTo('order.poll');
    expect(polls).toHaveLength(1);
    // From the cursor minus the overlap (5 minutes by default), not from the start.
    expect((polls[0].body as { filters: { lastUpdatedAfter: string } }).filters.lastUpdatedAfter).toBe(new Date(base + (ORDERS - 1) * MINUTE - 5 * MINUTE).toISOString());
    expect(await tables('sync_full')).toEqual(state);
  });

  it('resumes a backfill killed after 3 pages and ends with the same tables as an uninterrupted one', async () => {
    simulator.clearRequests();
    // Pages 1-3 answer at once, page 4 hangs: the process is killed once 3 pages are stored.
    const quick = simulator.addFault({ route: 'order.poll', times: 3, delayMs: 1 });
    const hang = simulator.addFault({ route: 'order.poll', delayMs: 120_000 });
    const child = spawn(process.execPath, [CLI, 'sync', '--orders', '--json'], { env: { ...process.env, ...env('sync_killed') }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const sql = openTestPool(database.url, 1);
    try {
      await waitFor(
        async () => expect((await sql.query(`SELECT count(*)::int AS n FROM "sync_killed".orders`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n).toBe(300),
        { timeout: 60_000 },
      );
    } finally {
      await sql.end();
    }
    child.kill('SIGKILL');
    await exited;
    quick.remove();
    hang.remove();
    expect((await tables('sync_killed')).orders.n).toBe(300);

    simulator.clearRequests();
    const resumed = await runCliJson(['sync', '--orders'], env('sync_killed'));
    // It continued where the stored pages ended instead of fetching everything again.
    const firstPoll = simulator.requestsTo('order.poll')[0].body as { filters: { lastUpdatedAfter?: string } };
    expect(firstPoll.filters.lastUpdatedAfter).toBeDefined();
    expect(resumed.orders.fetched).toBeLessThan(ORDERS);
    const full = await tables('sync_full');
    const killed = await tables('sync_killed');
    expect({ orders: killed.orders, lines: killed.lines, deliveryLines: killed.deliveryLines }).toEqual({ orders: full.orders, lines: full.lines, deliveryLines: full.deliveryLines });
  });

  it('stops after the current page on Ctrl-C, keeping the cursor of what was applied', async () => {
    simulator.clearRequests();
    const quick = simulator.addFault({ route: 'order.poll', times: 2, delayMs: 1 });
    const slow = simulator.addFault({ route: 'order.poll', delayMs: 1_500 });
    const child = spawn(process.execPath, [CLI, 'sync', '--orders', '--json'], { env: { ...process.env, ...env('sync_interrupted') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const sql = openTestPool(database.url, 1);
    try {
      await waitFor(
        async () => expect((await sql.query(`SELECT count(*)::int AS n FROM "sync_interrupted".orders`).catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n).toBe(200),
        { timeout: 60_000 },
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      quick.remove();
      slow.remove();
      const report = JSON.parse(stdout);
      const stored = (await sql.query(`SELECT count(*)::int AS n FROM "sync_interrupted".orders`)).rows[0].n;
      // The page that was being fetched or applied when Ctrl-C came is finished, nothing after it.
      expect(report.orders.created).toBe(stored);
      expect(stored).toBeLessThan(ORDERS);
      const [state] = (await sql.query(`SELECT cursor, resume_from FROM "sync_interrupted".reconcile_state WHERE kind = 'orders'`)).rows;
      expect(state.cursor).toBe(report.cursor.orders);
      expect(state.cursor).toBe(new Date(base + (stored - 1) * MINUTE).toISOString());
      expect(state.resume_from).toBe(state.cursor);
    } finally {
      await sql.end();
    }
  });

  it('polls /order-search/poll/single-delivery with TRADECLOUD_POLL_ORDERS=single-delivery', async () => {
    const orderId = stableUuid('reconcile-order', 'single-delivery');
    const { singleDeliveryOrderEvent } = buildSingleDeliveryOrderEvent({ orderId, lineCount: 2, lastUpdatedAt: new Date(base).toISOString() });
    const { orderId: _orderId, meta: _meta, ...order } = singleDeliveryOrderEvent;
    simulator.singleDeliveryOrders.set(orderId, { id: orderId, ...order });
    simulator.clearRequests();
    const report = await runCliJson(['sync', '--orders'], env('sync_single', { TRADECLOUD_POLL_ORDERS: 'single-delivery' }));
    expect(report.orders).toMatchObject({ fetched: 1, created: 1, rejected: 0 });
    expect(simulator.requestsTo('order.poll-single-delivery')).toHaveLength(1);
    expect(simulator.requestsTo('order.poll')).toHaveLength(0);
  });

  it('keeps an unusable polled order rejected; replay takes it once it passes validation', async () => {
    const orderId = stableUuid('reconcile-order', 'sync-rejected');
    const at = base + 5_000 * MINUTE;
    const bad = buildOrder({ orderId, lineCount: 2, lastUpdatedAt: new Date(at).toISOString() });
    const { buyerOrder } = bad;
    delete bad.buyerOrder;
    simulator.orders.set(orderId, bad);
    const report = await runCliJson(['sync', '--orders', '--since', new Date(at - 1).toISOString()], env('sync_rejected'));
    expect(report.orders).toMatchObject({ fetched: 1, rejected: 1, created: 0 });
    const sql = openTestPool(database.url, 1);
    try {
      const [row] = (await sql.query(`SELECT id::text, status, last_error FROM "sync_rejected".webhook_events WHERE entity_id = $1`, [orderId])).rows;
      expect(row.status).toBe('rejected');
      expect(row.last_error).toContain('buyerOrder');
      const stillRejected = await runCliJson(['replay', row.id], env('sync_rejected'));
      expect(stillRejected[0]).toMatchObject({ result: 'still-rejected' });
      // As if a validation rule had been relaxed since: the stored entity is now valid.
      await sql.query(`UPDATE "sync_rejected".webhook_events SET body = body || jsonb_build_object('buyerOrder', $2::jsonb) WHERE id = $1`, [row.id, JSON.stringify(buyerOrder)]);
      const accepted = await runCliJson(['replay', row.id], env('sync_rejected'));
      expect(accepted[0]).toMatchObject({ result: 'accepted' });
      const receiver = await fixture.startAnother({ schema: 'sync_rejected', options: { reconcile: { interval: 'off' } } });
      try {
        await receiver.waitForEvents([row.id], ['processed']);
      } finally {
        await receiver.close();
      }
      expect((await sql.query(`SELECT count(*)::int AS n FROM "sync_rejected".order_lines WHERE order_id = $1`, [orderId])).rows[0].n).toBe(2);
    } finally {
      await sql.end();
    }
  });

  it('exits 1 with one clear line for missing credentials, refused credentials and an unreachable API', async () => {
    const missing = await runCli(['sync'], { ...env('sync_errors'), TRADECLOUD_API_USERNAME: '', TRADECLOUD_API_PASSWORD: '' });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('TRADECLOUD_API_USERNAME');
    expect(missing.stderr).toContain('TRADECLOUD_API_PASSWORD');

    const refused = await runCli(['sync'], env('sync_errors', { TRADECLOUD_API_PASSWORD: 'wrong-password' }));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('refused the API credentials');
    expect(refused.stderr).not.toContain('wrong-password');

    const unreachable = await runCli(['sync', '--orders'], env('sync_errors', { TRADECLOUD_API_URL: 'http://127.0.0.1:9/v2' }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toContain('unreachable');
  });
});
