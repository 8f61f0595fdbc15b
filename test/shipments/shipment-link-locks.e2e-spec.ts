import { describe, expect, it } from 'vitest';
import { lockPurchaseOrders } from '../../src/processing/entity-locks';
import { useReceiver, waitFor } from '../support/receiver-fixture';
import { sampleText } from '../support/samples';

const PURCHASE_ORDER_NUMBER = 'PO2025-004711'; // every line of the sample shipment

/**
 * An order transaction that creates lines links the shipment lines of its purchase order, under
 * that purchase order's lock (OrderStore.linkShipmentLines). A shipment transaction of the same
 * purchase order running at that moment must wait for the lock before writing any line: had it
 * written its lines first, each transaction would wait for the other (found by the disorder
 * scenario of the reliability suite as an occasional `deadlock detected`).
 */
describe('shipment and order transactions linking the same purchase order', () => {
  const receiver = useReceiver({ label: 'shipment_link_locks', options: { queue: { concurrency: 1 } } });

  it('the shipment waits for the purchase-order lock before writing lines, so the order can link without a deadlock', async () => {
    // A first version of the shipment, before its order: its lines are stored unlinked.
    const first = await receiver.post('/shipments', sampleText('post-shipment-event'));
    expect(first.status).toBe(202);
    await receiver.waitForEvents([((await first.json()) as { eventId: string }).eventId], ['processed']);
    // A newer version updates those rows (and so locks them) when it is applied.
    const newer = sampleText('post-shipment-event')
      .replaceAll('2025-06-30T06:12:44.507Z', '2025-07-01T08:00:00.000Z')
      .replace('d31942e3-bd50-4ac4-af57-69f3ca7fc89f', 'd31942e3-bd50-4ac4-af57-69f3ca7fc8a0');
    const order = await receiver.sql.connect();
    let eventId: string;
    try {
      // The order transaction at its linking step: it holds the purchase-order lock.
      await order.query('BEGIN');
      await order.query(`SET LOCAL statement_timeout = '10s'`);
      await lockPurchaseOrders(order, [PURCHASE_ORDER_NUMBER]);

      const response = await receiver.post('/shipments', newer);
      expect(response.status).toBe(202);
      eventId = ((await response.json()) as { eventId: string }).eventId;

      // Until the shipment's transaction waits for that lock.
      await waitFor(
        async () => {
          const waiting = await receiver.sql.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
          expect(waiting.rowCount, 'the shipment transaction waits for the purchase-order lock').toBe(1);
        },
        { interval: 20 },
      );

      // What linking does: it touches the purchase order's unlinked shipment lines.
      const linked = await order.query(
        `UPDATE "${receiver.schema}".shipment_lines SET order_id = NULL WHERE purchase_order_number = $1 AND order_id IS NULL`,
        [PURCHASE_ORDER_NUMBER],
      );
      expect(linked.rowCount).toBe(2); // the shipment had not touched them: it waits for the lock first
      await order.query('COMMIT');
    } catch (error) {
      await order.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      order.release();
    }

    // No deadlock: PostgreSQL would have aborted one of the two transactions. Not the order's (its
    // UPDATE and COMMIT above went through), and not the shipment's: its one attempt succeeded.
    const [event] = await receiver.waitForEvents([eventId]);
    expect(event.status).toBe('processed');
    const stored = await receiver.sql.query(`SELECT attempts, last_error FROM "${receiver.schema}".webhook_events WHERE id = $1`, [eventId]);
    expect(stored.rows[0]).toEqual({ attempts: 1, last_error: null });
    const lines = await receiver.sql.query(`SELECT count(*)::int AS n FROM "${receiver.schema}".shipment_lines WHERE purchase_order_number = $1`, [PURCHASE_ORDER_NUMBER]);
    expect(lines.rows[0].n).toBe(2);
  });
});
