import { describe, expect, it } from 'vitest';
import { sample, sampleText } from '../support/samples';
import { useReceiver, waitFor } from '../support/receiver-fixture';

const ORDER_ID = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718';

/** The same webhook scenarios, run identically over the three ways of running the receiver. */
describe.each([
  ['standalone service', 'standalone'],
  ['forRoot', 'forRoot'],
  ["forRootAsync on the host's DataSource (examples/host-app)", 'host-app'],
] as const)('webhook scenarios: %s', (_, setup) => {
  const receiver = useReceiver({ label: 'setups', setup });

  const post = async (path: string, body: unknown, authorization: string | null = receiver.authorization) => {
    const response = await fetch(`${receiver.webhooks}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { eventId: string; message?: string[] } };
  };
  const processed = async (eventId: string) => (await receiver.waitForEvents([eventId]))[0].status;

  it('stores an order event with its lines and exact prices', async () => {
    const accepted = await post('/orders', sampleText('post-order-event'));
    expect(accepted.status).toBe(202);
    expect(await processed(accepted.body.eventId)).toBe('processed');
    const lines = await receiver.sql.query(
      `SELECT position, net_price FROM "${receiver.schema}".order_lines WHERE order_id = $1 ORDER BY position`,
      [ORDER_ID],
    );
    expect(lines.rows).toEqual([{ position: '0010', net_price: '18.45' }, { position: '0020', net_price: '82.8' }]);
  });

  it('answers a redelivery 200, an invalid body 400 naming the field, and missing credentials 401', async () => {
    expect((await post('/orders', sampleText('post-order-event'))).status).toBe(200);
    const invalid = sample('post-order-event');
    invalid.orderEvent.lines[0].lastUpdatedAt = 'soon';
    const rejected = await post('/orders', invalid);
    expect(rejected.status).toBe(400);
    expect(rejected.body.message).toEqual(['orderEvent.lines[0].lastUpdatedAt must be an ISO 8601 date']);
    expect((await post('/orders', sampleText('post-order-event'), null)).status).toBe(401);
  });

  it('stores a shipment and links it to the order lines', async () => {
    const accepted = await post('/shipments', sampleText('post-shipment-event'));
    expect(accepted.status).toBe(202);
    expect(await processed(accepted.body.eventId)).toBe('processed');
    const lines = await receiver.sql.query(
      `SELECT count(*)::int AS n FROM "${receiver.schema}".shipment_lines WHERE order_id = $1`,
      [ORDER_ID],
    );
    expect(lines.rows[0].n).toBe(2);
  });
});

describe('the example host reacts to order.lines.changed in its own table', () => {
  const host = useReceiver({ label: 'host_reaction', setup: 'host-app' });

  it('writes one row per changed line, once', async () => {
    const response = await fetch(`${host.webhooks}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: host.authorization },
      body: sampleText('post-order-event'),
    });
    expect(response.status).toBe(202);
    await waitFor(async () => {
      const rows = (await host.sql.query(`SELECT "lineId" AS line_id FROM public.erp_line_updates ORDER BY "lineId"`)).rows;
      expect(rows.map((row) => row.line_id)).toEqual(['9027e194-175b-44fc-bd99-bf938de4d763', '9a88a2bc-c6f0-4638-9967-f922d1519ac4']);
    });
  });
});
