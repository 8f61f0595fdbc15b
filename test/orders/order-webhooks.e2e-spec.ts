import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { sample, sampleText } from '../support/samples';
import { incompressibleAscii as noise, incompressibleWide as wide } from '../support/incompressible-text';

describe('POST order webhooks', () => {
  const receiver = useReceiver({ label: 'order_webhooks', options: { webhooks: { bodyLimitBytes: 256 * 1024 } } });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const send = async (body: unknown, path = '/orders') => {
    const response = await receiver.post(path, body);
    return { status: response.status, body: (await response.json()) as { eventId: string; status?: string; message?: string[] } };
  };

  it('stores an orderEvent: header, lines with exact prices, the four schedules, documents and changes', async () => {
    const accepted = await send(sampleText('post-order-event'));
    expect(accepted).toMatchObject({ status: 202, body: { status: 'accepted' } });
    expect(await receiver.waitForEvents([accepted.body.eventId])).toEqual([{ id: accepted.body.eventId, status: 'processed' }]);

    const order = (await q(`SELECT * FROM S.orders WHERE order_id = 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718'`)).rows[0];
    expect(order).toMatchObject({
      purchase_order_number: 'PO2025-004711',
      buyer_company_id: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8',
      supplier_company_id: 'dcf95157-6451-4be2-a92e-a13a151f9572',
      supplier_account_number: 'SUP-20417',
      process_status: 'InProgress',
      logistics_status: 'Open',
      version: 4,
      last_event_id: accepted.body.eventId,
    });
    expect(order.last_updated_at.toISOString()).toBe('2025-06-12T09:41:27.318Z');
    expect(order.header.lines).toBeUndefined();
    expect(order.header.buyerOrder.destination.city).toBe('Rotterdam');

    const lines = (await q(`SELECT line_id, position, item_number, description, process_status, net_price, currency, price_unit_quantity, line_type
                              FROM S.order_lines ORDER BY position`)).rows;
    expect(lines).toEqual([
      {
        line_id: '9027e194-175b-44fc-bd99-bf938de4d763', position: '0010', item_number: 'HYD-4410-22',
        description: 'Hydraulic hose assembly', process_status: 'Confirmed', net_price: '18.45', currency: 'EUR',
        price_unit_quantity: '1', line_type: 'Item',
      },
      {
        line_id: '9a88a2bc-c6f0-4638-9967-f922d1519ac4', position: '0020', item_number: 'FIT-0090-M16',
        description: 'Straight fitting M16', process_status: 'Confirmed', net_price: '82.8', currency: 'EUR',
        price_unit_quantity: '100', line_type: 'Item',
      },
    ]);
    const schedule = (await q(`SELECT schedule, seq, position, to_char(date, 'YYYY-MM-DD') AS date, quantity, status FROM S.delivery_lines
                                WHERE line_id = '9027e194-175b-44fc-bd99-bf938de4d763' ORDER BY schedule, seq`)).rows;
    expect(schedule).toEqual([
      { schedule: 'confirmed', seq: 0, position: '1', date: '2025-07-01', quantity: '120', status: null },
      { schedule: 'confirmed', seq: 1, position: '2', date: '2025-07-15', quantity: '80', status: null },
      { schedule: 'current', seq: 0, position: '1', date: '2025-07-01', quantity: '120', status: 'Open' },
      { schedule: 'current', seq: 1, position: '2', date: '2025-07-15', quantity: '80', status: 'Open' },
      { schedule: 'current_incl_requests', seq: 0, position: '1', date: '2025-07-01', quantity: '120', status: 'Open' },
      { schedule: 'current_incl_requests', seq: 1, position: '2', date: '2025-07-15', quantity: '80', status: 'Open' },
      { schedule: 'requested', seq: 0, position: '1', date: '2025-07-01', quantity: '120', status: null },
      { schedule: 'requested', seq: 1, position: '2', date: '2025-07-15', quantity: '80', status: null },
    ]);
    const documents = (await q(`SELECT object_id, code, revision, side, line_id, content_status FROM S.documents WHERE order_id = $1`, [
      'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
    ])).rows;
    expect(documents).toEqual([
      { object_id: '977379cc-d94d-4750-ace9-c74ffcd4f0bf', code: 'SPEC-8841', revision: 'C', side: 'buyer', line_id: null, content_status: 'pending' },
    ]);
    const changes = (await q(`SELECT entity, change_type, event_name FROM S.changes WHERE event_id = $1 ORDER BY id`, [accepted.body.eventId])).rows;
    expect(changes).toEqual([
      { entity: 'order', change_type: 'created', event_name: 'OrderLinesAcceptedBySupplier' },
      { entity: 'order_line', change_type: 'created', event_name: 'OrderLinesAcceptedBySupplier' },
      { entity: 'order_line', change_type: 'created', event_name: 'OrderLinesAcceptedBySupplier' },
      { entity: 'document', change_type: 'created', event_name: 'OrderLinesAcceptedBySupplier' },
    ]);
  });

  it('keeps every decimal digit of quantities and prices, in columns and in the stored JSON', async () => {
    const text = sampleText('post-order-event')
      .replace('"orderId": "d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718"', '"orderId": "11111111-2222-4333-8444-555555555555"')
      .replace('"messageId": "0ef76b32-32c4-477c-8bc7-9ad3b8f568b8"', '"messageId": "decimals-1"')
      .replace(/"quantity": 120, "status": "Open"/, '"quantity": 123456789012345.123456789, "status": "Open"')
      .replace(/"value": 18.45/g, '"value": 0.000000000000000001');
    const accepted = await send(text);
    await receiver.waitForEvents([accepted.body.eventId]);
    const line = (await q(`SELECT net_price::text, line #>> '{deliverySchedule,0,quantity}' AS json_quantity
                             FROM S.order_lines WHERE order_id = '11111111-2222-4333-8444-555555555555' AND position = '0010'`)).rows[0];
    expect(line).toEqual({ net_price: '0.000000000000000001', json_quantity: '123456789012345.123456789' });
    const entry = (await q(`SELECT quantity::text FROM S.delivery_lines
                              WHERE order_id = '11111111-2222-4333-8444-555555555555' AND schedule = 'current' AND seq = 0
                                AND line_id = '9027e194-175b-44fc-bd99-bf938de4d763'`)).rows[0];
    expect(entry.quantity).toBe('123456789012345.123456789');
  });

  it('stores a singleDeliveryOrderEvent: the split line has no position, its single delivery is the current schedule', async () => {
    const accepted = await send(sampleText('post-single-delivery-order-event'));
    await receiver.waitForEvents([accepted.body.eventId]);
    const lines = (await q(`SELECT line_id, position, original_position, in_progress_status, net_price FROM S.order_lines
                             WHERE order_id = 'e83d941e-59a7-41b8-a25d-d808523a0ba4' ORDER BY line_id`)).rows;
    expect(lines).toEqual([
      { line_id: '0105c53a-11cc-442e-820a-c265a422f46e', position: null, original_position: '0010', in_progress_status: 'OpenSupplierProposal', net_price: '3.1' },
      { line_id: 'd9eeb8d9-867d-414c-b695-3c82fe02948b', position: '0010', original_position: null, in_progress_status: 'OpenSupplierProposal', net_price: '2.95' },
    ]);
    const schedules = (await q(`SELECT schedule, seq, position, to_char(date, 'YYYY-MM-DD') AS date, quantity FROM S.delivery_lines
                                 WHERE line_id = 'd9eeb8d9-867d-414c-b695-3c82fe02948b' ORDER BY schedule`)).rows;
    expect(schedules).toEqual([
      { schedule: 'current', seq: 0, position: null, date: '2025-07-08', quantity: '500' },
      { schedule: 'current_incl_requests', seq: 0, position: null, date: '2025-07-22', quantity: '300' },
    ]);
  });

  it('stores an orderDocumentsEvent on the order-documents route: header and line documents, by side', async () => {
    const accepted = await send(sampleText('post-order-documents-event'), '/order-documents');
    expect(accepted.status).toBe(202);
    await receiver.waitForEvents([accepted.body.eventId]);
    const documents = (await q(`SELECT object_id, url, code, side, line_id, line_position, content_status FROM S.documents
                                 WHERE first_event_id = $1 ORDER BY id`, [accepted.body.eventId])).rows;
    expect(documents).toEqual([
      { object_id: 'f1244bf4-0141-42c8-bbe1-4a2884747691', url: null, code: 'OC-77120', side: 'supplier', line_id: null, line_position: null, content_status: 'pending' },
      { object_id: '5669ec82-5394-4554-8bd3-8507545a0eca', url: null, code: 'CERT-HA-12-2200', side: 'supplier', line_id: '9027e194-175b-44fc-bd99-bf938de4d763', line_position: '0010', content_status: 'pending' },
      { object_id: null, url: 'https://supplier-example.de/content/datasheets/HA-12.pdf', code: 'DS-HA-12', side: 'supplier', line_id: '9027e194-175b-44fc-bd99-bf938de4d763', line_position: '0010', content_status: 'pending' },
    ]);
  });

  it('answers a redelivery 200 and does no work twice (by messageId, else by identical body)', async () => {
    const body = sample('post-order-event');
    body.orderEvent.orderId = '22222222-2222-4333-8444-555555555555';
    body.orderEvent.meta.messageId = 'duplicate-test-message';
    const first = await send(body);
    await receiver.waitForEvents([first.body.eventId]);
    const before = (await q(`SELECT count(*)::int AS n FROM S.changes WHERE order_id = $1`, [body.orderEvent.orderId])).rows[0].n;
    const again = await send({ ...body, unknownTopLevelField: 'same messageId, other bytes' });
    expect(again).toEqual({ status: 200, body: { status: 'duplicate', eventId: first.body.eventId } });

    delete body.orderEvent.meta.messageId;
    const withoutId = await send(body);
    const repeated = await send(body);
    expect(withoutId.status).toBe(202);
    expect(repeated).toEqual({ status: 200, body: { status: 'duplicate', eventId: withoutId.body.eventId } });
    await receiver.waitForEvents([withoutId.body.eventId]);
    const after = (await q(`SELECT count(*)::int AS n FROM S.changes WHERE order_id = $1`, [body.orderEvent.orderId])).rows[0].n;
    expect(after).toBe(before);
    const lines = (await q(`SELECT count(*)::int AS n FROM S.order_lines WHERE order_id = $1`, [body.orderEvent.orderId])).rows[0].n;
    expect(lines).toBe(2);
  });

  it('never lets an older line version overwrite a newer one, and marks that event stale', async () => {
    const newer = sample('post-order-event');
    newer.orderEvent.orderId = '33333333-2222-4333-8444-555555555555';
    newer.orderEvent.meta.messageId = 'newer';
    newer.orderEvent.lastUpdatedAt = newer.orderEvent.lines[0].lastUpdatedAt = '2025-06-20T10:00:00.000Z';
    newer.orderEvent.lines[0].deliverySchedule[0].quantity = 999;
    newer.orderEvent.lines = [newer.orderEvent.lines[0]];
    const older = sample('post-order-event');
    older.orderEvent.orderId = newer.orderEvent.orderId;
    older.orderEvent.meta.messageId = 'older';
    older.orderEvent.lines[0].deliverySchedule[0].quantity = 1;
    older.orderEvent.status.processStatus = 'Issued';

    const first = await send(newer);
    await receiver.waitForEvents([first.body.eventId]);
    const second = await send(older);
    const [done] = await receiver.waitForEvents([second.body.eventId]);
    expect(done.status).toBe('stale');

    const header = (await q(`SELECT process_status, last_updated_at FROM S.orders WHERE order_id = $1`, [newer.orderEvent.orderId])).rows[0];
    expect(header.process_status).toBe('InProgress');
    expect(header.last_updated_at.toISOString()).toBe('2025-06-20T10:00:00.000Z');
    const quantities = (await q(`SELECT l.position, d.quantity FROM S.delivery_lines d JOIN S.order_lines l USING (order_id, line_id)
                                  WHERE d.order_id = $1 AND d.schedule = 'current' AND d.seq = 0 ORDER BY l.position`, [newer.orderEvent.orderId])).rows;
    // line 0010 keeps the newer quantity; line 0020, absent from the newer event, came from the older one
    expect(quantities).toEqual([{ position: '0010', quantity: '999' }, { position: '0020', quantity: '500' }]);
    const outcome = (await q(`SELECT outcome FROM S.webhook_events WHERE id = $1`, [second.body.eventId])).rows[0].outcome;
    expect(outcome).toMatchObject({ header: 'stale', lines: { created: 1, stale: ['9027e194-175b-44fc-bd99-bf938de4d763'] } });
  });

  it('records what changed on a line, field by field', async () => {
    const body = sample('post-order-event');
    body.orderEvent.orderId = '44444444-2222-4333-8444-555555555555';
    body.orderEvent.meta.messageId = 'diff-1';
    const first = await send(body);
    await receiver.waitForEvents([first.body.eventId]);
    body.orderEvent.meta.messageId = 'diff-2';
    body.orderEvent.lastUpdatedAt = body.orderEvent.lines[0].lastUpdatedAt = '2025-06-14T08:00:00.000Z';
    body.orderEvent.lines = [body.orderEvent.lines[0]];
    body.orderEvent.lines[0].deliverySchedule[1].quantity = 85.5;
    body.eventName = 'OrderLinesDeliveryScheduleLogisticsUpdatedBySupplier';
    const second = await send(body);
    await receiver.waitForEvents([second.body.eventId]);
    const change = (await q(`SELECT entity, change_type, line_id, event_name, previous_last_updated_at, last_updated_at, diff
                               FROM S.changes WHERE event_id = $1 AND entity = 'order_line'`, [second.body.eventId])).rows;
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({ change_type: 'updated', line_id: '9027e194-175b-44fc-bd99-bf938de4d763', event_name: 'OrderLinesDeliveryScheduleLogisticsUpdatedBySupplier' });
    expect(change[0].previous_last_updated_at.toISOString()).toBe('2025-06-12T09:41:27.318Z');
    expect(change[0].diff).toEqual({ 'deliverySchedule[1].quantity': { old: 80, new: 85.5 } });
  });

  it('accepts unknown fields and unknown event names, and keeps them', async () => {
    const body = sample('post-order-event');
    body.eventName = 'OrderSomethingNewByBuyer';
    body.orderEvent.orderId = '55555555-2222-4333-8444-555555555555';
    body.orderEvent.meta.messageId = 'unknown-fields';
    body.orderEvent.brandNewHeaderField = { nested: [1, 2] };
    body.orderEvent.lines[0].brandNewLineField = 'kept';
    const accepted = await send(body);
    expect(accepted.status).toBe(202);
    await receiver.waitForEvents([accepted.body.eventId]);
    const row = (await q(`SELECT o.header -> 'brandNewHeaderField' AS h, l.line ->> 'brandNewLineField' AS l
                            FROM S.orders o JOIN S.order_lines l USING (order_id) WHERE order_id = $1 AND l.position = '0010'`, [body.orderEvent.orderId])).rows[0];
    expect(row).toEqual({ h: { nested: [1, 2] }, l: 'kept' });
  });

  it('stores document references at their limits exactly, unknown fields included', async () => {
    const body = sample('post-order-documents-event');
    const event = body.orderDocumentsEvent;
    event.orderId = '66666666-2222-4333-8444-555555555555';
    event.meta.messageId = 'documents-at-limits';
    const line = event.lines[0];
    delete line.id; // the line is then named by its position: 100 three-byte characters in the unique index
    line.buyerLine.position = wide(100);
    const url = `https://supplier-example.de/${noise(2048 - 'https://supplier-example.de/'.length)}`;
    line.supplierLine.documents = [
      { objectId: noise(200, 2), code: wide(200, 2), revision: wide(100, 3), name: wide(255, 4), type: wide(200, 5), checksum: { sha256: 'kept' } },
      { url, code: 'URL-AT-LIMIT', meta: { lastUpdatedAt: '2025-06-12T11:05:43.020Z' } },
      { code: wide(200, 6), revision: wide(100, 7), name: wide(255, 8) }, // no objectId, no url: code + revision + name is the key
    ];
    const accepted = await send(body, '/order-documents');
    expect(accepted.status).toBe(202);
    expect(await receiver.waitForEvents([accepted.body.eventId])).toEqual([{ id: accepted.body.eventId, status: 'processed' }]);
    const rows = (await q(`SELECT object_id, url, code, revision, name, type, document -> 'checksum' AS checksum FROM S.documents
                            WHERE order_id = $1 AND line_position IS NOT NULL ORDER BY id`, [event.orderId])).rows;
    expect(rows).toEqual([
      { object_id: noise(200, 2), url: null, code: wide(200, 2), revision: wide(100, 3), name: wide(255, 4), type: wide(200, 5), checksum: { sha256: 'kept' } },
      { object_id: null, url, code: 'URL-AT-LIMIT', revision: null, name: null, type: null, checksum: null },
      { object_id: null, url: null, code: wide(200, 6), revision: wide(100, 7), name: wide(255, 8), type: null, checksum: null },
    ]);
    expect(Buffer.byteLength(rows[1].url)).toBe(2048);
  });

  describe('bad input', () => {
    const rejectedRow = async (eventId: string) =>
      (await q(`SELECT status, endpoint, last_error, body, raw_body FROM S.webhook_events WHERE id = $1`, [eventId])).rows[0];

    it('answers 400 naming every offending field, and keeps the body as rejected', async () => {
      const body = sample('post-order-event');
      body.orderEvent.orderId = '77777777-2222-4333-8444-555555555555';
      body.orderEvent.lines[1].lastUpdatedAt = 'last tuesday';
      body.orderEvent.lines[0].deliverySchedule[1].quantity = 'eighty';
      delete body.orderEvent.buyerOrder.purchaseOrderNumber;
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(
        expect.arrayContaining([
          'orderEvent.lines[1].lastUpdatedAt must be an ISO 8601 date',
          'orderEvent.lines[0].deliverySchedule[1].quantity must be a number',
          'orderEvent.buyerOrder.purchaseOrderNumber must be a string',
        ]),
      );
      const row = await rejectedRow(response.body.eventId);
      expect(row).toMatchObject({ status: 'rejected', endpoint: 'orders', raw_body: null });
      expect(row.body.orderEvent.lines[1].lastUpdatedAt).toBe('last tuesday');
      expect(row.last_error).toContain('orderEvent.lines[1].lastUpdatedAt must be an ISO 8601 date');
      const written = await q(`SELECT (SELECT count(*) FROM S.orders WHERE order_id = $1)::int AS orders,
                                      (SELECT count(*) FROM S.order_lines WHERE order_id = $1)::int AS lines`, [body.orderEvent.orderId]);
      expect(written.rows[0]).toEqual({ orders: 0, lines: 0 }); // nothing half-written

    });

    it('answers 400 to document references beyond their limits, naming each field path, and writes nothing', async () => {
      // Scoped to these two orders: downloads of earlier tests' documents may still be under way.
      const orderIds = ['99999999-2222-4333-8444-555555555555', '99999999-2222-4333-8444-555555555556'];
      const dataRows = async () =>
        (await q(`SELECT (SELECT count(*) FROM S.orders WHERE order_id = ANY($1))::int AS orders,
                         (SELECT count(*) FROM S.order_lines WHERE order_id = ANY($1))::int AS lines,
                         (SELECT count(*) FROM S.documents WHERE order_id = ANY($1) OR length(object_id) > 200)::int AS documents,
                         (SELECT count(*) FROM S.document_downloads WHERE length(download_key) > length('object:') + 200)::int AS downloads,
                         (SELECT count(*) FROM S.changes WHERE order_id = ANY($1))::int AS changes`, [orderIds])).rows[0];
      const body = sample('post-order-documents-event');
      const event = body.orderDocumentsEvent;
      event.orderId = orderIds[0];
      event.meta.messageId = 'documents-beyond-limits';
      event.supplierOrder.documents[0].objectId = noise(201);
      event.supplierOrder.documents[0].meta = 'yesterday';
      event.lines[0].supplierLine.documents[1].url = `https://supplier-example.de/${noise(2049 - 'https://supplier-example.de/'.length)}`;
      event.lines[0].supplierLine.documents[1].name = noise(256);
      const response = await send(body, '/order-documents');
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual(
        expect.arrayContaining([
          'orderDocumentsEvent.supplierOrder.documents[0].objectId must be at most 200 characters long',
          'orderDocumentsEvent.supplierOrder.documents[0].meta must be an object',
          'orderDocumentsEvent.lines[0].supplierLine.documents[1].name must be at most 255 characters long',
          'orderDocumentsEvent.lines[0].supplierLine.documents[1].url must be at most 2048 bytes long (UTF-8)',
        ]),
      );
      expect(response.body.message!.every((message) => message.startsWith('orderDocumentsEvent.'))).toBe(true);
      const row = await rejectedRow(response.body.eventId);
      expect(row).toMatchObject({ status: 'rejected', endpoint: 'order-documents' });
      expect(row.last_error).toContain('orderDocumentsEvent.supplierOrder.documents[0].objectId must be at most 200 characters long');

      // The 6.7 kB objectId the reliability suite found used to be answered 202, its download then ending dead.
      const huge = sample('post-order-event');
      huge.orderEvent.orderId = orderIds[1];
      huge.orderEvent.meta.messageId = 'huge-object-id';
      huge.orderEvent.buyerOrder.documents[0].objectId = noise(6_700);
      const refused = await send(huge);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toEqual(['orderEvent.buyerOrder.documents[0].objectId must be at most 200 characters long']);
      expect(await dataRows()).toEqual({ orders: 0, lines: 0, documents: 0, downloads: 0, changes: 0 });
    });

    it('answers 400 when the body holds none or several event objects', async () => {
      const none = await send({ eventName: 'OrderIssuedByBuyer' });
      expect(none.status).toBe(400);
      expect(none.body.message).toEqual([
        'body must contain exactly one of orderEvent, singleDeliveryOrderEvent, orderDocumentsEvent (found none)',
      ]);
      const both = sample('post-order-event');
      both.orderDocumentsEvent = sample('post-order-documents-event').orderDocumentsEvent;
      const several = await send(both);
      expect(several.status).toBe(400);
      expect(several.body.message?.[0]).toContain('(found orderEvent, orderDocumentsEvent)');
    });

    it('answers 400 to malformed JSON and to a wrong content type, keeping the raw text', async () => {
      const malformed = await receiver.post('/orders', '{"eventName": "OrderIssuedByBuyer", "orderEvent": {');
      expect(malformed.status).toBe(400);
      const malformedBody = (await malformed.json()) as { message: string[]; eventId: string };
      expect(malformedBody.message[0]).toMatch(/^The body is not valid JSON/);
      expect(await rejectedRow(malformedBody.eventId)).toMatchObject({
        status: 'rejected',
        body: null,
        raw_body: '{"eventName": "OrderIssuedByBuyer", "orderEvent": {',
      });

      const text = await receiver.post('/orders', '<orderEvent/>', { 'content-type': 'text/plain' });
      expect(text.status).toBe(400);
      const textBody = (await text.json()) as { message: string[]; eventId: string };
      expect(textBody.message).toEqual(['Content-Type must be application/json or application/xml (tXML), got "text/plain"']);
      expect((await rejectedRow(textBody.eventId)).raw_body).toBe('<orderEvent/>');

      // XML is tXML on the order routes (test/orders/txml-webhooks.e2e-spec.ts); this root holds no fields.
      const xml = await receiver.post('/orders', '<orderEvent/>', { 'content-type': 'application/xml' });
      expect(xml.status).toBe(400);
      const xmlBody = (await xml.json()) as { message: string[]; eventId: string };
      expect(xmlBody.message).toEqual(['The root element <orderEvent> has no child elements; eventName and an event element are expected']);
      expect((await rejectedRow(xmlBody.eventId)).raw_body).toBe('<orderEvent/>');
    });

    it('answers 413 to a body above the limit, declared or streamed', async () => {
      const big = sample('post-order-event');
      big.orderEvent.padding = 'x'.repeat(300 * 1024);
      const declared = await send(big);
      expect(declared.status).toBe(413);
      expect(declared.body.message).toContain('larger than the limit of 262144 bytes');

      // A chunked body has no Content-Length: it is cut off while streaming.
      const text = JSON.stringify(big);
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < text.length; i += 64 * 1024) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 64 * 1024)));
          controller.close();
        },
      });
      const chunked = await fetch(`${receiver.webhooks}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: receiver.authorization },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
    });
  });
});
