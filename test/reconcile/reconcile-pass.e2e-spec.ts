import { Injectable, Logger } from '@nestjs/common';
import { OnTradecloudEvent, TradecloudDomainEvent } from '../../src';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { sample } from '../support/samples';
import { buildOrder, buildOrderEvent, stableUuid, TradecloudSimulator } from '../support/tradecloud-simulator';
import { cursorOf, expectSuccess, passes, seedOrders } from './reconcile-kit';

const received: TradecloudDomainEvent[] = [];

@Injectable()
class ErpSync {
  @OnTradecloudEvent('order.created', 'order.lines.changed')
  record(event: TradecloudDomainEvent): void {
    received.push(event);
  }
}

describe('reconciliation passes through the polling API', () => {
  const receiver = useReceiver({
    label: 'reconcile_pass',
    simulator: true,
    options: ({ simulator }) => ({
      tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials, maxRetries: 2, retryBaseDelayMs: 20, retryMaxDelayMs: 100 },
      reconcile: { interval: 'off', overlap: '3s', shipments: false },
    }),
    providers: [ErpSync],
  });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = receiver.simulator;
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  const q = async (text: string, values?: unknown[]) => (await receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values)).rows;

  it('heals an order whose webhook was refused with 401, counts it as missed and logs it', async () => {
    const now = Date.now();
    seedOrders(simulator, 'first', 5, now - 120_000);
    const first = await passes(receiver).run('orders');
    expectSuccess(first);
    expect(first.counts).toMatchObject({ fetched: 5, created: 5, missed: 0 }); // a first backfill is not "missed"
    expect(await cursorOf(receiver, 'orders')).toBe(new Date(now - 120_000 + 4).toISOString());

    const orderId = stableUuid('reconcile-order', 'refused');
    const lastUpdatedAt = new Date(now - 60_000).toISOString();
    const event = buildOrderEvent({ orderId, lastUpdatedAt, lineCount: 2 });
    const refused = await receiver.post('/orders', event, { authorization: `Basic ${Buffer.from('tradecloud:rotated-wrong-password').toString('base64')}` });
    expect(refused.status).toBe(401);
    simulator.orders.set(orderId, buildOrder({ orderId, lastUpdatedAt, lineCount: 2 }));

    const warn = vi.spyOn(Logger.prototype, 'warn');
    const second = await passes(receiver).run('orders');
    expectSuccess(second);
    expect(second.counts).toMatchObject({ created: 1, missed: 1 });
    expect((await q(`SELECT count(*)::int AS n FROM S.order_lines WHERE order_id = $1`, [orderId]))[0].n).toBe(2);
    const purchaseOrderNumber = (simulator.orders.get(orderId) as { buyerOrder: { purchaseOrderNumber: string } }).buyerOrder.purchaseOrderNumber;
    const logged = warn.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('missed by webhooks'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(orderId);
    expect(logged[0]).toContain(purchaseOrderNumber);
    warn.mockRestore();
    const [state] = await q(`SELECT last_missed, last_outcome FROM S.reconcile_state WHERE kind = 'orders'`);
    expect(state).toEqual({ last_missed: 1, last_outcome: 'success' });
    // The polled version is kept like a webhook event, with its changes.
    const [row] = await q(`SELECT endpoint, payload_kind, status FROM S.webhook_events WHERE entity_id = $1`, [orderId]);
    expect(row).toEqual({ endpoint: 'orders-poll', payload_kind: 'polledOrder', status: 'processed' });
    expect((await q(`SELECT count(*)::int AS n FROM S.changes WHERE order_id = $1`, [orderId]))[0].n).toBeGreaterThan(0);
    // …and the host's handlers hear of it like of any webhook.
    await waitFor(() => expect(received.some((event) => event.type === 'order.created' && (event as { orderId?: string }).orderId === orderId)).toBe(true));
  });

  it('writes from the stored body exactly the rows a GET webhook writes for the same order', async () => {
    // A polled order's lines, schedules and history are written from its stored event body inside
    // PostgreSQL; a GET webhook's fetched order goes through the mapper's rows. Same order, same rows.
    const orderId = stableUuid('reconcile-order', 'same-rows');
    const order = { ...sample('get-order-response'), id: orderId, lastUpdatedAt: new Date(Date.now() - 30_000).toISOString() };
    simulator.orders.set(orderId, order);
    const rows = async () => ({
      lines: await q(`SELECT (to_jsonb(l) - 'created_at' - 'updated_at' - 'last_event_id')::text AS r FROM S.order_lines l WHERE order_id = $1 ORDER BY line_id`, [orderId]),
      schedules: await q(`SELECT to_jsonb(d)::text AS r FROM S.delivery_lines d WHERE order_id = $1 ORDER BY line_id, schedule, seq`, [orderId]),
      history: await q(`SELECT to_jsonb(h)::text AS r FROM S.delivery_history h WHERE order_id = $1 ORDER BY line_id, seq`, [orderId]),
    });
    const call = await fetch(`${receiver.webhooks}/orders/${orderId}`, { headers: { authorization: receiver.authorization } });
    expect(call.status).toBe(202);
    expect(await receiver.waitForEvents([((await call.json()) as { eventId: string }).eventId])).toMatchObject([{ status: 'processed' }]);
    const fetched = await rows();
    expect(fetched.lines.length).toBe(order.lines.length);
    expect(fetched.schedules.length).toBeGreaterThan(order.lines.length);

    await q(`DELETE FROM S.orders WHERE order_id = $1`, [orderId]);
    expect((await rows()).lines).toEqual([]);
    const pass = await passes(receiver).run('orders', { all: true });
    expectSuccess(pass);
    const [polled] = await q(`SELECT payload_kind FROM S.webhook_events WHERE entity_id = $1 AND endpoint = 'orders-poll'`, [orderId]);
    expect(polled).toEqual({ payload_kind: 'polledOrder' });
    expect(await rows()).toEqual(fetched);
  });

  it('re-reads the overlap as unchanged without writing event rows', async () => {
    const before = (await q(`SELECT count(*)::int AS n FROM S.webhook_events`))[0].n;
    const pass = await passes(receiver).run('orders');
    expectSuccess(pass);
    expect(pass.counts.created + pass.counts.updated).toBe(0);
    expect((await q(`SELECT count(*)::int AS n FROM S.webhook_events`))[0].n).toBe(before);
  });

  it('changes nothing with a polled version older than stored webhook data', async () => {
    const orderId = stableUuid('reconcile-order', 'newer-webhook');
    const newer = buildOrderEvent({ orderId, lastUpdatedAt: '2099-01-01T00:00:00.000Z', lineCount: 2 });
    newer.orderEvent.lines[0].deliverySchedule[0].quantity = 4242;
    const posted = await receiver.post('/orders', newer);
    expect(posted.status).toBe(202);
    await receiver.waitForEvents([((await posted.json()) as { eventId: string }).eventId]);
    const before = await q(`SELECT l.position, d.quantity, l.last_updated_at FROM S.delivery_lines d JOIN S.order_lines l USING (order_id, line_id) WHERE d.order_id = $1 ORDER BY 1, 2`, [orderId]);

    simulator.orders.set(orderId, buildOrder({ orderId, lastUpdatedAt: new Date(Date.now() - 1_000).toISOString(), lineCount: 2 }));
    const pass = await passes(receiver).run('orders');
    expectSuccess(pass);
    expect(pass.counts.stale).toBe(1);
    expect(await q(`SELECT l.position, d.quantity, l.last_updated_at FROM S.delivery_lines d JOIN S.order_lines l USING (order_id, line_id) WHERE d.order_id = $1 ORDER BY 1, 2`, [orderId])).toEqual(before);
    expect((await q(`SELECT last_updated_at FROM S.orders WHERE order_id = $1`, [orderId]))[0].last_updated_at.toISOString()).toBe('2099-01-01T00:00:00.000Z');
  });

  it('keeps an unusable polled order rejected with its reasons and goes on', async () => {
    const badId = stableUuid('reconcile-order', 'bad');
    const good = stableUuid('reconcile-order', 'good-after-bad');
    const at = Date.now() - 500;
    const bad = buildOrder({ orderId: badId, lastUpdatedAt: new Date(at).toISOString() });
    delete (bad as Record<string, unknown>).buyerOrder;
    simulator.orders.set(badId, bad);
    simulator.orders.set(good, buildOrder({ orderId: good, lastUpdatedAt: new Date(at + 1).toISOString() }));
    const pass = await passes(receiver).run('orders');
    expectSuccess(pass);
    expect(pass.counts).toMatchObject({ rejected: 1, created: 1 });
    const [rejected] = await q(`SELECT status, last_error FROM S.webhook_events WHERE entity_id = $1`, [badId]);
    expect(rejected.status).toBe('rejected');
    expect(rejected.last_error).toContain('buyerOrder');
    expect((await q(`SELECT count(*)::int AS n FROM S.orders WHERE order_id = $1`, [good]))[0].n).toBe(1);
  });

  it('does not skip an order updated while the pass pages (offset shift), and ends with its newest version', async () => {
    const base = Date.now() - 30_000;
    const ids = seedOrders(simulator, 'paging', 350, base, 1);
    const moved = ids[10];
    let updated = false;
    const pass = await passes(receiver).run('orders', {
      all: true,
      onProgress: () => {
        if (updated) return;
        updated = true;
        // Page 1 is applied: order 10 changes now, leaves the first page and moves to the end.
        simulator.orders.set(moved, buildOrder({ orderId: moved, seed: 11, lineCount: 1, lastUpdatedAt: new Date().toISOString(), version: 9 }));
      },
    });
    expectSuccess(pass);
    expect(pass.counts.fetched).toBeGreaterThan(350); // the window was read again after the move
    const present = await q(`SELECT order_id FROM S.orders WHERE order_id = ANY($1::uuid[])`, [ids]);
    expect(present.length).toBe(350);
    expect((await q(`SELECT version FROM S.orders WHERE order_id = $1`, [moved]))[0].version).toBe(9);
  });

  it('does not skip an update Tradecloud indexed late (index lag within the overlap)', async () => {
    simulator.pollSettings.indexLagMs = 1_000;
    try {
      const early = stableUuid('reconcile-order', 'lag-visible');
      const late = stableUuid('reconcile-order', 'lag-late');
      const t = Date.now();
      simulator.orders.set(early, buildOrder({ orderId: early, lastUpdatedAt: new Date(t).toISOString() }));
      await waitFor(async () => {
        const pass = await passes(receiver).run('orders');
        expectSuccess(pass);
        expect((await q(`SELECT count(*)::int AS n FROM S.orders WHERE order_id = $1`, [early]))[0].n).toBe(1);
      }, { interval: 300 });
      // Changed before `early` but indexed only now: the cursor is already past it.
      simulator.orders.set(late, buildOrder({ orderId: late, lastUpdatedAt: new Date(t - 500).toISOString() }));
      const blind = await passes(receiver).run('orders');
      expect(blind.counts.created).toBe(0);
      expect(Date.parse((await cursorOf(receiver, 'orders'))!)).toBeGreaterThan(t - 500);
      await waitFor(async () => {
        await passes(receiver).run('orders');
        expect((await q(`SELECT count(*)::int AS n FROM S.orders WHERE order_id = $1`, [late]))[0].n).toBe(1);
      }, { interval: 300 });
    } finally {
      simulator.pollSettings.indexLagMs = 0;
    }
  });

  it('keeps the cursor while polls answer 503, and advances it after recovery', async () => {
    const cursor = await cursorOf(receiver, 'orders');
    const fresh = stableUuid('reconcile-order', 'after-outage');
    const freshAt = new Date(Date.now() - 100).toISOString();
    simulator.orders.set(fresh, buildOrder({ orderId: fresh, lastUpdatedAt: freshAt }));
    const down = simulator.addFault({ route: 'order.poll', status: 503 });
    const failed = await passes(receiver).run('orders');
    expect(failed.outcome).toBe('failed');
    expect(failed.error?.message).toContain('503');
    expect(await cursorOf(receiver, 'orders')).toBe(cursor);
    expect((await q(`SELECT last_outcome FROM S.reconcile_state WHERE kind = 'orders'`))[0].last_outcome).toBe('failed');
    down.remove();
    const recovered = await passes(receiver).run('orders');
    expectSuccess(recovered);
    expect(await cursorOf(receiver, 'orders')).toBe(freshAt);
  });

  it('retries a 429 inside the pass', async () => {
    simulator.failNext('order.poll', 1, 429, { retryAfter: 0 });
    const pass = await passes(receiver).run('orders');
    expectSuccess(pass);
  });

  it('fails a pass on a malformed poll answer, naming the field, and keeps the cursor', async () => {
    const cursor = await cursorOf(receiver, 'orders');
    simulator.pollSettings.malformedBody = { total: 3, lastUpdatedAt: new Date().toISOString() };
    try {
      const noData = await passes(receiver).run('orders');
      expect(noData.outcome).toBe('failed');
      expect(noData.error?.message).toContain('"data"');
      simulator.pollSettings.malformedBody = { data: [], total: 'many' };
      const badTotal = await passes(receiver).run('orders');
      expect(badTotal.outcome).toBe('failed');
      expect(badTotal.error?.message).toContain('"total"');
    } finally {
      simulator.pollSettings.malformedBody = undefined;
    }
    expect(await cursorOf(receiver, 'orders')).toBe(cursor);
  });

  it('answers 400 to a limit above 100 (simulator check)', async () => {
    const login = await fetch(`${simulator.baseUrl}/order-search/poll`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${simulator.credentials.username}:${simulator.credentials.password}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filters: {}, offset: 0, limit: 101 }),
    });
    expect(login.status).toBe(400);
    expect(await login.text()).toContain('limit');
  });
});
