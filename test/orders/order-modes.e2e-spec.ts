import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrder, buildOrderEvent, buildSingleDeliveryOrderEvent, OrderBuildOptions } from '../support/tradecloud-simulator';

/**
 * One normalised shape for every source: the same order sent as `orderEvent` (delivery-schedule
 * mode, one entry per line) and as `singleDeliveryOrderEvent` lands in the same columns with the
 * same values; only what one mode does not send (a delivery position) may differ.
 */
const ORDER_ID = 'c3c3c3c3-0000-4000-8000-000000000021';

/** Every column that both modes fill, per table (not the JSON as received, nor when or by which event). */
const SNAPSHOT = {
  orders: `SELECT to_jsonb(o) - 'header' - 'last_event_id' - 'created_at' - 'updated_at' AS row FROM tradecloud.orders o WHERE order_id = $1`,
  order_lines: `SELECT to_jsonb(l) - 'line' - 'last_event_id' - 'created_at' - 'updated_at' AS row FROM tradecloud.order_lines l WHERE order_id = $1 ORDER BY line_id`,
  delivery_lines: `SELECT to_jsonb(d) - 'position' AS row FROM tradecloud.delivery_lines d WHERE order_id = $1 ORDER BY line_id, schedule, seq`,
  delivery_history: `SELECT to_jsonb(h) - 'position' AS row FROM tradecloud.delivery_history h WHERE order_id = $1 ORDER BY line_id, seq`,
};

describe('the same order in both webhook modes, and fetched', () => {
  const receiver = useReceiver({
    label: 'order_modes',
    simulator: true,
    options: ({ simulator }) => ({ tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials }, documents: { download: false } }),
  });

  const send = async (body: unknown) => {
    const response = await receiver.post('/orders', body);
    expect(response.status).toBe(202);
    return (await receiver.waitForEvents([((await response.json()) as { eventId: string }).eventId], ['processed']))[0];
  };
  const snapshot = async () => {
    const result: Record<string, unknown[]> = {};
    for (const [table, query] of Object.entries(SNAPSHOT)) result[table] = (await receiver.sql.query(query, [ORDER_ID])).rows.map((row) => row.row);
    return result;
  };
  const forget = () => receiver.sql.query(`DELETE FROM tradecloud.orders WHERE order_id = $1`, [ORDER_ID]);

  it.each<[string, OrderBuildOptions & { eventName: string }]>([
    ['confirmed, dates moved and price raised, one receipt', { eventName: 'OrderLinesAcceptedBySupplier', processStatus: 'Confirmed', confirmation: { shiftDays: 3, netPrice: 12.5 }, receipts: 1 }],
    ['with an open proposal and its reason', { eventName: 'OrderChangesProposedBySupplier', processStatus: 'InProgress', proposal: { shiftDays: 14, netPrice: 3.1, reason: 'Factory shutdown' } }],
    ['with one line cancelled', { eventName: 'OrderLinesCancelledByBuyer', lineProcessStatus: (line) => (line === 2 ? 'Cancelled' : 'Issued') }],
  ])('gives the same values in every shared column: %s', async (name, options) => {
    const common = { seed: 5, orderId: ORDER_ID, purchaseOrderNumber: 'PO-MODES', lineCount: 2, scheduleEntries: 1, lastUpdatedAt: '2025-06-20T10:00:00.000Z', netPrice: 11, ...options };
    await forget();
    await send(buildOrderEvent({ ...common, messageId: `schedule-${name}` }));
    const deliverySchedule = await snapshot();
    await forget();
    await send(buildSingleDeliveryOrderEvent({ ...common, messageId: `single-${name}` }));
    const singleDelivery = await snapshot();

    expect(singleDelivery).toEqual(deliverySchedule);
    // Not vacuous: the values that differ between the two shapes are there.
    expect(deliverySchedule.order_lines.length).toBe(2);
    expect(deliverySchedule.delivery_lines.map((row: any) => row.schedule)).toEqual(
      expect.arrayContaining(['current', 'current_incl_requests', 'requested']),
    );
  });

  it('records the changed values, not the change of shape, when a fetched order follows single-delivery events', async () => {
    const common = { seed: 6, orderId: ORDER_ID, purchaseOrderNumber: 'PO-MODES', lineCount: 2, scheduleEntries: 1, netPrice: 11 };
    await forget();
    await send(buildSingleDeliveryOrderEvent({ ...common, messageId: 'single-then-fetched', eventName: 'OrderIssuedByBuyer', processStatus: 'Issued', lastUpdatedAt: '2025-06-20T10:00:00.000Z' }));
    // The API now has line 1 confirmed 3 days later at 11.40; line 2 unchanged.
    const newer = '2025-06-21T10:00:00.000Z';
    receiver.simulator.orders.set(
      ORDER_ID,
      buildOrder({
        ...common,
        lastUpdatedAt: newer,
        lineProcessStatus: (line) => (line === 1 ? 'Confirmed' : 'Issued'),
        lineLastUpdatedAt: (line) => (line === 1 ? newer : '2025-06-20T10:00:00.000Z'),
        confirmation: { shiftDays: 3, netPrice: 11.4 },
      }),
    );
    const call = await fetch(`${receiver.webhooks}/orders/${ORDER_ID}`, { headers: { authorization: receiver.authorization } });
    const eventId = ((await call.json()) as { eventId: string }).eventId;
    await receiver.waitForEvents([eventId], ['processed']);

    const changes = (
      await receiver.sql.query(`SELECT entity, diff FROM tradecloud.changes WHERE event_id = $1 ORDER BY id`, [eventId])
    ).rows as Array<{ entity: string; diff: Record<string, { old: unknown; new: unknown }> }>;
    expect(changes.map((change) => change.entity)).toEqual(['order', 'order_line']);
    const [header, line] = changes;
    expect(Object.keys(header.diff)).not.toContain('id');
    expect(Object.keys(header.diff)).not.toContain('orderId');
    const paths = Object.keys(line.diff);
    expect(paths.filter((path) => /^(statusLine|deliverySchedule|prices|pricesIncludingRequests)\b/.test(path))).toEqual([]);
    expect(line.diff['columns.processStatus']).toEqual({ old: 'Issued', new: 'Confirmed' });
    expect(line.diff['columns.netPrice']).toEqual({ old: '11', new: '11.4' });
    expect(line.diff['columns.confirmedNetPrice']).toEqual({ old: null, new: '11.4' });
    expect(paths).toContain('schedules.current[0].date');
  });
});
