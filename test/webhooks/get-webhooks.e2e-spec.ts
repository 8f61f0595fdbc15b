import { beforeAll, describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';
import { buildOrder, TradecloudSimulator } from '../support/tradecloud-simulator';

const ORDER_ID = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718';
const SHIPMENT_ID = 'dcf95157-6451-4be2-a92e-a13a151f9572-SHP2025-0345';

describe('GET order and GET shipment webhooks', () => {
  const receiver = useReceiver({
    label: 'get_webhooks',
    simulator: true,
    options: ({ simulator }) => ({
      tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials },
      queue: { attempts: 5, retryDelaySeconds: 1 },
    }),
  });
  let simulator: TradecloudSimulator;
  beforeAll(() => {
    simulator = receiver.simulator;
  });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const get = async (path: string) => {
    const response = await fetch(`${receiver.webhooks}${path}`, { headers: { authorization: receiver.authorization } });
    return { status: response.status, body: (await response.json()) as { eventId: string; message?: unknown } };
  };

  it('stores the call, fetches the whole order (path style) and lands every line', async () => {
    simulator.orders.set(ORDER_ID, sample('get-order-response'));
    const call = await get(`/orders/${ORDER_ID}`);
    expect(call.status).toBe(202);
    const stored = (await q(`SELECT endpoint, payload_kind, entity_id, event_name FROM S.webhook_events WHERE id = $1`, [call.body.eventId])).rows[0];
    expect(stored).toEqual({ endpoint: 'orders-get', payload_kind: 'orderId', entity_id: ORDER_ID, event_name: null });
    expect(await receiver.waitForEvents([call.body.eventId])).toEqual([{ id: call.body.eventId, status: 'processed' }]);
    const lines = (await q(`SELECT position, line_type FROM S.order_lines WHERE order_id = $1 ORDER BY position`, [ORDER_ID])).rows;
    expect(lines.length).toBe(sample('get-order-response').lines.length);
    expect(simulator.requestsTo('order.get').every((request) => request.authorizationScheme === 'Bearer')).toBe(true);
  });

  it('accepts the query-parameter style too, and a GET never regresses lines a newer POST event wrote', async () => {
    const orderId = '88888888-2222-4333-8444-555555555555';
    const newer = sample('post-order-event');
    newer.orderEvent.orderId = orderId;
    newer.orderEvent.meta.messageId = 'newer-than-get';
    newer.orderEvent.lastUpdatedAt = newer.orderEvent.lines[0].lastUpdatedAt = '2030-01-01T00:00:00.000Z';
    newer.orderEvent.lines = [newer.orderEvent.lines[0]];
    newer.orderEvent.lines[0].deliverySchedule[0].quantity = 4242;
    const posted = await receiver.post('/orders', newer);
    await receiver.waitForEvents([((await posted.json()) as { eventId: string }).eventId]);

    const fetched = sample('post-order-event').orderEvent; // older versions of both lines
    fetched.id = orderId;
    delete fetched.orderId;
    simulator.orders.set(orderId, fetched);
    const call = await get(`/orders?orderId=${orderId}`);
    expect(call.status).toBe(202);
    const [done] = await receiver.waitForEvents([call.body.eventId]);
    expect(done.status).toBe('stale');
    const quantities = (await q(`SELECT l.position, d.quantity FROM S.delivery_lines d JOIN S.order_lines l USING (order_id, line_id)
                                  WHERE d.order_id = $1 AND d.schedule = 'current' AND d.seq = 0 ORDER BY l.position`, [orderId])).rows;
    expect(quantities).toEqual([{ position: '0010', quantity: '4242' }, { position: '0020', quantity: '500' }]);
  });

  it('fetches a shipment by its opaque id', async () => {
    simulator.shipments.set(SHIPMENT_ID, sample('get-shipment-response'));
    const call = await get(`/shipments/${encodeURIComponent(SHIPMENT_ID)}`);
    expect(call.status).toBe(202);
    await receiver.waitForEvents([call.body.eventId], ['processed']);
    const shipment = (await q(`SELECT process_status FROM S.shipments WHERE shipment_id = $1`, [SHIPMENT_ID])).rows[0];
    expect(shipment.process_status).toBe('Approved');
    expect((await q(`SELECT count(*)::int AS n FROM S.shipment_lines WHERE shipment_id = $1`, [SHIPMENT_ID])).rows[0].n).toBe(2);
  });

  it('survives an expired token without a failed event, and retries a 503 burst until the API recovers', async () => {
    const order = buildOrder({ seed: 5, lineCount: 3 });
    simulator.orders.set(order.id, order);
    simulator.expireAccessTokens();
    const first = await get(`/orders/${order.id}`);
    await receiver.waitForEvents([first.body.eventId], ['processed']);
    expect((await q(`SELECT attempts FROM S.webhook_events WHERE id = $1`, [first.body.eventId])).rows[0].attempts).toBe(1);

    simulator.failNext('order.get', 6, 503); // more than one attempt's in-client retries
    const second = await get(`/orders/${order.id}`);
    const [done] = await receiver.waitForEvents([second.body.eventId], ['processed'], 30_000);
    expect(done.status).toBe('processed');
    const row = (await q(`SELECT attempts FROM S.webhook_events WHERE id = $1`, [second.body.eventId])).rows[0];
    expect(row.attempts).toBeGreaterThan(1);
  });

  it('ends dead at once, with the reason, when the API answers 404', async () => {
    const call = await get('/orders/99999999-2222-4333-8444-555555555555');
    const [done] = await receiver.waitForEvents([call.body.eventId], ['dead'], 15_000);
    expect(done.status).toBe('dead');
    const row = (await q(`SELECT attempts, last_error FROM S.webhook_events WHERE id = $1`, [call.body.eventId])).rows[0];
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/404/);
  });

  it('answers 400 to an order id that is not a UUID, and keeps the call as rejected', async () => {
    const call = await get('/orders/not-a-uuid');
    expect(call.status).toBe(400);
    expect(call.body.message).toEqual(['orderId must be a UUID']);
    const row = (await q(`SELECT status, entity_id FROM S.webhook_events WHERE id = $1`, [call.body.eventId])).rows[0];
    expect(row).toEqual({ status: 'rejected', entity_id: null });
  });

  it('agrees with the fetched-shipment check on the shipment id: 200 characters are fetched and stored, 201 are refused with 400', async () => {
    const longest = `dcf95157-6451-4be2-a92e-a13a151f9572-${'S'.repeat(200 - 37)}`;
    expect(longest).toHaveLength(200);
    simulator.shipments.set(longest, { ...sample('get-shipment-response'), id: longest });
    const accepted = await get(`/shipments/${encodeURIComponent(longest)}`);
    expect(accepted.status).toBe(202);
    expect(await receiver.waitForEvents([accepted.body.eventId], ['processed', 'dead'])).toEqual([{ id: accepted.body.eventId, status: 'processed' }]);
    expect((await q(`SELECT count(*)::int AS n FROM S.shipments WHERE shipment_id = $1`, [longest])).rows[0].n).toBe(1);

    const tooLong = `${longest}X`;
    simulator.shipments.set(tooLong, { ...sample('get-shipment-response'), id: tooLong });
    const before = simulator.requestsTo('shipment.get').length;
    for (const path of [`/shipments/${encodeURIComponent(tooLong)}`, `/shipments?shipmentId=${encodeURIComponent(tooLong)}`]) {
      const refused = await get(path);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual(['shipmentId must be a non-empty text of at most 200 characters']);
      const row = (await q(`SELECT status, endpoint, last_error FROM S.webhook_events WHERE id = $1`, [refused.body.eventId])).rows[0];
      expect(row).toEqual({ status: 'rejected', endpoint: 'shipments-get', last_error: expect.stringContaining('at most 200 characters') });
    }
    expect(simulator.requestsTo('shipment.get').length).toBe(before); // never fetched
    expect((await q(`SELECT count(*)::int AS n FROM S.shipments WHERE shipment_id = $1`, [tooLong])).rows[0].n).toBe(0);
  });

  it('answers 400 to an order id that the fetched-order check would refuse (not an RFC 4122 UUID)', async () => {
    const call = await get('/orders/d0d74b64-fe9c-0af2-b5b3-9ebd6bdae718'); // version nibble 0
    expect(call.status).toBe(400);
    expect(call.body.message).toEqual(['orderId must be a UUID']);
  });

  it('ends dead, naming the field path, when a fetched order carries a document reference beyond the limits', async () => {
    const order = sample('get-order-response');
    order.id = '77777777-2222-4333-8444-555555555555';
    order.buyerOrder.documents[0].objectId = 'o'.repeat(201);
    order.lines[0].supplierLine.documents[1].url = `https://supplier-example.de/${'u'.repeat(2048)}`;
    simulator.orders.set(order.id, order);
    const call = await get(`/orders/${order.id}`);
    expect(call.status).toBe(202);
    const [done] = await receiver.waitForEvents([call.body.eventId], ['dead'], 15_000);
    expect(done.status).toBe('dead');
    const row = (await q(`SELECT attempts, last_error FROM S.webhook_events WHERE id = $1`, [call.body.eventId])).rows[0];
    expect(row.attempts).toBe(1); // unusable: no retry
    expect(row.last_error).toContain('buyerOrder.documents[0].objectId must be at most 200 characters long');
    expect(row.last_error).toContain('lines[0].supplierLine.documents[1].url must be at most 2048 bytes long (UTF-8)');
    const written = (await q(`SELECT (SELECT count(*) FROM S.orders WHERE order_id = $1)::int AS orders,
                                     (SELECT count(*) FROM S.documents WHERE order_id = $1)::int AS documents`, [order.id])).rows[0];
    expect(written).toEqual({ orders: 0, documents: 0 });
  });

  it('never sends more than 10 requests per second to the API', async () => {
    const orders = Array.from({ length: 25 }, (_, i) => buildOrder({ seed: 100 + i, lineCount: 1 }));
    for (const order of orders) simulator.orders.set(order.id, order);
    simulator.clearRequests();
    const calls = await Promise.all(orders.map((order) => get(`/orders/${order.id}`)));
    await receiver.waitForEvents(calls.map((call) => call.body.eventId), ['processed'], 30_000);
    const times = simulator.requests.filter((request) => request.route !== 'unknown').map((request) => request.receivedAt);
    expect(times.length).toBeGreaterThanOrEqual(25);
    for (const start of times) {
      expect(times.filter((time) => time >= start && time < start + 1000).length).toBeLessThanOrEqual(10);
    }
  });
});

describe('GET webhooks without Tradecloud API settings', () => {
  const receiver = useReceiver({ label: 'get_unconfigured' });

  it('answers 503 naming what to configure, so that Tradecloud keeps retrying', async () => {
    const response = await fetch(`${receiver.webhooks}/orders/${ORDER_ID}`, { headers: { authorization: receiver.authorization } });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toContain('TRADECLOUD_API_URL');
    const events = await receiver.sql.query(`SELECT count(*)::int AS n FROM tradecloud.webhook_events`);
    expect(events.rows[0].n).toBe(0);
  });
});
