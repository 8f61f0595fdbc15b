import { describe, expect, it } from 'vitest';
import { useReceiver } from '../support/receiver-fixture';
import { sample, sampleText } from '../support/samples';
import { incompressibleAscii as noise, incompressibleWide as wide } from '../support/incompressible-text';

const SHIPMENT_ID = 'dcf95157-6451-4be2-a92e-a13a151f9572-SHP2025-0345';

describe('POST shipment webhook', () => {
  const receiver = useReceiver({ label: 'shipment_webhooks' });

  const q = (text: string, values?: unknown[]) => receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values);
  const deliver = async (body: unknown, path = '/shipments') => {
    const response = await receiver.post(path, body);
    const json = (await response.json()) as { eventId: string; message?: string[] };
    if (response.status === 202) await receiver.waitForEvents([json.eventId]);
    return { ...json, status: response.status };
  };
  const lines = () =>
    q(`SELECT despatch_advice_line_position AS pos, purchase_order_line_position AS po_pos, delivery_schedule_position,
              despatch_quantity, backorder_quantity, package_sscc, item_number, order_id, line_id, removed_at IS NOT NULL AS removed
         FROM S.shipment_lines WHERE shipment_id = $1 ORDER BY despatch_advice_line_position`, [SHIPMENT_ID]).then((r) => r.rows);

  it('stores the shipment, its lines (in and out of load carriers) and its documents', async () => {
    const accepted = await deliver(sampleText('post-shipment-event'));
    expect(accepted.status).toBe(202);
    const shipment = (await q(`SELECT * FROM S.shipments WHERE shipment_id = $1`, [SHIPMENT_ID])).rows[0];
    expect(shipment).toMatchObject({
      shipment_number: 'SHP2025-0345',
      supplier_company_id: 'dcf95157-6451-4be2-a92e-a13a151f9572',
      buyer_company_id: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8',
      process_status: 'Issued',
      process_status_reason: null,
    });
    expect(shipment.last_updated_at.toISOString()).toBe('2025-06-30T06:12:44.507Z');
    expect(shipment.shipment.locations).toBeDefined();
    expect(await lines()).toEqual([
      { pos: '1', po_pos: '0010', delivery_schedule_position: '1', despatch_quantity: '120', backorder_quantity: '0',
        package_sscc: '387123450000012345', item_number: 'HYD-4410-22', order_id: null, line_id: null, removed: false },
      { pos: '2', po_pos: '0020', delivery_schedule_position: '1', despatch_quantity: '450', backorder_quantity: '50',
        package_sscc: null, item_number: 'FIT-0090-M16', order_id: null, line_id: null, removed: false },
    ]);
    const documents = (await q(`SELECT object_id, side, order_id, last_updated_at, content_status FROM S.documents WHERE shipment_id = $1`, [SHIPMENT_ID])).rows;
    expect(documents).toEqual([
      { object_id: 'e6782f1e-b51c-43dc-ba21-49686e5726f3', side: 'supplier', order_id: null, last_updated_at: new Date('2025-06-30T06:12:44.507Z'), content_status: 'pending' },
    ]);
  });

  it('links the shipment lines to the order lines once the order arrives', async () => {
    await deliver(sampleText('post-order-event'), '/orders');
    expect((await lines()).map(({ order_id, line_id }) => ({ order_id, line_id }))).toEqual([
      { order_id: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718', line_id: '9027e194-175b-44fc-bd99-bf938de4d763' },
      { order_id: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718', line_id: '9a88a2bc-c6f0-4638-9967-f922d1519ac4' },
    ]);
  });

  it('applies a newer version (approval + buyer document) and ignores an older one', async () => {
    const approved = { eventName: 'ShipmentApprovedByBuyer', shipment: sample('get-shipment-response'), meta: { messageId: 'approved-1' } };
    expect((await deliver(approved)).status).toBe(202);
    const header = (await q(`SELECT process_status, last_updated_at FROM S.shipments WHERE shipment_id = $1`, [SHIPMENT_ID])).rows[0];
    expect(header.process_status).toBe('Approved');
    const documents = (await q(`SELECT object_id, side FROM S.documents WHERE shipment_id = $1 ORDER BY id`, [SHIPMENT_ID])).rows;
    expect(documents).toEqual([
      { object_id: 'e6782f1e-b51c-43dc-ba21-49686e5726f3', side: 'supplier' },
      { object_id: '191f3129-7386-4eb6-a6a1-2788411862c0', side: 'buyer' },
    ]);
    const change = (await q(`SELECT diff FROM S.changes WHERE shipment_id = $1 AND entity = 'shipment' AND change_type = 'updated'`, [SHIPMENT_ID])).rows;
    expect(change).toHaveLength(1);
    expect(change[0].diff['status.processStatus']).toEqual({ old: 'Issued', new: 'Approved' });

    const older = sample('post-shipment-event');
    older.meta.messageId = 'older-redelivery';
    const stale = await deliver(older);
    const status = (await q(`SELECT status FROM S.webhook_events WHERE id = $1`, [stale.eventId])).rows[0].status;
    expect(status).toBe('stale'); // its shipment version is older than the stored one
    expect((await q(`SELECT process_status FROM S.shipments WHERE shipment_id = $1`, [SHIPMENT_ID])).rows[0].process_status).toBe('Approved');
  });

  it('marks a line that a newer version no longer lists as removed, and keeps it', async () => {
    const reissued = sample('get-shipment-response');
    reissued.meta.lastUpdatedAt = '2025-07-02T09:00:00.000Z';
    reissued.lines = [];
    reissued.loadCarriers[0].lines[0].supplierLine.despatchQuantity = 118.25;
    reissued.loadCarriers[0].lines[0].meta.lastUpdatedAt = '2025-07-02T09:00:00.000Z';
    const result = await deliver({ eventName: 'ShipmentReissuedBySupplier', shipment: reissued, meta: { messageId: 'reissued-1' } });
    expect(result.status).toBe(202);
    expect((await lines()).map(({ pos, despatch_quantity, removed }) => ({ pos, despatch_quantity, removed }))).toEqual([
      { pos: '1', despatch_quantity: '118.25', removed: false },
      { pos: '2', despatch_quantity: '450', removed: true },
    ]);
    // Each line's change is its own row; the shipment's diff leaves both line arrays out.
    const changes = (
      await q(`SELECT c.entity, c.diff FROM S.changes c JOIN S.webhook_events e ON e.id = c.event_id WHERE e.message_id = 'reissued-1' AND c.change_type = 'updated' ORDER BY c.id`)
    ).rows;
    expect(changes.find((change) => change.entity === 'shipment').diff).toEqual({});
    expect(changes.filter((change) => change.entity === 'shipment_line').map((change) => change.diff['supplierLine.despatchQuantity'])).toContainEqual(
      expect.objectContaining({ new: 118.25 }),
    );
  });

  it('stores a shipment whose id and documents are at their limits (the unique document index holds them)', async () => {
    const body = sample('post-shipment-event');
    const id = wide(200, 5); // 600 bytes: the worst case of the 200-character shipment id
    body.shipment.id = id;
    body.meta.messageId = 'shipment-documents-at-limits';
    const url = `https://supplier-example.de/${noise(2048 - 'https://supplier-example.de/'.length)}`;
    body.shipment.supplierShipment.documents = [
      { url, code: 'PL-URL', meta: { lastUpdatedAt: '2025-06-30T06:12:44.507Z' } },
      { code: wide(200, 2), revision: wide(100, 3), name: wide(255, 4) },
    ];
    body.shipment.buyerShipment.documents = [{ objectId: noise(200, 7), type: 'Invoice' }];
    const accepted = await deliver(body);
    expect(accepted.status).toBe(202);
    expect((await q(`SELECT status FROM S.webhook_events WHERE id = $1`, [accepted.eventId])).rows[0].status).toBe('processed');
    const documents = (await q(`SELECT side, object_id, url, code FROM S.documents WHERE shipment_id = $1 ORDER BY id`, [id])).rows;
    expect(documents).toEqual([
      { side: 'supplier', object_id: null, url, code: 'PL-URL' },
      { side: 'supplier', object_id: null, url: null, code: wide(200, 2) },
      { side: 'buyer', object_id: noise(200, 7), url: null, code: null },
    ]);
  });

  it('answers 400 to a shipment document reference beyond its limits, naming the field path, and writes nothing', async () => {
    const body = sample('post-shipment-event');
    body.shipment.id = 'dcf95157-6451-4be2-a92e-a13a151f9572-TOO-LONG-DOCS';
    body.meta.messageId = 'shipment-documents-beyond-limits';
    body.shipment.supplierShipment.documents[0].objectId = noise(201);
    body.shipment.supplierShipment.documents[0].meta = [];
    const rejected = await deliver(body);
    expect(rejected.status).toBe(400);
    expect(rejected.message).toEqual(
      expect.arrayContaining([
        'shipment.supplierShipment.documents[0].objectId must be at most 200 characters long',
        'shipment.supplierShipment.documents[0].meta must be an object',
      ]),
    );
    const written = (await q(`SELECT (SELECT count(*) FROM S.shipments WHERE shipment_id = $1)::int AS shipments,
                                     (SELECT count(*) FROM S.shipment_lines WHERE shipment_id = $1)::int AS lines,
                                     (SELECT count(*) FROM S.documents WHERE shipment_id = $1)::int AS documents,
                                     (SELECT count(*) FROM S.changes WHERE shipment_id = $1)::int AS changes`, [body.shipment.id])).rows[0];
    expect(written).toEqual({ shipments: 0, lines: 0, documents: 0, changes: 0 });
  });

  it('answers 400 naming the field, and 200 to a redelivery', async () => {
    const invalid = sample('post-shipment-event');
    invalid.shipment.lines[0].supplierLine.despatchQuantity = 'many';
    delete invalid.shipment.meta;
    const rejected = await deliver(invalid);
    expect(rejected.status).toBe(400);
    expect(rejected.message).toEqual(
      expect.arrayContaining(['shipment.lines[0].supplierLine.despatchQuantity must be a number', expect.stringMatching(/^shipment\.meta/)]),
    );
    const again = await receiver.post('/shipments', sampleText('post-shipment-event'));
    expect(again.status).toBe(200);
  });
});
