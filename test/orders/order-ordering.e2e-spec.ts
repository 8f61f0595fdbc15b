import { beforeAll, describe, expect, it } from 'vitest';
import { RunningReceiver, useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';
import { orderTablesState } from '../support/table-state';
import { orderEventStream, seededRandom, shuffle } from './order-stream';

/** Sends bodies from `clients` concurrent senders; returns the event ids. */
async function deliver(receiver: RunningReceiver, bodies: unknown[], clients: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const response = await receiver.post('/orders', body);
        expect([200, 202]).toContain(response.status);
        ids.push(((await response.json()) as { eventId: string }).eventId);
      }
    }),
  );
  return [...new Set(ids)];
}

describe('order events in any order, at the same time', () => {
  // Two independent receivers on the same database, in two schemas: one gets the stream in
  // order, one by one; the other gets it shuffled, from several clients at once.
  const inOrder = useReceiver({ label: 'order_ordering', schema: 'tc_in_order', options: { queue: { concurrency: 1 } } });
  let shuffled: RunningReceiver;

  beforeAll(async () => {
    shuffled = await inOrder.startAnother({ schema: 'tc_shuffled', options: { queue: { concurrency: 6 } } });
  });

  it('a shuffled stream of 200 events across 20 orders ends in exactly the state of the in-order stream', async () => {
    const events = orderEventStream({ orders: 20, eventsPerOrder: 10, linesPerOrder: 6, seed: 42 });
    expect(events).toHaveLength(200);

    // One client, one worker: the queue hands jobs out oldest first, so they apply in stream order.
    const inOrderIds = await deliver(inOrder, events, 1);
    const inOrderDone = await inOrder.waitForEvents(inOrderIds, ['processed', 'stale'], 60_000);
    expect(inOrderDone.every((event) => event.status === 'processed')).toBe(true);
    const random = seededRandom(7);
    const ids = await deliver(shuffled, shuffle(events, random), 10);
    const done = await shuffled.waitForEvents(ids, ['processed', 'stale'], 60_000);
    expect(done).toHaveLength(200);
    expect(done.some((event) => event.status === 'stale')).toBe(true); // the shuffle really did reorder

    const expected = await orderTablesState(inOrder.sql, 'tc_in_order');
    const actual = await orderTablesState(shuffled.sql, 'tc_shuffled');
    expect(expected.orders).toHaveLength(20);
    expect(expected.order_lines).toHaveLength(120);
    expect(actual).toEqual(expected);
  });

  it('20 concurrent events for one order leave the newest version of every line', async () => {
    const orderId = '66666666-2222-4333-8444-555555555555';
    const template = sample('post-order-event');
    const lineIds = template.orderEvent.lines.map((line: { id: string }) => line.id);
    const bodies = Array.from({ length: 20 }, (_, i) => {
      const body = structuredClone(template);
      body.orderEvent.orderId = orderId;
      body.orderEvent.meta.messageId = `concurrent-${i}`;
      const at = new Date(Date.UTC(2025, 6, 1) + i * 1000).toISOString();
      body.orderEvent.lastUpdatedAt = at;
      // each event touches one of the two lines, alternating
      body.orderEvent.lines = [structuredClone(template.orderEvent.lines[i % 2])];
      body.orderEvent.lines[0].lastUpdatedAt = at;
      body.orderEvent.lines[0].deliverySchedule[0].quantity = i;
      body.orderEvent.version = i;
      return body;
    });
    const ids = await Promise.all(
      shuffle(bodies, seededRandom(3)).map(async (body) => {
        const response = await shuffled.post('/orders', body);
        expect(response.status).toBe(202);
        return ((await response.json()) as { eventId: string }).eventId;
      }),
    );
    await shuffled.waitForEvents(ids, ['processed', 'stale']);
    const q = await shuffled.sql.query(
      `SELECT l.line_id, d.quantity, l.last_updated_at FROM tc_shuffled.order_lines l
         JOIN tc_shuffled.delivery_lines d ON d.order_id = l.order_id AND d.line_id = l.line_id AND d.schedule = 'current' AND d.seq = 0
        WHERE l.order_id = $1 ORDER BY l.line_id`,
      [orderId],
    );
    const newest = (lineIndex: number) => 18 + lineIndex; // events 18 (line 0) and 19 (line 1)
    const expected = lineIds
      .map((lineId: string, index: number) => ({ line_id: lineId, quantity: String(newest(index)) }))
      .sort((a: { line_id: string }, b: { line_id: string }) => a.line_id.localeCompare(b.line_id));
    expect(q.rows.map(({ line_id, quantity }) => ({ line_id, quantity }))).toEqual(expected);
    const header = await shuffled.sql.query(`SELECT version FROM tc_shuffled.orders WHERE order_id = $1`, [orderId]);
    expect(header.rows[0].version).toBe(19);
  });
});
