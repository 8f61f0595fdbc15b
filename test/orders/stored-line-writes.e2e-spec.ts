import type { PoolClient } from 'pg';
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/changes/lossless-json';
import { isLocalDate } from '../../src/orders/dto/delivery-line.dto';
import { OrderSnapshotMapper } from '../../src/orders/order-snapshot.mapper';
import { OrderStore } from '../../src/orders/order.store';
import { LOCAL_DATE_PATTERN, localDateSql, storedDatesAreReal } from '../../src/orders/stored-line-sql';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrderEvent } from '../support/tradecloud-simulator';

/**
 * R8 (issue 15): the lines of a stored order event are written from `webhook_events.body` inside
 * PostgreSQL, their schedules and delivery history read by SQL (`stored-line-sql.ts`) instead of
 * by the mapper. These tests apply the same snapshot both ways, in rolled-back transactions of one
 * database, and compare every row; the body is full of what the mapper has to be lenient about
 * (entries that are not objects, lists that are not arrays, impossible dates, numbers as text,
 * exact decimals, a line listed twice).
 */

const ORDER_ID = 'd8d8d8d8-0000-4000-8000-000000000008';

/** Exact numbers are written into the JSON text where these strings stand. */
const EXACT = { '"@Q1"': '12345678901234.56789', '"@Q2"': '92.0', '"@Q3"': '1e2', '"@Q4"': '-1.5E3', '"@Q5"': '0.10' };

/** An order event whose lines carry the edge cases; `repeatFirstLine`: a third entry with the first line's id follows. */
function edgeCaseBody(repeatFirstLine: boolean): string {
  const event = buildOrderEvent({ orderId: ORDER_ID, lineCount: 3, scheduleEntries: 2, lastUpdatedAt: '2025-06-12T09:00:00.000Z' });
  const [first, second, third] = event.orderEvent.lines;
  first.deliverySchedule.push(
    { position: 10, date: '2024-02-29', quantity: '@Q1', etd: '2023-02-29', eta: 20250101, status: null, transportMode: true },
    { date: '2025-06-31', quantity: '12', status: 'Geleverd é \u2028', etd: '2400-02-29', eta: '2100-02-29' },
  );
  first.buyerLine.deliverySchedule = [5, 'x', null, [1], {}, { date: '0000-01-01', quantity: '7' }, { date: '2025-04-31' }, { date: '2025-12-31 ', quantity: '@Q3' }];
  first.confirmedLine = { deliverySchedule: { date: '2025-01-01', quantity: 1 } };
  first.deliveryScheduleIncludingRequests = [{ date: '2000-02-29', quantity: '@Q5', position: '0010' }, { date: '1900-02-29', quantity: '@Q2' }];
  first.buyerLine.deliveryHistory = [{ date: '2100-02-28', quantity: '@Q2', position: 'A' }, { date: '2024-13-01', quantity: '@Q4' }, 7, { position: 1 }];
  second.buyerLine.deliveryHistory = 'not a list';
  second.confirmedLine = [];
  if (repeatFirstLine) {
    third.id = first.id;
    third.deliverySchedule = [{ date: '2026-01-15', quantity: '@Q2', position: '0001' }];
  } else {
    event.orderEvent.lines.pop();
  }
  let text = JSON.stringify(event);
  for (const [mark, number] of Object.entries(EXACT)) text = text.split(mark).join(number);
  return text;
}

describe('order lines written from the stored body (R8)', () => {
  const receiver = useReceiver({ label: 'stored_lines', options: { queue: { workers: false }, documents: { download: false } } });

  const rows = async (client: PoolClient) => {
    const dump = async (query: string) => (await client.query<{ r: string }>(query, [ORDER_ID])).rows.map((row) => row.r);
    return {
      order_lines: await dump(`SELECT (to_jsonb(l) - 'created_at' - 'updated_at')::text AS r FROM tradecloud.order_lines l WHERE order_id = $1 ORDER BY line_id`),
      delivery_lines: await dump(`SELECT to_jsonb(d)::text AS r FROM tradecloud.delivery_lines d WHERE order_id = $1 ORDER BY line_id, schedule, seq`),
      delivery_history: await dump(`SELECT to_jsonb(h)::text AS r FROM tradecloud.delivery_history h WHERE order_id = $1 ORDER BY line_id, seq`),
      changes: await dump(`SELECT (to_jsonb(c) - 'id' - 'recorded_at')::text AS r FROM tradecloud.changes c WHERE order_id = $1 ORDER BY id`),
    };
  };

  /** Applies the body's snapshot in a transaction that is rolled back, and returns the rows it wrote. */
  const applyOnce = async (bodyText: string, eventId: string, fromStoredBody: boolean) => {
    const store = receiver.app!.get(OrderStore);
    const payload = (parseExact(bodyText) as { orderEvent: Record<string, unknown> }).orderEvent;
    const snapshot = new OrderSnapshotMapper().map(payload, 'deliverySchedule');
    if (fromStoredBody) snapshot.source = { eventId, payloadKey: 'orderEvent' };
    const client = await receiver.sql.connect();
    try {
      await client.query('BEGIN');
      await store.applySnapshot(client, snapshot, { eventId, eventName: 'OrderLinesAcceptedBySupplier' });
      return await rows(client);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };

  const store = async (bodyText: string, key: string) =>
    // Stored as a rejected request: the body is in webhook_events, and no worker claims it.
    (
      await receiver.q<{ id: string }>(
        `INSERT INTO S.webhook_events (endpoint, payload_kind, event_name, entity_id, dedupe_key, status, body)
         VALUES ('orders', 'orderEvent', 'OrderLinesAcceptedBySupplier', $1, $2, 'rejected', $3::jsonb) RETURNING id::text`,
        [ORDER_ID, key, bodyText],
      )
    )[0].id;

  it('writes exactly the rows the mapper writes, on lenient and exact input', async () => {
    const bodyText = edgeCaseBody(false);
    const id = await store(bodyText, 'r8-lenient');
    const fromBody = await applyOnce(bodyText, id, true);
    const mapped = await applyOnce(bodyText, id, false);
    expect(fromBody).toEqual(mapped);

    // Not two empty sets: the edge cases are there, as the mapper reads them.
    expect(fromBody.order_lines).toHaveLength(2);
    expect(fromBody.changes).toHaveLength(3);
    expect(fromBody.delivery_lines.some((row) => row.includes('"quantity": 12345678901234.56789') && row.includes('"date": "2024-02-29"') && row.includes('"etd": null'))).toBe(true);
    expect(fromBody.delivery_lines.some((row) => row.includes('"quantity": 0.10') && row.includes('"position": "0010"'))).toBe(true);
    const firstLineId = (JSON.parse(bodyText) as { orderEvent: { lines: Array<{ id: string }> } }).orderEvent.lines[0].id;
    expect(fromBody.delivery_lines.filter((row) => row.includes('"requested"') && row.includes(firstLineId))).toHaveLength(8);
    expect(fromBody.delivery_history).toHaveLength(4);
  });

  it('writes exactly the rows the mapper writes when every date is real (cast without the pattern match)', async () => {
    const event = buildOrderEvent({ orderId: ORDER_ID, lineCount: 4, scheduleEntries: 3, lastUpdatedAt: '2025-06-12T09:00:00.000Z' });
    const [first, second] = event.orderEvent.lines;
    first.buyerLine.deliveryHistory = [{ date: '2024-02-29', quantity: 3, position: 'A' }, { date: null, quantity: 1 }, 7];
    second.deliveryScheduleIncludingRequests = [{ date: '2000-02-29', quantity: 2, etd: 20250101, eta: '9999-12-31' }];
    const bodyText = JSON.stringify(event);
    const lines = (parseExact(bodyText) as { orderEvent: { lines: Array<Record<string, unknown>> } }).orderEvent.lines;
    expect(lines.every((line) => storedDatesAreReal(line))).toBe(true);
    const id = await store(bodyText, 'r8-real-dates');
    const fromBody = await applyOnce(bodyText, id, true);
    const mapped = await applyOnce(bodyText, id, false);
    expect(fromBody).toEqual(mapped);
    expect(fromBody.delivery_lines.some((row) => row.includes('"date": "2000-02-29"') && row.includes('"eta": "9999-12-31"') && row.includes('"etd": null'))).toBe(true);
    expect(fromBody.delivery_history).toHaveLength(3);
  });

  it('writes the later entry of a line listed twice, as the mapper does', async () => {
    const bodyText = edgeCaseBody(true);
    const id = await store(bodyText, 'r8-repeated');
    const fromBody = await applyOnce(bodyText, id, true);
    const mapped = await applyOnce(bodyText, id, false);
    expect(fromBody).toEqual(mapped);
    expect(fromBody.order_lines).toHaveLength(2);
    expect(fromBody.delivery_lines.some((row) => row.includes('"date": "2026-01-15"') && row.includes('"quantity": 92.0'))).toBe(true);
    expect(fromBody.delivery_lines.some((row) => row.includes('12345678901234.56789'))).toBe(false);
  });

  it('recognises the same local dates as isLocalDate', async () => {
    const candidates = ['', '2025-1-01', ' 2025-01-01', '2025-01-01 ', '2025-01-01\n', '２０２５-01-01', '2025/01/01', '20250101', '+2025-01-01', '12025-01-01'];
    for (const year of ['0000', '0001', '0004', '0100', '0400', '1900', '2000', '2023', '2024', '2100', '2400', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) candidates.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
      }
    }
    const matched = await receiver.q<{ text: string; ok: boolean; date: string | null }>(
      `SELECT t.text, t.text ~ $2 AS ok, (${localDateSql("jsonb_build_object('text', t.text)", 'text')})::text AS date FROM unnest($1::text[]) AS t(text)`,
      [candidates, LOCAL_DATE_PATTERN],
    );
    const disagreements = matched.filter((row) => row.ok !== isLocalDate(row.text) || (row.date !== null) !== isLocalDate(row.text) || (row.date !== null && row.date !== row.text));
    expect(disagreements).toEqual([]);
    expect(matched.filter((row) => row.ok).length).toBeGreaterThan(3_000);
  });
});
