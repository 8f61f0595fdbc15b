import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';

/**
 * Tables whose rows are rewritten version after version keep room on their pages (`fillfactor`),
 * so that a newer version of a row can stay on its page without new index entries (migration
 * UpdateSpace). `order_lines` is left full: most line versions change an indexed column.
 */
describe('room for updated row versions', () => {
  const receiver = useReceiver({ label: 'update_space' });

  it('is kept on shipments, shipment lines and orders, not on order lines', async () => {
    const rows = await receiver.q<{ relname: string; reloptions: string[] | null }>(
      `SELECT relname, reloptions FROM pg_class
        WHERE relnamespace = $1::regnamespace AND relname IN ('shipments', 'shipment_lines', 'orders', 'order_lines')
        ORDER BY relname`,
      [receiver.schema],
    );
    const fillfactor = Object.fromEntries(rows.map((row) => [row.relname, row.reloptions?.find((option) => option.startsWith('fillfactor=')) ?? null]));
    expect(fillfactor).toEqual({ order_lines: null, orders: 'fillfactor=70', shipment_lines: 'fillfactor=70', shipments: 'fillfactor=70' });
  });
});
