import { describe, expect, it } from 'vitest';
import { runCliJson } from '../cli/cli-process';
import { PrometheusScrape } from '../observability/prometheus-text';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { runUntilExit } from '../support/standalone-process';
import { buildOrderEvent, sendWebhook } from '../support/tradecloud-simulator';
import { seedOrders } from './reconcile-kit';

const BASIC = { username: 'tradecloud', password: 'reconcile-basic-password-3b9e' };
const METRICS_TOKEN = 'reconcile-metrics-token-c41f';

/** The standalone service reconciling on TRADECLOUD_RECONCILE_INTERVAL. */
describe('reconciliation in the running service', () => {
  const receiver = useReceiver({
    label: 'reconcile_service',
    setup: 'standalone',
    simulator: true,
    before: ({ simulator }) => void seedOrders(simulator, 'service', 5, Date.now() - 3_600_000, 2),
    env: ({ simulator }) => serviceEnv(simulator),
  });
  const serviceEnv = (simulator: typeof receiver.simulator) => ({
    WEBHOOK_BASIC_USERNAME: BASIC.username,
    WEBHOOK_BASIC_PASSWORD: BASIC.password,
    METRICS_TOKEN,
    TRADECLOUD_API_URL: simulator.baseUrl,
    TRADECLOUD_API_USERNAME: simulator.credentials.username,
    TRADECLOUD_API_PASSWORD: simulator.credentials.password,
    TRADECLOUD_RECONCILE_INTERVAL: '5s',
    TRADECLOUD_RECONCILE_OVERLAP: '2s',
  });
  const env = () => ({ ...serviceEnv(receiver.simulator), DATABASE_URL: receiver.database.url, DATA_DIR: receiver.dataDir });
  const scrape = async () => {
    const response = await fetch(`${receiver.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    return new PrometheusScrape(await response.text());
  };
  const state = async () => (await receiver.sql.query(`SELECT last_outcome, cursor FROM tradecloud.reconcile_state WHERE kind = 'orders'`)).rows[0];

  it('reconciles on the interval; a failing pass is logged once at error, keeps its cursor, and webhooks are still received', async () => {
    await waitFor(async () => expect((await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.orders`)).rows[0].n).toBe(5));
    await waitFor(async () => expect((await state())?.last_outcome).toBe('success'));
    const cursor = (await state()).cursor;

    const down = receiver.simulator.addFault({ route: ['order.poll', 'shipment.poll'], status: 503 });
    await waitFor(async () => expect((await state()).last_outcome).toBe('failed'), { timeout: 60_000 });
    expect((await state()).cursor).toBe(cursor);
    const posted = await sendWebhook(`${receiver.url}/tradecloud/webhooks/orders`, buildOrderEvent({ seed: 77 }), { auth: { basic: BASIC } });
    expect(posted.status).toBe(202);
    down.remove();

    // Changed a minute ago and never sent as a webhook: missed by webhooks.
    const fresh = seedOrders(receiver.simulator, 'service-after', 1, Date.now() - 60_000, 1)[0];
    await waitFor(async () => expect((await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.orders WHERE order_id = $1`, [fresh])).rows[0].n).toBe(1));
    await waitFor(async () => expect((await state()).last_outcome).toBe('success'));
    expect(Date.parse((await state()).cursor)).toBeGreaterThan(Date.parse(cursor));

    const metrics = await scrape();
    const failedRuns = metrics.value('tradecloud_reconcile_runs_total', { kind: 'orders', outcome: 'failed' });
    expect(failedRuns).toBeGreaterThanOrEqual(1);
    expect(metrics.value('tradecloud_reconcile_runs_total', { kind: 'orders', outcome: 'success' })).toBeGreaterThanOrEqual(2);
    expect(metrics.value('tradecloud_reconcile_entities_total', { kind: 'orders', result: 'created' })).toBeGreaterThanOrEqual(6);
    expect(metrics.value('tradecloud_reconcile_last_success_timestamp_seconds', { kind: 'orders' })).toBeGreaterThan(Date.now() / 1000 - 60);
    // One error line per failed pass, nothing more.
    const errorLines = receiver.process!.output().split('\n').filter((line) => line.startsWith('error') && line.includes('Reconciliation of orders failed'));
    expect(errorLines).toHaveLength(failedRuns);
    expect(errorLines[0]).toContain('503');

    const status = await runCliJson(['status'], { DATABASE_URL: receiver.database.url });
    const orders = status.reconcile.find((row: { kind: string }) => row.kind === 'orders');
    expect(orders).toMatchObject({ outcome: 'success', cursor: (await state()).cursor });
    expect(orders.fetched).toBeGreaterThanOrEqual(1);
    expect(typeof orders.durationMs).toBe('number');
    expect(orders.missed).toBe(1);
    expect(metrics.value('tradecloud_reconcile_missed_total', { kind: 'orders' })).toBe(1);
  });

  it('refuses an interval below 5 s at start-up, naming the variable', async () => {
    const result = await runUntilExit({ ...env(), TRADECLOUD_RECONCILE_INTERVAL: '2s', PORT: '0' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('TRADECLOUD_RECONCILE_INTERVAL');
  });
});
