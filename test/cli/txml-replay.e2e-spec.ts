import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOrderEvent } from '../../src/cli/simulate/order-builders';
import { jsonToTxml } from '../../src/inbox/txml/json-to-txml';
import { txmlToJson } from '../../src/inbox/txml/txml-to-json';
import { txmlShapeOf } from '../../src/inbox/txml/txml-schema';
import { OrderWebhookBodyDto } from '../../src/orders/dto/order-events.dto';
import { useReceiver } from '../support/receiver-fixture';
import { runCliJson } from './cli-process';

const toTxml = (body: object) => jsonToTxml(JSON.parse(JSON.stringify(body)), OrderWebhookBodyDto);

/** `tradecloud replay` on events that arrived as tXML: the stored XML is what is replayed. */
describe('tradecloud replay of tXML events', () => {
  const receiver = useReceiver({ label: 'txml_replay' });
  let env: Record<string, string>;
  const q = async <T = any>(text: string, values?: unknown[]) => (await receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values)).rows as T[];
  const postXml = async (xml: string) => {
    const response = await receiver.post('/orders', xml, { 'content-type': 'application/xml' });
    const answer = (await response.json()) as { eventId: string };
    return { status: response.status, eventId: answer.eventId };
  };

  beforeAll(async () => {
    env = { DATABASE_URL: receiver.database.url, DATABASE_SCHEMA: receiver.schema };
  });

  it('replays a dead tXML event from its stored conversion; the order is the same afterwards', async () => {
    const body = buildOrderEvent({ seed: 1701, lineCount: 2 });
    const { eventId, status } = await postXml(toTxml(body));
    expect(status).toBe(202);
    await receiver.waitForEvents([eventId]);
    const before = await q(`SELECT to_jsonb(l) - 'updated_at' AS l FROM S.order_lines l WHERE order_id = $1 ORDER BY line_id`, [body.orderEvent.orderId]);
    await q(`UPDATE S.webhook_events SET status = 'dead' WHERE id = $1`, [eventId]);
    const [result] = await runCliJson(['replay', eventId, '--wait'], env);
    expect(result).toMatchObject({ id: eventId, result: 'queued', finalStatus: 'processed' });
    expect(await q(`SELECT to_jsonb(l) - 'updated_at' AS l FROM S.order_lines l WHERE order_id = $1 ORDER BY line_id`, [body.orderEvent.orderId])).toEqual(before);
  });

  it('replays rejected tXML requests from their XML: valid now → accepted and keyed by the XML; still invalid → the reasons of today', async () => {
    // As an older, stricter version would have kept it: the conversion in body, the XML in raw_body.
    const late = buildOrderEvent({ seed: 1702, lineCount: 1 });
    delete (late.orderEvent as Record<string, unknown>).meta;
    const lateXml = toTxml(late);
    const [{ id: lateId }] = await q<{ id: string }>(
      `INSERT INTO S.webhook_events (endpoint, event_name, dedupe_key, status, last_error, body, raw_body)
       VALUES ('orders', $1, $2, 'rejected', 'an older rule', $3::jsonb, $4) RETURNING id::text`,
      [late.eventName, `rejected:${randomUUID()}`, txmlToJson(lateXml, txmlShapeOf(OrderWebhookBodyDto)), lateXml],
    );
    // Refused by an older converter: only the XML was kept.
    const refused = buildOrderEvent({ seed: 1703, lineCount: 1 });
    const refusedXml = toTxml(refused);
    const [{ id: refusedId }] = await q<{ id: string }>(
      `INSERT INTO S.webhook_events (endpoint, dedupe_key, status, last_error, raw_body) VALUES ('orders', $1, 'rejected', 'unknown array shape', $2) RETURNING id::text`,
      [`rejected:${randomUUID()}`, refusedXml],
    );
    const invalid = buildOrderEvent({ seed: 1704, lineCount: 1 });
    invalid.orderEvent.lastUpdatedAt = 'not a time';
    const invalidPost = await postXml(toTxml(invalid));
    expect(invalidPost.status).toBe(400);

    const results = await runCliJson<Array<{ id: string; result: string; finalStatus?: string; detail?: string }>>(['replay', '--status', 'rejected', '--wait'], env);
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));
    expect(byId[lateId]).toMatchObject({ result: 'accepted', finalStatus: 'processed' });
    expect(byId[refusedId]).toMatchObject({ result: 'accepted', finalStatus: 'processed' });
    expect(byId[invalidPost.eventId]).toMatchObject({ result: 'still-rejected', finalStatus: 'rejected', detail: 'orderEvent.lastUpdatedAt must be an ISO 8601 date' });

    const [stored] = await q(`SELECT status, dedupe_key, raw_body FROM S.webhook_events WHERE id = $1`, [lateId]);
    expect(stored).toEqual({ status: 'processed', dedupe_key: `orders:sha256:${createHash('sha256').update(lateXml).digest('hex')}`, raw_body: lateXml });
    const [converted] = await q(`SELECT body -> 'orderEvent' ->> 'orderId' AS order_id FROM S.webhook_events WHERE id = $1`, [refusedId]);
    expect(converted.order_id).toBe(refused.orderEvent.orderId);
    expect(await q(`SELECT order_id FROM S.orders WHERE order_id = ANY($1::uuid[]) ORDER BY order_id`, [[late.orderEvent.orderId, refused.orderEvent.orderId]])).toHaveLength(2);
  });
});
