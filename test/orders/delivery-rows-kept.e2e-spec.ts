import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';

const ORDER_ID = 'dddddddd-5555-4666-8777-000000000001';

/**
 * A line's schedules and delivery history are replaced only when the new version's rows differ
 * from the stored ones (`sameDeliveryRows`): an event that changes a line's status or price
 * leaves its schedule rows as they are, row versions included (`xmin`).
 */
describe('schedule rows of a line version whose schedules did not change', () => {
  const receiver = useReceiver({ label: 'delivery_rows_kept' });
  let version = 0;

  /** Posts the next version of the order, `edit`ed, with every line newer; waits until it is processed. */
  const deliver = async (edit: (body: ReturnType<typeof sample>) => void, text?: (json: string) => string) => {
    version++;
    const body = sample('post-order-event');
    const at = new Date(Date.UTC(2025, 6, 1, 8, version)).toISOString();
    body.orderEvent.orderId = ORDER_ID;
    body.orderEvent.lastUpdatedAt = at;
    body.orderEvent.meta.messageId = `rows-kept-${version}`;
    for (const line of body.orderEvent.lines) line.lastUpdatedAt = at;
    edit(body);
    const json = JSON.stringify(body);
    const response = await receiver.post('/orders', text ? text(json) : json);
    expect(response.status).toBe(202);
    const { eventId } = (await response.json()) as { eventId: string };
    const [event] = await receiver.waitForEvents([eventId]);
    expect(event.status).toBe('processed');
  };
  const rows = () =>
    receiver.q<{ line_id: string; schedule: string; seq: number; quantity: string; version: string }>(
      `SELECT line_id, schedule, seq, quantity::text AS quantity, xmin::text AS version FROM S.delivery_lines WHERE order_id = $1 ORDER BY line_id, schedule, seq`,
      [ORDER_ID],
    );

  it('keeps the rows when only a status and a price change, and records the line changes', async () => {
    await deliver(() => undefined);
    const before = await rows();
    expect(before.length).toBeGreaterThan(0);

    await deliver((body) => {
      for (const line of body.orderEvent.lines) {
        line.status.processStatus = 'Completed';
        line.prices.netPrice.priceInTransactionCurrency.value = 99.5;
      }
    });
    expect(await rows()).toEqual(before);
    const statuses = await receiver.q<{ process_status: string }>(`SELECT process_status FROM S.order_lines WHERE order_id = $1`, [ORDER_ID]);
    expect(statuses.map((line) => line.process_status)).toEqual(statuses.map(() => 'Completed'));
    const changes = await receiver.q<{ diff: Record<string, unknown> }>(
      `SELECT c.diff FROM S.changes c JOIN S.webhook_events e ON e.id = c.event_id WHERE e.message_id = $1 AND c.entity = 'order_line'`,
      [`rows-kept-${version}`],
    );
    expect(changes).toHaveLength(before.filter((row) => row.schedule === 'current' && row.seq === 0).length);
    for (const change of changes) expect(change.diff['status.processStatus']).toEqual({ old: 'Confirmed', new: 'Completed' });
  });

  it('replaces the rows when a quantity is only spelt differently (92 and 92.0 are stored as sent)', async () => {
    const before = await rows();
    await deliver(
      () => undefined,
      (json) => json.replace('"quantity":120,', '"quantity":120.0,'),
    );
    const after = await rows();
    const respelt = after.filter((row) => row.quantity === '120.0');
    expect(respelt).toHaveLength(1);
    // The line's rows were written again; the other line's were kept.
    const changedLine = respelt[0].line_id;
    for (const row of after) {
      const old = before.find((candidate) => candidate.line_id === row.line_id && candidate.schedule === row.schedule && candidate.seq === row.seq)!;
      if (row.line_id === changedLine) expect(row.version).not.toBe(old.version);
      else expect(row).toEqual(old);
    }
  });

  it('replaces the rows when the schedule changes, and the next unchanged version keeps the new ones', async () => {
    await deliver((body) => {
      body.orderEvent.lines[0].deliverySchedule = [{ position: '1', date: '2025-08-01', quantity: 200, status: 'Open' }];
    });
    const replaced = await rows();
    const first = sample('post-order-event').orderEvent.lines[0].id as string;
    expect(replaced.filter((row) => row.line_id === first && row.schedule === 'current').map((row) => row.quantity)).toEqual(['200']);

    await deliver((body) => {
      body.orderEvent.lines[0].deliverySchedule = [{ position: '1', date: '2025-08-01', quantity: 200, status: 'Open' }];
      body.orderEvent.lines[0].status.processStatus = 'InProgress';
    });
    expect(await rows()).toEqual(replaced);
  });
});
