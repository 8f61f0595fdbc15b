import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlModel1765000021000 } from '../migrations/1765000021000-SqlModel';
import { parseExact, stringifyExact } from '../src/changes/lossless-json';
import { SIMULATED_SUPPLIERS } from '../src/cli/simulate/order-builders';
import { TRADECLOUD_MIGRATIONS } from '../src/database/migrations';
import { TradecloudDataSource, tradecloudDataSourceOptions } from '../src/database/tradecloud-data-source';
import { OrderMode, OrderSnapshotMapper } from '../src/orders/order-snapshot.mapper';
import { ShipmentSnapshotMapper } from '../src/shipments/shipment-snapshot.mapper';
import { useReceiver } from './support/receiver-fixture';
import { buildOrder, buildOrderEvent, buildShipmentEvent, buildSingleDeliveryOrderEvent } from './support/tradecloud-simulator';

/**
 * An installation of the previous version is upgraded: its tables are filled the way the
 * previous version wrote them (the columns it had, single-delivery lines with their two
 * schedules only, a fetched order's header with `id`), then the SqlModel migration runs. Its
 * backfill must give exactly the rows the new code writes when it receives the same events.
 */
const UPGRADED = 'tc_upgraded';
const FRESH = 'tc_fresh';

const ORDER_A = 'a1a1a1a1-0000-4000-8000-000000000121';
const ORDER_B = 'b2b2b2b2-0000-4000-8000-000000000121';
const ORDER_D = 'd4d4d4d4-0000-4000-8000-000000000121';
const issueA = buildOrderEvent({ seed: 31, orderId: ORDER_A, purchaseOrderNumber: 'PO-UP-A', eventName: 'OrderIssuedByBuyer', lastUpdatedAt: '2025-06-01T08:00:00.000Z', lineCount: 2, netPrice: 0.42 });
const acceptA = buildOrderEvent({
  seed: 31,
  orderId: ORDER_A,
  purchaseOrderNumber: 'PO-UP-A',
  eventName: 'OrderLinesAcceptedBySupplier',
  lastUpdatedAt: '2025-06-03T08:00:00.000Z',
  lineCount: 2,
  confirmation: { shiftDays: 9, netPrice: 0.45 },
  netPrice: 0.42,
});
const proposalB = buildSingleDeliveryOrderEvent({
  seed: 32,
  orderId: ORDER_B,
  purchaseOrderNumber: 'PO-UP-B',
  supplierCompanyId: SIMULATED_SUPPLIERS[1].companyId,
  proposal: { netPrice: 3.1, reason: 'Factory shutdown' },
  receipts: 1,
  splitLines: 1,
  lastUpdatedAt: '2025-06-04T08:00:00.000Z',
});
const fetchedD = buildOrder({
  seed: 33,
  orderId: ORDER_D,
  purchaseOrderNumber: 'PO-UP-D',
  supplierCompanyId: SIMULATED_SUPPLIERS[2].companyId,
  processStatus: 'Completed',
  receipts: 2,
  lastUpdatedAt: '2025-06-05T08:00:00.000Z',
});
const shipment = buildShipmentEvent({ seed: 34, shipmentNumber: 'SHP-UP-1', purchaseOrderNumber: 'PO-UP-A', lineCount: 3, loadCarrierCount: 1, containers: true, ata: '2025-07-20' });

/** Writes an event and its order the way the previous version did (its columns, its mapping). */
async function writeLikePreviousVersion(dataSource: TradecloudDataSource, endpoint: string, payloadKind: string, body: Record<string, any>, order: Record<string, any>, mode: OrderMode) {
  const s = UPGRADED;
  const events = await dataSource.query(
    `INSERT INTO ${s}.webhook_events (endpoint, payload_kind, event_name, entity_id, dedupe_key, status, body)
     VALUES ($1, $2, $3, $4, gen_random_uuid()::text, 'processed', $5::jsonb) RETURNING id`,
    [endpoint, payloadKind, body.eventName ?? null, order.orderId ?? order.id, stringifyExact(body)],
  );
  const snapshot = new OrderSnapshotMapper().map(parseExact(JSON.stringify(order)) as Record<string, unknown>, mode);
  const h = snapshot.header;
  const { lines: _lines, ...headerAsReceived } = order; // the previous version kept a fetched order's `id`
  await dataSource.query(
    `INSERT INTO ${s}.orders (order_id, purchase_order_number, buyer_company_id, supplier_company_id, supplier_account_number,
                              process_status, logistics_status, version, last_updated_at, header, last_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)
     ON CONFLICT (order_id) DO UPDATE SET process_status = EXCLUDED.process_status, last_updated_at = EXCLUDED.last_updated_at,
       version = EXCLUDED.version, header = EXCLUDED.header`,
    [h.orderId, h.purchaseOrderNumber, h.buyerCompanyId, h.supplierCompanyId, h.supplierAccountNumber, h.processStatus, h.logisticsStatus, h.version, h.lastUpdatedAt, JSON.stringify(headerAsReceived), events[0].id],
  );
  for (const line of snapshot.lines) {
    await dataSource.query(`DELETE FROM ${s}.order_lines WHERE order_id = $1 AND line_id = $2`, [h.orderId, line.lineId]);
    await dataSource.query(
      `INSERT INTO ${s}.order_lines (order_id, line_id, position, original_position, line_type, item_number, description, process_status,
                                     in_progress_status, logistics_status, net_price, currency, price_unit_quantity, last_updated_at, line)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb)`,
      [h.orderId, line.lineId, line.position, line.originalPosition, line.lineType, line.itemNumber, line.description, line.processStatus,
        line.inProgressStatus, line.logisticsStatus, line.netPrice, line.currency, line.priceUnitQuantity, line.lastUpdatedAt, stringifyExact(line.line)],
    );
    // Single-delivery lines had only their current schedules before.
    const previous = mode === 'singleDelivery' ? line.deliveryLines.filter((entry) => entry.schedule.startsWith('current')) : line.deliveryLines;
    for (const entry of previous) {
      await dataSource.query(
        `INSERT INTO ${s}.delivery_lines (order_id, line_id, schedule, seq, position, date, quantity, status, etd, eta, transport_mode)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [h.orderId, line.lineId, entry.schedule, entry.seq, entry.position, entry.date, entry.quantity, entry.status, entry.etd, entry.eta, entry.transportMode],
      );
    }
  }
}

async function writeShipmentLikePreviousVersion(dataSource: TradecloudDataSource, body: Record<string, any>) {
  const s = UPGRADED;
  await dataSource.query(
    `INSERT INTO ${s}.webhook_events (endpoint, payload_kind, event_name, entity_id, dedupe_key, status, body)
     VALUES ('shipments', 'shipment', $1, $2, gen_random_uuid()::text, 'processed', $3::jsonb)`,
    [body.eventName, body.shipment.id, JSON.stringify(body)],
  );
  const snapshot = new ShipmentSnapshotMapper().map(parseExact(JSON.stringify(body.shipment)) as Record<string, unknown>);
  const h = snapshot.header;
  await dataSource.query(
    `INSERT INTO ${s}.shipments (shipment_id, shipment_number, supplier_company_id, buyer_company_id, process_status, process_status_reason,
                                 transport_mode, last_updated_at, shipment)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [h.shipmentId, h.shipmentNumber, h.supplierCompanyId, h.buyerCompanyId, h.processStatus, h.processStatusReason, h.transportMode, h.lastUpdatedAt, stringifyExact(h.shipment)],
  );
  for (const line of snapshot.lines) {
    await dataSource.query(
      `INSERT INTO ${s}.shipment_lines (shipment_id, despatch_advice_number, despatch_advice_line_position, purchase_order_number,
                                        purchase_order_line_position, delivery_schedule_position, item_number, despatch_quantity,
                                        backorder_quantity, container_number, package_sscc, last_updated_at, line, order_id, line_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, l.order_id, l.line_id
         FROM (SELECT 1) one
         LEFT JOIN ${s}.orders o ON o.purchase_order_number = $4
         LEFT JOIN ${s}.order_lines l ON l.order_id = o.order_id AND l.position = $5`,
      [h.shipmentId, line.despatchAdviceNumber, line.despatchAdviceLinePosition, line.purchaseOrderNumber, line.purchaseOrderLinePosition,
        line.deliverySchedulePosition, line.itemNumber, line.despatchQuantity, line.backorderQuantity, line.containerNumber, line.packageSscc,
        line.lastUpdatedAt, stringifyExact(line.line)],
    );
  }
}

/** The rows of a table in one schema as comparable JSON, without the columns that differ by when and by which event. */
async function rows(dataSource: TradecloudDataSource, schema: string, table: string, orderBy: string, without: string[] = []) {
  const dropped = ['created_at', 'updated_at', 'last_event_id', 'first_event_id', ...without].map((column) => ` - '${column}'`).join('');
  return (await dataSource.query(`SELECT to_jsonb(t)${dropped} AS row FROM ${schema}.${table} t ORDER BY ${orderBy}`)).map((row: { row: unknown }) => row.row);
}

describe('upgrading a database of the previous version (SqlModel migration backfill)', () => {
  let previous: TradecloudDataSource;
  let upgraded: TradecloudDataSource;
  // The same events, received by the new version in a schema of its own (started once the old schema is upgraded).
  const receiver = useReceiver({
    label: 'sql_model_upgrade',
    schema: FRESH,
    simulator: true,
    options: ({ simulator }) => ({ tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials } }),
    before: async ({ database, simulator }) => {
      const options = tradecloudDataSourceOptions({ url: database.url, schema: UPGRADED });
      previous = new TradecloudDataSource({ ...options, migrations: TRADECLOUD_MIGRATIONS.slice(0, TRADECLOUD_MIGRATIONS.indexOf(SqlModel1765000021000)) } as typeof options);
      await previous.initialize();
      await previous.runMigrations();

      await writeLikePreviousVersion(previous, 'orders', 'orderEvent', issueA, issueA.orderEvent, 'deliverySchedule');
      await writeLikePreviousVersion(previous, 'orders', 'orderEvent', acceptA, acceptA.orderEvent, 'deliverySchedule');
      await writeLikePreviousVersion(previous, 'orders', 'singleDeliveryOrderEvent', proposalB, proposalB.singleDeliveryOrderEvent, 'singleDelivery');
      await writeLikePreviousVersion(previous, 'orders-get', 'orderId', { orderId: ORDER_D }, fetchedD, 'deliverySchedule');
      await writeShipmentLikePreviousVersion(previous, shipment);
      await previous.destroy();

      upgraded = new TradecloudDataSource(options);
      await upgraded.initialize();
      await upgraded.runMigrations();
      simulator.orders.set(ORDER_D, fetchedD);
    },
  });

  beforeAll(async () => {
    for (const [route, body] of [['/orders', issueA], ['/orders', acceptA], ['/orders', proposalB], ['/shipments', shipment]] as const) {
      const response = await receiver.post(route, body);
      await receiver.waitForEvents([((await response.json()) as { eventId: string }).eventId], ['processed']);
    }
    const call = await fetch(`${receiver.webhooks}/orders/${ORDER_D}`, { headers: { authorization: receiver.authorization } });
    await receiver.waitForEvents([((await call.json()) as { eventId: string }).eventId], ['processed']);
  });
  afterAll(async () => {
    await upgraded?.destroy();
  });

  it('fills the new order columns, and stores a fetched order header with orderId', async () => {
    const backfilled = await rows(upgraded, UPGRADED, 'orders', 'order_id');
    expect(backfilled).toEqual(await rows(upgraded, FRESH, 'orders', 'order_id'));
    expect(backfilled.map((row: any) => [row.order_type, row.issued_at !== null, row.supplier_name, row.incoterms_code])).toEqual([
      ['Purchase', true, 'Supplier Example GmbH', 'DAP'],
      ['Purchase', true, 'Hydraulics Nord B.V.', 'DAP'],
      ['Purchase', true, 'Bearings & Drives S.r.l.', 'DAP'],
    ]);
  });

  it('fills prices, references, indicators and the proposal reason of every line, in both modes', async () => {
    const backfilled = await rows(upgraded, UPGRADED, 'order_lines', 'order_id, line_id');
    expect(backfilled).toEqual(await rows(upgraded, FRESH, 'order_lines', 'order_id, line_id'));
    expect(backfilled.filter((row: any) => row.confirmed_net_price === 0.45).length).toBe(2);
    // Order B: two lines and one the supplier split off, all with the proposal.
    expect(backfilled.filter((row: any) => row.proposal_reason === 'Factory shutdown').length).toBe(3);
  });

  it('adds the delivery history and the single-delivery requested and confirmed entries', async () => {
    expect(await rows(upgraded, UPGRADED, 'delivery_history', 'order_id, line_id, seq')).toEqual(await rows(upgraded, FRESH, 'delivery_history', 'order_id, line_id, seq'));
    // Order D: 2 lines with 2 receipts each; order B: 3 single-delivery lines with their actual delivery.
    expect((await rows(upgraded, UPGRADED, 'delivery_history', 'order_id, line_id, seq')).length).toBe(2 * 2 + 3);
    expect(await rows(upgraded, UPGRADED, 'delivery_lines', 'order_id, line_id, schedule, seq')).toEqual(
      await rows(upgraded, FRESH, 'delivery_lines', 'order_id, line_id, schedule, seq'),
    );
  });

  it('fills the shipment dates, references and container types', async () => {
    const backfilled = await rows(upgraded, UPGRADED, 'shipments', 'shipment_id');
    expect(backfilled).toEqual(await rows(upgraded, FRESH, 'shipments', 'shipment_id'));
    expect(backfilled[0]).toMatchObject({ ata: '2025-07-20', bill_of_lading_number: 'RTM-BL-SHP-UP-1', invoice_numbers: ['INV-2025-18832'] });
    const lines = await rows(upgraded, UPGRADED, 'shipment_lines', 'despatch_advice_line_position');
    expect(lines).toEqual(await rows(upgraded, FRESH, 'shipment_lines', 'despatch_advice_line_position'));
    expect(lines.map((line: any) => line.container_size_and_type)).toEqual(['42G1', '42G1', null]);
  });

  it('fills the purchase order number, shipment number and acting company of stored events', async () => {
    const columns = `SELECT payload_kind, entity_id, event_name, purchase_order_number, shipment_number, acting_company_id
                       FROM %s.webhook_events ORDER BY entity_id, payload_kind, event_name`;
    const backfilled = await upgraded.query(columns.replace('%s', UPGRADED));
    expect(backfilled).toEqual(await upgraded.query(columns.replace('%s', FRESH)));
    expect(backfilled.every((row: any) => row.purchase_order_number || row.shipment_number)).toBe(true);
  });

  it('answers order_as_at for the upgraded orders from the stored bodies', async () => {
    const asAt = await upgraded.query(`SELECT line_position, process_status, net_price FROM ${UPGRADED}.order_as_at('PO-UP-A', '2025-06-02T00:00:00Z') ORDER BY 1`);
    expect(asAt).toEqual([
      { line_position: '0010', process_status: 'Issued', net_price: '0.42' },
      { line_position: '0020', process_status: 'Issued', net_price: '0.42' },
    ]);
  });
});
