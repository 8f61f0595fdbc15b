import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleRowChecks1765000026000 } from '../../migrations/1765000026000-ScheduleRowChecks';
import { ScheduleRowChecksPerLine1765000027000 } from '../../migrations/1765000027000-ScheduleRowChecksPerLine';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../../src/database/tradecloud-data-source';
import { useDatabase, useReceiver } from '../support/receiver-fixture';
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

describe('migration ScheduleRowChecks down', () => {
  const database = useDatabase('schedule_row_checks_down');
  const KEPT_LINE = 'dddddddd-6666-4777-8888-000000000011';
  const DELETED_LINE = 'dddddddd-6666-4777-8888-000000000012';
  let dataSource: TradecloudDataSource;

  beforeAll(async () => {
    dataSource = new TradecloudDataSource(tradecloudDataSourceOptions({ url: database.url, schema: 'tc_schedule_down' }));
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  const rowsOf = async (table: string) =>
    (await dataSource.query(`SELECT line_id FROM tc_schedule_down.${table} ORDER BY line_id, seq`)).map((row: { line_id: string }) => row.line_id);
  /** One schedule row and one history row of the line, through `runner` (a transaction's) or the pool. */
  const writeRowsOf = async (runner: { query(text: string, values?: unknown[]): Promise<unknown> }, lineId: string) => {
    await runner.query(`INSERT INTO tc_schedule_down.delivery_lines (order_id, line_id, schedule, seq, date, quantity) VALUES ($1, $2, 'current', 0, '2025-08-01', 1)`, [ORDER_ID, lineId]);
    await runner.query(`INSERT INTO tc_schedule_down.delivery_history (order_id, line_id, seq, date, quantity) VALUES ($1, $2, 0, '2025-08-01', 1)`, [ORDER_ID, lineId]);
  };

  it('checks each line once (ScheduleRowChecksPerLine) and every row again after its down, refusing the same rows', async () => {
    await dataSource.runMigrations();
    const PER_LINE_ORDER = 'dddddddd-6666-4777-8888-000000000021';
    const LINE = 'dddddddd-6666-4777-8888-000000000022';
    await dataSource.query(`INSERT INTO tc_schedule_down.orders (order_id, purchase_order_number, last_updated_at, header) VALUES ($1, 'PO-PER-LINE', now(), '{}')`, [PER_LINE_ORDER]);
    await dataSource.query(`INSERT INTO tc_schedule_down.order_lines (order_id, line_id, last_updated_at, line) VALUES ($1, $2, now(), '{}')`, [PER_LINE_ORDER, LINE]);
    // Many rows of one line, and one of a line that does not exist.
    const write = (seq: number, lineId: string) =>
      dataSource.query(
        `INSERT INTO tc_schedule_down.delivery_lines (order_id, line_id, schedule, seq, date, quantity)
         SELECT $1::uuid, $2::uuid, 'current', s, '2025-08-01'::date, 1 FROM generate_series($3::int, $3::int + 99) AS s
         UNION ALL SELECT $1::uuid, $4::uuid, 'current', 1000, '2025-08-01'::date, 1`,
        [PER_LINE_ORDER, LINE, seq, lineId],
      );
    const refusal = (seq: number) => write(seq, NO_SUCH_LINE).then(() => undefined, (error: { code?: string; detail?: string }) => error);
    const refused = await refusal(0);
    expect(refused?.code).toBe('23503');
    expect(refused?.detail).toBe(`Key (order_id, line_id)=(${PER_LINE_ORDER}, ${NO_SUCH_LINE}) is not present in table "order_lines".`);
    await write(0, LINE); // the same rows with the extra one on the line itself: accepted

    const migration = new ScheduleRowChecksPerLine1765000027000();
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await migration.down(runner);
    await runner.commitTransaction();
    expect((await refusal(100))?.code).toBe('23503');
    await migration.up(runner);
    await runner.release();
    expect((await refusal(100))?.code).toBe('23503');
    const stored = await dataSource.query(`SELECT count(*)::int AS n FROM tc_schedule_down.delivery_lines WHERE order_id = $1`, [PER_LINE_ORDER]);
    expect(stored[0].n).toBe(101);
    await dataSource.query(`DELETE FROM tc_schedule_down.orders WHERE order_id = $1`, [PER_LINE_ORDER]);
    await dataSource.query(`DELETE FROM tc_schedule_down.order_lines WHERE order_id = $1`, [PER_LINE_ORDER]);
  });

  it('puts the foreign keys back even where rows of a deleted line were left behind, deleting those rows as the keys would have', async () => {
    await dataSource.runMigrations();
    await dataSource.query(`INSERT INTO tc_schedule_down.orders (order_id, purchase_order_number, last_updated_at, header) VALUES ($1, 'PO-DOWN', now(), '{}')`, [ORDER_ID]);
    await dataSource.query(`INSERT INTO tc_schedule_down.order_lines (order_id, line_id, last_updated_at, line) VALUES ($1, $2, now(), '{}'), ($1, $3, now(), '{}')`, [
      ORDER_ID,
      KEPT_LINE,
      DELETED_LINE,
    ]);
    await writeRowsOf(dataSource, KEPT_LINE);

    // The gap the migration documents: the triggers do not lock the line, so a line deleted while
    // another transaction writes its rows keeps them (the deletion does not see them yet).
    const writer = dataSource.createQueryRunner();
    await writer.startTransaction();
    await writeRowsOf(writer, DELETED_LINE);
    await dataSource.query(`DELETE FROM tc_schedule_down.order_lines WHERE line_id = $1`, [DELETED_LINE]);
    await writer.commitTransaction();
    await writer.release();
    expect(await rowsOf('delivery_lines')).toEqual([KEPT_LINE, DELETED_LINE]);
    expect(await rowsOf('delivery_history')).toEqual([KEPT_LINE, DELETED_LINE]);

    // In one transaction, as `migration:revert` runs it. Run by hand: later migrations may have been added after this one.
    const migration = new ScheduleRowChecks1765000026000();
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await migration.down(runner);
    await runner.commitTransaction();
    expect(await rowsOf('delivery_lines')).toEqual([KEPT_LINE]);
    expect(await rowsOf('delivery_history')).toEqual([KEPT_LINE]);
    const keys = await dataSource.query(
      `SELECT conname FROM pg_constraint WHERE connamespace = 'tc_schedule_down'::regnamespace AND contype = 'f' AND conname LIKE 'delivery%' ORDER BY conname`,
    );
    expect(keys.map((key: { conname: string }) => key.conname)).toEqual(['delivery_history_line_fkey', 'delivery_lines_line_fkey']);
    await expect(writeRowsOf(dataSource, DELETED_LINE)).rejects.toThrow(/violates foreign key constraint "delivery_lines_line_fkey"/);

    await migration.up(runner);
    await runner.release();
  });
});
