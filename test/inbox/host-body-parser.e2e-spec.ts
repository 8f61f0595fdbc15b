import { ConsoleLogger } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { sampleText } from '../support/samples';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { useDatabase } from '../support/receiver-fixture';

const ORDER_ID = '11111111-2222-4333-8444-555555555555';
/** A real order event whose numbers a JSON.parse + JSON.stringify round trip would change. */
const exactOrder = sampleText('post-order-event')
  .replace('"orderId": "d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718"', `"orderId": "${ORDER_ID}"`)
  .replace(/"quantity": 120, "status": "Open"/, '"quantity": 12345678901234.56789, "status": "Open"')
  .replace(/"value": 18.45/g, '"value": 0.10');

/** Error lines the app logged, to see the refusal named. */
class RecordingLogger extends ConsoleLogger {
  readonly errors: string[] = [];
  override error(message: unknown, ...rest: unknown[]): void {
    void rest;
    this.errors.push(String(message));
  }
}

describe('webhook bodies under the host application body parser', () => {
  const database = useDatabase('host_body_parser');

  async function storedExactly(receiver: ReceiverApp, eventId: string): Promise<void> {
    await receiver.waitForEvents([eventId]);
    const line = (
      await receiver.sql.query(
        `SELECT net_price::text, line #>> '{deliverySchedule,0,quantity}' AS json_quantity, line #>> '{prices,netPrice,priceInTransactionCurrency,value}' AS json_price
           FROM "${receiver.schema}".order_lines WHERE order_id = $1 AND position = '0010'`,
        [ORDER_ID],
      )
    ).rows[0];
    expect(line).toEqual({ net_price: '0.10', json_quantity: '12345678901234.56789', json_price: '0.10' });
    const stored = (await receiver.sql.query(`SELECT body::text FROM "${receiver.schema}".webhook_events WHERE id = $1`, [eventId])).rows[0];
    expect(stored.body).toContain('12345678901234.56789');
  }

  it('bodyParser: false (the receiver reads the body itself, after authentication): exact', async () => {
    const receiver = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_no_parser' });
    try {
      const response = await receiver.post('/orders', exactOrder);
      expect(response.status).toBe(202);
      await storedExactly(receiver, ((await response.json()) as { eventId: string }).eventId);
    } finally {
      await receiver.close();
    }
  });

  it("rawBody: true with the host's JSON parser: the raw bytes are used, exact", async () => {
    const receiver = await startReceiverApp({
      databaseUrl: database.url,
      schema: 'tc_raw_body',
      appOptions: { bodyParser: true, rawBody: true },
      beforeListen: (app) => (app as never as { useBodyParser(type: string, options: object): void }).useBodyParser('json', { limit: '50mb' }),
    });
    try {
      const response = await receiver.post('/orders', exactOrder);
      expect(response.status).toBe(202);
      await storedExactly(receiver, ((await response.json()) as { eventId: string }).eventId);
      // The host's other routes still see a parsed body; a redelivery is recognised (same hash).
      expect((await receiver.post('/orders', exactOrder)).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it("the host's JSON parser without rawBody: 503 (Tradecloud retries), an error naming the fix, nothing stored", async () => {
    const logger = new RecordingLogger();
    logger.setLogLevels(['error']);
    const receiver = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_parsed_only', appOptions: { bodyParser: true, logger } });
    try {
      const response = await receiver.post('/orders', exactOrder);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeTruthy();
      expect(logger.errors.join('\n')).toMatch(/rawBody: true/);
      expect(logger.errors.join('\n')).toMatch(/bodyParser: false/);
      const { rows } = await receiver.sql.query(`SELECT count(*)::int AS n FROM "${receiver.schema}".webhook_events`);
      expect(rows[0].n).toBe(0);
    } finally {
      await receiver.close();
    }
  });
});
