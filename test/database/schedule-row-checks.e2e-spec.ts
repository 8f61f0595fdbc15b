import { beforeAll, describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { sample } from '../support/samples';

const ORDER_ID = 'dddddddd-6666-4777-8888-000000000001';
const NO_SUCH_LINE = 'dddddddd-6666-4777-8888-0000000000ff';

/**
 * Schedule and delivery-history rows belong to an order line, checked once per statement by
 * triggers (migration ScheduleRowChecks) where a foreign key checked every row: a row of a line
 * that does not exist is refused with SQLSTATE 23503 as the key refused it, deleting a line
 * deletes its rows, and a line's key cannot change.
 */
describe('schedule rows and their order line', () => {
  const receiver = useReceiver({ label: 'schedule_row_checks' });
  let lineIds: string[] = [];

  beforeAll(async () => {
    const body = sample('post-order-event');
    body.orderEvent.orderId = ORDER_ID;
    body.orderEvent.meta.messageId = 'schedule-row-checks-1';
    const response = await receiver.post('/orders', JSON.stringify(body));
    expect(response.status).toBe(202);
    const { eventId } = (await response.json()) as { eventId: string };
    const [event] = await receiver.waitForEvents([eventId]);
    expect(event.status).toBe('processed');
    lineIds = (await receiver.q<{ line_id: string }>(`SELECT line_id FROM S.order_lines WHERE order_id = $1 ORDER BY position`, [ORDER_ID])).map((row) => row.line_id);
    expect(lineIds.length).toBeGreaterThanOrEqual(2);
    await receiver.q(`INSERT INTO S.delivery_history (order_id, line_id, seq, position, date, quantity) VALUES ($1, $2, 0, '1', '2025-07-01', 5), ($1, $3, 0, '1', '2025-07-02', 6)`, [
      ORDER_ID,
      lineIds[0],
      lineIds[1],
    ]);
  });

  const countOf = async (table: string, lineId: string) =>
    Number((await receiver.q<{ n: string }>(`SELECT count(*) AS n FROM S.${table} WHERE order_id = $1 AND line_id = $2`, [ORDER_ID, lineId]))[0].n);
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: { code?: string; message: string; detail?: string }) => error,
    );

  it('refuses a statement that writes a row of a line that does not exist, and writes none of its rows', async () => {
    const before = await countOf('delivery_lines', lineIds[0]);
    const error = await failureOf(
      receiver.q(
        `INSERT INTO S.delivery_lines (order_id, line_id, schedule, seq, date, quantity)
         VALUES ($1, $2, 'current', 90, '2025-08-01', 1), ($1, $3, 'current', 0, '2025-08-01', 1)`,
        [ORDER_ID, lineIds[0], NO_SUCH_LINE],
      ),
    );
    expect(error?.code).toBe('23503');
    expect(error?.message).toMatch(/table "delivery_lines" refers to an order line that does not exist/);
    expect(error?.detail).toBe(`Key (order_id, line_id)=(${ORDER_ID}, ${NO_SUCH_LINE}) is not present in table "order_lines".`);
    expect(await countOf('delivery_lines', lineIds[0])).toBe(before);

    const history = await failureOf(
      receiver.q(`INSERT INTO S.delivery_history (order_id, line_id, seq, date, quantity) VALUES ($1, $2, 5, '2025-08-01', 1)`, [ORDER_ID, NO_SUCH_LINE]),
    );
    expect(history?.code).toBe('23503');
  });

  it('refuses moving a row to a line that does not exist', async () => {
    const error = await failureOf(receiver.q(`UPDATE S.delivery_lines SET line_id = $3 WHERE order_id = $1 AND line_id = $2`, [ORDER_ID, lineIds[0], NO_SUCH_LINE]));
    expect(error?.code).toBe('23503');
    expect(await countOf('delivery_lines', NO_SUCH_LINE)).toBe(0);
  });

  it('refuses changing the key of an order line', async () => {
    const error = await failureOf(receiver.q(`UPDATE S.order_lines SET line_id = $3 WHERE order_id = $1 AND line_id = $2`, [ORDER_ID, lineIds[0], NO_SUCH_LINE]));
    expect(error?.code).toBe('23503');
    expect(error?.message).toMatch(/the key of order line .* cannot change/);
  });

  it("deletes a line's schedule and history rows with the line, and only those", async () => {
    expect(await countOf('delivery_lines', lineIds[0])).toBeGreaterThan(0);
    const otherSchedules = await countOf('delivery_lines', lineIds[1]);
    expect(otherSchedules).toBeGreaterThan(0);
    await receiver.q(`DELETE FROM S.order_lines WHERE order_id = $1 AND line_id = $2`, [ORDER_ID, lineIds[0]]);
    expect(await countOf('delivery_lines', lineIds[0])).toBe(0);
    expect(await countOf('delivery_history', lineIds[0])).toBe(0);
    expect(await countOf('delivery_lines', lineIds[1])).toBe(otherSchedules);
    expect(await countOf('delivery_history', lineIds[1])).toBe(1);
  });
});
