import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/changes/lossless-json';
import { buildOrderEvent, buildSingleDeliveryOrderEvent } from '../../src/cli/simulate/order-builders';
import { jsonToTxml } from '../../src/inbox/txml/json-to-txml';
import { OrderWebhookBodyDto } from '../../src/orders/dto/order-events.dto';
import { RunningReceiver, useReceiver, waitFor } from '../support/receiver-fixture';
import { sampleText } from '../support/samples';

/** Columns that say when a row was written (they differ between two databases written one after the other). */
const WHEN = ['created_at', 'updated_at', 'recorded_at', 'received_at', 'processed_at', 'last_attempt_at', 'leased_until', 'downloaded_at', 'available_at'];
const TABLES: Record<string, string> = {
  orders: 'order_id',
  order_lines: 'order_id, line_id',
  delivery_lines: 'order_id, line_id, schedule, seq',
  documents: 'order_id, document_key',
  changes: 'id',
  shipments: 'shipment_id',
  shipment_lines: 'shipment_id',
  document_contents: '1',
  document_downloads: '1',
  webhook_events: 'id',
};

const EXCEPT: Record<string, string[]> = {
  // What the tXML request stores beyond the JSON one: its XML (raw_body), and the hash of that XML
  // as key when there is no message id; body_size is the length of the text processing parses,
  // the JSON as sent or the tXML's conversion (which need not be spaced and ordered alike).
  webhook_events: ['raw_body', 'dedupe_key', 'body_size'],
  // Download attempts run in the background, after the event, at their own pace in each database.
  document_downloads: ['attempts', 'leased_by', 'last_error'],
};

/** Every row of every table of the module (pg-boss's own tables aside), without the write-time columns. */
async function allTables(receiver: RunningReceiver): Promise<Record<string, string[]>> {
  const state: Record<string, string[]> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    const drop = [...WHEN, ...(EXCEPT[table] ?? [])].map((column) => ` - '${column}'`).join('');
    const { rows } = await receiver.sql.query<{ r: string }>(`SELECT (to_jsonb(t)${drop})::text AS r FROM "${receiver.schema}".${table} t ORDER BY ${order}`);
    state[table] = rows.map((row) => row.r);
  }
  return state;
}

/** An exact JSON text of a body (LosslessNumbers kept), and its tXML twin. */
function twins(body: unknown, transform: (xml: string) => string = (xml) => xml): { json: string; xml: string } {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  return { json, xml: transform(jsonToTxml(parseExact(json) as Record<string, unknown>, OrderWebhookBodyDto)) };
}

describe('tXML order webhooks: the same rows as their JSON twins', () => {
  // Two databases, so that both receivers hand out the same event ids.
  const viaJson = useReceiver({ label: 'txml_twin_json' });
  const viaXml = useReceiver({ label: 'txml_twin_xml' });

  /** Sends the JSON to one receiver and the tXML to the other, waits for both, and compares every table. */
  async function sendBoth(
    path: string,
    pair: { json: string; xml: string },
    contentType = 'application/xml',
    sendXml = (xml: string) => viaXml.post(path, xml, { 'content-type': contentType }),
  ): Promise<string[]> {
    const [jsonResponse, xmlResponse] = await Promise.all([viaJson.post(path, pair.json), sendXml(pair.xml)]);
    const [jsonAnswer, xmlAnswer] = (await Promise.all([jsonResponse.json(), xmlResponse.json()])) as Array<{ eventId: string; status: string }>;
    expect({ status: xmlResponse.status, body: xmlAnswer }).toEqual({ status: jsonResponse.status, body: jsonAnswer });
    expect(jsonResponse.status).toBe(202);
    const [jsonDone, xmlDone] = await Promise.all([viaJson.waitForEvents([jsonAnswer.eventId]), viaXml.waitForEvents([xmlAnswer.eventId])]);
    expect(xmlDone).toEqual(jsonDone);
    // Document downloads are queued after the event's commit, in the background of each receiver: compare once both have settled.
    await waitFor(async () => expect(await allTables(viaXml)).toEqual(await allTables(viaJson)), { interval: 250 });
    const stored = await viaXml.sql.query(`SELECT raw_body, status FROM "${viaXml.schema}".webhook_events WHERE id = $1`, [xmlAnswer.eventId]);
    expect(stored.rows[0]).toEqual({ raw_body: pair.xml, status: 'processed' });
    return [jsonAnswer.eventId];
  }

  it('a delivery-schedule order: 3 lines × 2 schedule entries, with a header document', async () => {
    await sendBoth('/orders', twins(buildOrderEvent({ seed: 171, lineCount: 3, scheduleEntries: 2, headerDocuments: 1, processStatus: 'InProgress' })));
    const lines = await viaXml.sql.query(`SELECT count(*)::int AS n FROM "${viaXml.schema}".delivery_lines WHERE schedule = 'current'`);
    expect(lines.rows[0].n).toBe(6);
  });

  it('a single-delivery order (with a supplier split line), sent as text/xml', async () => {
    await sendBoth('/orders', twins(buildSingleDeliveryOrderEvent({ seed: 172, lineCount: 2, splitLines: 1 })), 'text/xml; charset=utf-8');
  });

  it('the sample order, then its order-documents event on the order-documents route (+xml content type)', async () => {
    await sendBoth('/orders', twins(sampleText('post-order-event')));
    await sendBoth('/order-documents', twins(sampleText('post-order-documents-event')), 'application/tradecloud+xml');
    const documents = await viaXml.sql.query(`SELECT count(*)::int AS n FROM "${viaXml.schema}".documents WHERE order_id = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718'`);
    expect(documents.rows[0].n).toBeGreaterThan(2);
  });

  it('one-element lists: one line, one schedule entry, one note, one document', async () => {
    const body = buildOrderEvent({ seed: 173, lineCount: 1, scheduleEntries: 1, headerDocuments: 1 });
    body.orderEvent.buyerOrder.notes = ['Only note'];
    body.orderEvent.buyerOrder.labels = ['only-label'];
    const pair = twins(body);
    expect(pair.xml.match(/<line>/g)).toHaveLength(1);
    expect(pair.xml).toContain('<note>Only note</note>');
    await sendBoth('/orders', pair);
  });

  it('empty lists: as empty plural elements they stay empty lists; omitted (Tradecloud\'s form) they equal JSON without them', async () => {
    const body = buildOrderEvent({ seed: 174, lineCount: 2 });
    expect(body.orderEvent.buyerOrder.labels).toEqual([]);
    await sendBoth('/orders', twins(body));

    const withoutEmptyLists = JSON.parse(JSON.stringify(buildOrderEvent({ seed: 175, lineCount: 2 })), (_key, value) => (Array.isArray(value) && value.length === 0 ? undefined : value));
    const tradecloudForm = twins(buildOrderEvent({ seed: 175, lineCount: 2 }), (xml) => xml.replace(/<[A-Za-z]+\/>/g, ''));
    expect(tradecloudForm.xml).not.toMatch(/<labels\/>|<notes\/>|<documents\/>/);
    await sendBoth('/orders', { json: JSON.stringify(withoutEmptyLists), xml: tradecloudForm.xml });
  });

  it('an 18-digit decimal keeps every digit in the delivery lines, prices and changes', async () => {
    const body = buildOrderEvent({ seed: 176, lineCount: 1, scheduleEntries: 1 });
    const line = body.orderEvent.lines[0];
    line.deliverySchedule[0].quantity = 0.5; // placeholders, replaced in the text below
    line.prices.netPrice.priceInTransactionCurrency.value = 0.25;
    const json = JSON.stringify(body).replace(/"quantity":0\.5/g, '"quantity":123456789012345.678').replace(/"value":0\.25/g, '"value":1234567890.12345678');
    await sendBoth('/orders', twins(json));
    const quantity = await viaXml.sql.query(`SELECT quantity::text FROM "${viaXml.schema}".delivery_lines WHERE line_id = $1 AND schedule = 'current'`, [line.id]);
    expect(quantity.rows[0].quantity).toBe('123456789012345.678');
    const price = await viaXml.sql.query(`SELECT net_price::text FROM "${viaXml.schema}".order_lines WHERE line_id = $1`, [line.id]);
    expect(price.rows[0].net_price).toBe('1234567890.12345678');
  });

  it('simpleOrderEvent, in JSON and in tXML: stored as sent, processed and counted as a single-delivery event', async () => {
    const { singleDeliveryOrderEvent, eventName } = buildSingleDeliveryOrderEvent({ seed: 177, lineCount: 2 });
    const body = { eventName, simpleOrderEvent: singleDeliveryOrderEvent };
    const pair = twins(body);
    expect(pair.xml).toContain('<simpleOrderEvent>');
    await sendBoth('/orders', pair);
    const event = await viaXml.sql.query(
      `SELECT payload_kind, body ? 'simpleOrderEvent' AS kept FROM "${viaXml.schema}".webhook_events WHERE entity_id = $1`,
      [singleDeliveryOrderEvent.orderId],
    );
    expect(event.rows).toEqual([{ payload_kind: 'singleDeliveryOrderEvent', kept: true }]);
    const lines = await viaJson.sql.query(`SELECT count(*)::int AS n FROM "${viaJson.schema}".order_lines WHERE order_id = $1`, [singleDeliveryOrderEvent.orderId]);
    expect(lines.rows[0].n).toBe(2);
  });

  it('a body streamed in small pieces without a declared length (split inside tags and characters) is converted as it arrives, to the same rows', async () => {
    const body = buildOrderEvent({ seed: 182, lineCount: 4, scheduleEntries: 2, processStatus: 'InProgress' });
    body.orderEvent.buyerOrder.description = 'Schrauben für Größe 😀 — “Q3”';
    const pair = twins(body);
    const bytes = Buffer.from(pair.xml);
    const split = bytes.indexOf(Buffer.from('😀')) + 2; // inside the 4-byte character
    const pieces = [bytes.subarray(0, 7), bytes.subarray(7, split), ...Array.from({ length: Math.ceil((bytes.length - split) / 997) }, (_, i) => bytes.subarray(split + i * 997, split + (i + 1) * 997))];
    await sendBoth('/orders', pair, 'application/xml', () =>
      fetch(`${viaXml.webhooks}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', authorization: viaXml.authorization },
        body: new ReadableStream({
          start(controller) {
            for (const piece of pieces) controller.enqueue(new Uint8Array(piece));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit),
    );
  });

  it('a tXML redelivery without a message id is a duplicate by the hash of its XML', async () => {
    const body = buildOrderEvent({ seed: 178, lineCount: 1 });
    delete (body.orderEvent as Record<string, unknown>).meta;
    const { xml } = twins(body);
    const first = await viaXml.post('/orders', xml, { 'content-type': 'application/xml' });
    const again = await viaXml.post('/orders', xml, { 'content-type': 'application/xml' });
    const [a, b] = (await Promise.all([first.json(), again.json()])) as Array<{ eventId: string; status: string }>;
    expect([first.status, again.status, b.status, b.eventId]).toEqual([202, 200, 'duplicate', a.eventId]);
    const key = await viaXml.sql.query(`SELECT dedupe_key FROM "${viaXml.schema}".webhook_events WHERE id = $1`, [a.eventId]);
    const { createHash } = await import('node:crypto');
    expect(key.rows[0].dedupe_key).toBe(`orders:sha256:${createHash('sha256').update(xml).digest('hex')}`);
  });

  it('validation names the field by its JSON path, and the request is kept rejected with its XML and its conversion', async () => {
    const body = buildOrderEvent({ seed: 179, lineCount: 2 });
    body.orderEvent.lines[1].lastUpdatedAt = 'yesterday';
    body.orderEvent.lines[0].deliverySchedule[0].quantity = 'many'; // the same entry as deliveryScheduleIncludingRequests[0]
    const { xml } = twins(body);
    const response = await viaXml.post('/orders', xml, { 'content-type': 'application/xml' });
    const answer = (await response.json()) as { message: string[]; eventId: string };
    expect(response.status).toBe(400);
    expect(answer.message).toEqual([
      'orderEvent.lines[0].deliverySchedule[0].quantity must be a number',
      'orderEvent.lines[0].deliveryScheduleIncludingRequests[0].quantity must be a number',
      'orderEvent.lines[1].lastUpdatedAt must be an ISO 8601 date',
    ]);
    const stored = await viaXml.sql.query(`SELECT status, raw_body, body -> 'orderEvent' ->> 'orderId' AS order_id FROM "${viaXml.schema}".webhook_events WHERE id = $1`, [answer.eventId]);
    expect(stored.rows[0]).toEqual({ status: 'rejected', raw_body: xml, order_id: body.orderEvent.orderId });
  });
});

describe('tXML order webhooks: hostile and wrong input', () => {
  const receiver = useReceiver({ label: 'txml_hostile' });

  const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<webhook><eventName>&lol9;</eventName></webhook>`;
  const XXE = `<?xml version="1.0"?><!DOCTYPE webhook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><webhook><eventName>&xxe;</eventName></webhook>`;
  const orderXml = () => twins(buildOrderEvent({ seed: 180, lineCount: 1 })).xml;

  const cases: Array<[string, () => string | Buffer, string, RegExp]> = [
    ['an entity-expansion bomb', () => BILLION_LAUGHS, 'application/xml', /DOCTYPE declaration; DTDs and entity declarations are not accepted/],
    ['an external entity', () => XXE, 'application/xml', /DOCTYPE declaration; DTDs and entity declarations are not accepted/],
    ['malformed XML', () => '<webhook><eventName>x</eventName><orderEvent></webhook>', 'application/xml', /^The body is not well-formed XML: /],
    ['tXML on the JSON content type', orderXml, 'application/json', /^The body is not valid JSON: .*\(the body looks like XML: send tXML with Content-Type application\/xml\)$/],
    ['JSON on the XML content type', () => JSON.stringify(buildOrderEvent({ seed: 181 })), 'application/xml', /^The body is not well-formed XML: .*\(the body looks like JSON: send JSON with Content-Type application\/json\)$/],
    ['invalid UTF-8', () => Buffer.concat([Buffer.from('<webhook><eventName>'), Buffer.from([0xc3, 0x28]), Buffer.from('</eventName></webhook>')]), 'application/xml', /not valid UTF-8/],
    ['two event elements', () => orderXml().replace('</tradecloudWebhook>', '<orderEvent><orderId>x</orderId></orderEvent></tradecloudWebhook>'), 'application/xml', /<orderEvent> appears more than once in <tradecloudWebhook>/],
    ['an unknown array shape', () => orderXml().replace('<line>', '<lines><line/></lines><line>'), 'application/xml', /^unknown array shape: orderEvent\.lines is given both/],
    ['another content type', orderXml, 'text/plain', /^Content-Type must be application\/json or application\/xml \(tXML\), got "text\/plain"/],
  ];

  it.each(cases)('%s: 400 naming the problem, kept rejected with its raw text', async (_name, body, contentType, reason) => {
    const payload = body();
    const response = await fetch(`${receiver.webhooks}/orders`, { method: 'POST', headers: { 'content-type': contentType, authorization: receiver.authorization }, body: payload });
    const answer = (await response.json()) as { message: string[]; eventId: string };
    expect(response.status).toBe(400);
    expect(answer.message).toHaveLength(1);
    expect(answer.message[0]).toMatch(reason);
    const stored = await receiver.sql.query(`SELECT status, last_error, raw_body, body FROM "${receiver.schema}".webhook_events WHERE id = $1`, [answer.eventId]);
    expect(stored.rows[0]).toMatchObject({ status: 'rejected', last_error: answer.message[0], body: null });
    expect(stored.rows[0].raw_body).toBe(Buffer.isBuffer(payload) ? payload.toString('utf8') : payload);
  });

  it('two different event elements, or none: the JSON route\'s message', async () => {
    const both = orderXml().replace('</tradecloudWebhook>', `<orderDocumentsEvent><orderId>${buildOrderEvent({ seed: 180 }).orderEvent.orderId}</orderId></orderDocumentsEvent></tradecloudWebhook>`);
    const none = '<webhook><eventName>OrderLinesConfirmedBySupplier</eventName></webhook>';
    for (const [xml, found] of [[both, 'orderEvent, orderDocumentsEvent'], [none, 'none']]) {
      const response = await fetch(`${receiver.webhooks}/orders`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: receiver.authorization }, body: xml });
      const answer = (await response.json()) as { message: string[]; eventId: string };
      expect([response.status, answer.message]).toEqual([400, [`body must contain exactly one of orderEvent, singleDeliveryOrderEvent, orderDocumentsEvent (found ${found})`]]);
      const stored = await receiver.sql.query(`SELECT status, raw_body FROM "${receiver.schema}".webhook_events WHERE id = $1`, [answer.eventId]);
      expect(stored.rows[0]).toEqual({ status: 'rejected', raw_body: xml });
    }
  });

  it('the shipment route takes JSON only and says so for XML', async () => {
    const response = await fetch(`${receiver.webhooks}/shipments`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: receiver.authorization }, body: '<webhook/>' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string[] }).message).toEqual(['Content-Type must be application/json, got "application/xml"']);
  });
});
