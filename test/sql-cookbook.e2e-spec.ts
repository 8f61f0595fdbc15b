import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool, types } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderSnapshotMapper } from '../src/orders/order-snapshot.mapper';
import { SIMULATED_SUPPLIERS } from '../src/cli/simulate/order-builders';
import { useReceiver } from './support/receiver-fixture';
import {
  addDays,
  buildOrder,
  buildOrderDocumentsEvent,
  buildOrderEvent,
  buildShipmentEvent,
  buildSingleDeliveryOrderEvent,
  SAMPLE_BUYER_COMPANY_ID,
} from './support/tradecloud-simulator';

/** The ```sql blocks of the README's "SQL cookbook" section, by their first line (the comment). */
export function cookbookQueries(): Map<string, string> {
  const readme = readFileSync(path.resolve(__dirname, '../README.md'), 'utf8');
  const section = readme.split('\n## SQL cookbook')[1]?.split(/\n## /)[0] ?? '';
  const queries = new Map<string, string>();
  for (const match of section.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const query = match[1].trim();
    queries.set(query.split('\n')[0].replace(/^--\s*/, ''), query);
  }
  return queries;
}

const DAY = 86_400_000;
const now = Date.now();
const today = new Date(now).toISOString().slice(0, 10);
const daysAgo = (days: number) => new Date(now - days * DAY).toISOString();
/** Wednesday of next week (weeks start on Monday, as `date_trunc('week', …)`). */
const nextWeekWednesday = (() => {
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
  return addDays(today, 7 - weekday + 2);
})();

const [SUPPLIER_A, SUPPLIER_B, SUPPLIER_D] = SIMULATED_SUPPLIERS;
const PO_A = 'PO2025-004711'; // orderEvent: issued, one line confirmed 9 days later at 0.45 instead of 0.42, one cancelled
const PO_B = 'PO2025-004802'; // singleDeliveryOrderEvent: an open proposal with a price and a reason
const PO_D = 'PO2025-005120'; // GET webhook: confirmed, delivered in 2 receipts
const PO_NEVER = 'PO2025-009001'; // its only event dies: the order never arrives
const ORDER_A = 'a1a1a1a1-0000-4000-8000-000000000021';
const ORDER_B = 'b2b2b2b2-0000-4000-8000-000000000021';
const ORDER_D = 'd4d4d4d4-0000-4000-8000-000000000021';

const orderA = { seed: 21, orderId: ORDER_A, purchaseOrderNumber: PO_A, supplierCompanyId: SUPPLIER_A.companyId, lineCount: 3, scheduleEntries: 2 };
const issuedA = {
  ...orderA,
  netPrice: 0.42,
  firstDeliveryDate: addDays(today, 30),
  issuedAt: `${daysAgo(20).slice(0, 10)}T08:00:00`,
  confirmation: { shiftDays: 9, netPrice: 0.45 },
};
const issueEventA = buildOrderEvent({ ...issuedA, eventName: 'OrderIssuedByBuyer', lastUpdatedAt: daysAgo(20) });
const acceptEventA = buildOrderEvent({ ...issuedA, eventName: 'OrderLinesAcceptedBySupplier', lastUpdatedAt: daysAgo(10), lineNumbers: [1] });
const cancelEventA = buildOrderEvent({
  ...issuedA,
  eventName: 'OrderLinesCancelledByBuyer',
  processStatus: 'Cancelled',
  lastUpdatedAt: daysAgo(9),
  lineNumbers: [3],
});
/** What `GET /order/{id}` answers for order A now: every line at its newest version, nothing new. */
const fetchedA = buildOrder({
  ...issuedA,
  lastUpdatedAt: daysAgo(9),
  lineProcessStatus: (line) => (line === 1 ? 'Confirmed' : line === 3 ? 'Cancelled' : 'Issued'),
  lineLastUpdatedAt: (line) => (line === 1 ? daysAgo(10) : line === 3 ? daysAgo(9) : daysAgo(20)),
});
const proposalB = buildSingleDeliveryOrderEvent({
  seed: 22,
  orderId: ORDER_B,
  purchaseOrderNumber: PO_B,
  supplierCompanyId: SUPPLIER_B.companyId,
  lineCount: 1,
  netPrice: 2.95,
  proposal: { shiftDays: 14, netPrice: 3.1, reason: 'Earliest possible date after factory shutdown' },
  issuedAt: `${daysAgo(3).slice(0, 10)}T10:30:00`,
  lastUpdatedAt: daysAgo(2),
});
const fetchedD = buildOrder({
  seed: 23,
  orderId: ORDER_D,
  purchaseOrderNumber: PO_D,
  supplierCompanyId: SUPPLIER_D.companyId,
  lineCount: 1,
  scheduleEntries: 1,
  processStatus: 'Confirmed',
  confirmation: { shiftDays: 0 },
  firstDeliveryDate: addDays(today, -10),
  receipts: 2,
  lastUpdatedAt: daysAgo(5),
});
/** Certificates attached to order A after the cancellation: only documents change, not the header. */
const documentsA = buildOrderDocumentsEvent({ seed: 21, orderId: ORDER_A, purchaseOrderNumber: PO_A, supplierCompanyId: SUPPLIER_A.companyId, lastUpdatedAt: daysAgo(8) });
const neverArrived = buildOrderEvent({ seed: 24, purchaseOrderNumber: PO_NEVER, eventName: 'OrderIssuedByBuyer', lastUpdatedAt: daysAgo(1) });
const shipmentA = buildShipmentEvent({
  seed: 21,
  shipmentNumber: 'SHP2025-0777',
  supplierCompanyId: SUPPLIER_A.companyId,
  purchaseOrderNumber: PO_A,
  lineCount: 2,
  loadCarrierCount: 1,
  containers: true,
  etd: today,
  eta: nextWeekWednesday,
  lastUpdatedAt: new Date(now - 3_600_000).toISOString(),
});

type Line = Record<string, any>;
const lineOf = (lines: Line[], position: string) => lines.find((line) => line.buyerLine.position === position)!;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** The mapper, failing for the order that "never arrives" as a mapping bug would. */
function failingForNeverArrived(): OrderSnapshotMapper {
  const real = new OrderSnapshotMapper();
  const mapper = Object.create(real) as OrderSnapshotMapper;
  mapper.map = (order, mode) => {
    const buyerOrder = order.buyerOrder as { purchaseOrderNumber?: string };
    if (buyerOrder?.purchaseOrderNumber === PO_NEVER) throw new Error(`unknown unit of measure on ${PO_NEVER}`);
    return real.map(order, mode);
  };
  return mapper;
}

/** A pool that returns `date` columns as the text PostgreSQL prints (`2025-07-01`), not as local-midnight Dates. */
function cookbookPool(url: string): Pool {
  const pool = new Pool({
    connectionString: url,
    max: 2,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 1082 ? (value: string) => value : types.getTypeParser(oid, format))) as typeof types.getTypeParser },
  });
  pool.on('error', () => undefined);
  return pool;
}

describe('the README SQL cookbook, on orders sent in both webhook modes and through GET', () => {
  const receiver = useReceiver({
    label: 'sql_cookbook',
    simulator: true,
    options: ({ simulator }) => ({
      tradecloudApi: { baseUrl: simulator.baseUrl, ...simulator.credentials },
      queue: { attempts: 2, retryDelaySeconds: 1 },
      documents: { download: false },
    }),
    overrides: [{ provide: OrderSnapshotMapper, useValue: failingForNeverArrived() }],
  });
  let pool: Pool;
  let getChangeCount: { before: number; after: number };

  const get = async (orderId: string) => {
    const response = await fetch(`${receiver.webhooks}/orders/${orderId}`, { headers: { authorization: receiver.authorization } });
    expect(response.status).toBe(202);
    return ((await response.json()) as { eventId: string }).eventId;
  };
  const post = async (route: string, body: unknown) => {
    const response = await receiver.post(route, body);
    expect(response.status).toBe(202);
    return ((await response.json()) as { eventId: string }).eventId;
  };
  const changeCount = async () => Number((await pool.query('SELECT count(*) AS n FROM tradecloud.changes')).rows[0].n);

  beforeAll(async () => {
    pool = cookbookPool(receiver.database.url);
    receiver.simulator.orders.set(ORDER_A, fetchedA);
    receiver.simulator.orders.set(ORDER_D, fetchedD);
    // One after the other, as Tradecloud sends the events of one order.
    for (const [route, body] of [
      ['/orders', issueEventA],
      ['/orders', acceptEventA],
      ['/orders', cancelEventA],
      ['/order-documents', documentsA],
      ['/orders', proposalB],
      ['/shipments', shipmentA],
    ] as const) {
      await receiver.waitForEvents([await post(route, body)], ['processed']);
    }
    await receiver.waitForEvents([await get(ORDER_D)], ['processed']);
    await receiver.waitForEvents([await post('/orders', neverArrived)], ['dead']);
    // GET webhooks for orders already stored at the version the API returns: nothing changed.
    const before = await changeCount();
    await receiver.waitForEvents([await get(ORDER_A), await get(ORDER_D)], ['processed']);
    getChangeCount = { before, after: await changeCount() };
  });
  afterAll(async () => {
    await pool?.end();
  });

  const run = async (title: string) => {
    const query = cookbookQueries().get(title);
    expect(query, `README cookbook query "${title}"`).toBeDefined();
    return (await pool.query(query!)).rows;
  };

  it('has at least twelve queries, each with an expectation here', () => {
    const titles = [...cookbookQueries().keys()];
    expect(titles.length).toBeGreaterThanOrEqual(12);
    expect(titles.filter((title) => !EXPECTED_TITLES.has(title))).toEqual([]);
  });

  it('a GET-fetched version of an order that changed nothing writes no changes row', () => {
    expect(getChangeCount.after).toBe(getChangeCount.before);
  });

  it('late deliveries of a supplier: the 9-day delay of the confirmed line', async () => {
    const requested = lineOf(issueEventA.orderEvent.lines, '0010').buyerLine.deliverySchedule;
    expect(await run(TITLES.delays)).toEqual(
      requested.map((entry: Line) => ({
        purchase_order_number: PO_A,
        position: '0010',
        delivery_position: entry.position,
        requested_date: entry.date,
        current_delivery_date: addDays(entry.date, 9),
        days_late: 9,
      })),
    );
  });

  it('the schedules of a purchase order side by side', async () => {
    const rows = await run(TITLES.comparison);
    const confirmed = lineOf(acceptEventA.orderEvent.lines, '0010');
    const issued = lineOf(issueEventA.orderEvent.lines, '0020');
    const cancelled = lineOf(cancelEventA.orderEvent.lines, '0030');
    const expected = [
      ...confirmed.buyerLine.deliverySchedule.map((entry: Line, index: number) => ({
        position: '0010',
        delivery_position: entry.position,
        requested_date: entry.date,
        requested_quantity: String(entry.quantity),
        confirmed_date: confirmed.confirmedLine.deliverySchedule[index].date,
        confirmed_quantity: String(entry.quantity),
        proposed_date: confirmed.deliverySchedule[index].date,
        current_delivery_date: confirmed.deliverySchedule[index].date,
        current_quantity: String(entry.quantity),
        days_late: 9,
      })),
      ...[issued, cancelled].flatMap((line) =>
        line.buyerLine.deliverySchedule.map((entry: Line) => ({
          position: line.buyerLine.position,
          delivery_position: entry.position,
          requested_date: entry.date,
          requested_quantity: String(entry.quantity),
          confirmed_date: null,
          confirmed_quantity: null,
          proposed_date: entry.date,
          current_delivery_date: entry.date,
          current_quantity: String(entry.quantity),
          days_late: 0,
        })),
      ),
    ];
    expect(rows).toEqual(expected);
  });

  it('open proposals: the proposed price and the reason of the single-delivery order', async () => {
    expect(await run(TITLES.proposals)).toEqual([
      {
        purchase_order_number: PO_B,
        position: '0010',
        net_price: '2.95',
        proposed_net_price: '3.1',
        currency: 'EUR',
        proposal_reason: 'Earliest possible date after factory shutdown',
      },
    ]);
  });

  it('lines unconfirmed 14 days after issue: the issued line of order A (not the cancelled one)', async () => {
    expect(await run(TITLES.unconfirmed)).toEqual([
      {
        purchase_order_number: PO_A,
        position: '0020',
        item_number: lineOf(issueEventA.orderEvent.lines, '0020').buyerLine.item.number,
        issued_at: new Date(`${issuedA.issuedAt}Z`),
        supplier_name: SUPPLIER_A.name,
      },
    ]);
  });

  it('prices changed on confirmation: 0.42 raised to 0.45', async () => {
    expect(await run(TITLES.prices)).toEqual([
      { purchase_order_number: PO_A, position: '0010', buyer_net_price: '0.42', confirmed_net_price: '0.45', currency: 'EUR', change_percent: '7.1' },
    ]);
  });

  it('shipped against ordered', async () => {
    const shipped = new Map<string, number>(
      [...shipmentA.shipment.lines, ...shipmentA.shipment.loadCarriers.flatMap((carrier: Line) => carrier.lines)].map((line: Line) => [
        line.purchaseOrderLinePosition,
        line.supplierLine.despatchQuantity,
      ]),
    );
    const current = [lineOf(acceptEventA.orderEvent.lines, '0010'), lineOf(issueEventA.orderEvent.lines, '0020'), lineOf(cancelEventA.orderEvent.lines, '0030')];
    expect(await run(TITLES.shipped)).toEqual(
      current.map((line) => ({
        position: line.buyerLine.position,
        ordered: String(sum(line.deliverySchedule.map((entry: Line) => entry.quantity))),
        shipped: String(shipped.get(line.buyerLine.position) ?? 0),
      })),
    );
  });

  it('containers arriving next week', async () => {
    const [carrier] = shipmentA.shipment.loadCarriers;
    expect(await run(TITLES.containers)).toEqual([
      {
        shipment_number: 'SHP2025-0777',
        container_number: carrier.containerNumber,
        container_size_and_type: '42G1',
        eta_start: nextWeekWednesday,
        eta_end: nextWeekWednesday,
        bill_of_lading_number: shipmentA.shipment.identifiers.billOfLadingNumber,
      },
    ]);
  });

  it('when what was shipped arrives, next to the scheduled date', async () => {
    const confirmed = lineOf(acceptEventA.orderEvent.lines, '0010');
    const issued = lineOf(issueEventA.orderEvent.lines, '0020');
    const [carrier] = shipmentA.shipment.loadCarriers;
    const despatched = (position: string) =>
      [...shipmentA.shipment.lines, ...carrier.lines].find((line: Line) => line.purchaseOrderLinePosition === position).supplierLine.despatchQuantity;
    expect(await run(TITLES.arrival)).toEqual([
      {
        purchase_order_line_position: '0010',
        shipment_number: 'SHP2025-0777',
        despatch_quantity: String(despatched('0010')),
        container_number: carrier.containerNumber,
        etd: today,
        eta_start: nextWeekWednesday,
        scheduled_date: confirmed.deliverySchedule[0].date,
      },
      {
        purchase_order_line_position: '0020',
        shipment_number: 'SHP2025-0777',
        despatch_quantity: String(despatched('0020')),
        container_number: null,
        etd: today,
        eta_start: nextWeekWednesday,
        scheduled_date: issued.deliverySchedule[0].date,
      },
    ]);
  });

  it('received against scheduled, and the delivery history of 2 receipts (GET order)', async () => {
    const [line] = fetchedD.lines;
    const receipts = line.buyerLine.deliveryHistory as Line[];
    expect(receipts).toHaveLength(2);
    expect(await run(TITLES.received)).toEqual([
      {
        purchase_order_number: PO_D,
        position: '0010',
        scheduled: String(line.deliverySchedule[0].quantity),
        received_quantity: String(sum(receipts.map((receipt) => receipt.quantity))),
        last_received_date: receipts[1].date,
      },
    ]);
    expect(await run(TITLES.receipts)).toEqual(receipts.map((receipt) => ({ position: '0010', date: receipt.date, quantity: String(receipt.quantity) })));
  });

  it('open order value per supplier and currency', async () => {
    const openValue = (lines: Line[], current: (line: Line) => { entries: Line[]; prices: Line }) =>
      sum(
        lines
          .filter((line) => !['Cancelled', 'Completed', 'Rejected'].includes(line.status.processStatus))
          .flatMap((line) => {
            const { entries, prices } = current(line);
            const net = prices.netPrice.priceInTransactionCurrency.value;
            return entries.filter((entry) => entry.status !== 'Delivered').map((entry) => (entry.quantity * net) / (prices.priceUnitQuantity || 1));
          }),
      );
    const linesA = [lineOf(acceptEventA.orderEvent.lines, '0010'), lineOf(issueEventA.orderEvent.lines, '0020'), lineOf(cancelEventA.orderEvent.lines, '0030')];
    const schedule = (line: Line) => ({ entries: line.deliverySchedule, prices: line.prices });
    const single = (line: Line) => ({ entries: [line.statusLine.scheduledDelivery], prices: line.statusLine.prices });
    const expected = [
      { supplier: SUPPLIER_D, value: openValue(fetchedD.lines, schedule), count: 1 },
      { supplier: SUPPLIER_B, value: openValue(proposalB.singleDeliveryOrderEvent.lines, single), count: 1 },
      { supplier: SUPPLIER_A, value: openValue(linesA, schedule), count: 2 },
    ];
    const rows = await run(TITLES.openValue);
    expect(rows.map((row) => ({ ...row, open_value: undefined }))).toEqual(
      expected.map(({ supplier, count }) => ({
        supplier_company_id: supplier.companyId,
        supplier_name: supplier.name,
        currency: 'EUR',
        open_value: undefined,
        open_lines: String(count),
      })),
    );
    rows.forEach((row, index) => expect(Number(row.open_value)).toBeCloseTo(expected[index].value, 6));
  });

  it('what changed since yesterday: every applied change, none for the repeated GETs', async () => {
    const row = (po: string, entity: string, changeType: string, eventName: string | null, changes: number) => ({
      purchase_order_number: po,
      entity,
      change_type: changeType,
      event_name: eventName,
      changes: String(changes),
    });
    expect(await run(TITLES.changed)).toEqual([
      row(PO_A, 'document', 'created', 'OrderDocumentsAttachedBySupplier', 2),
      row(PO_A, 'order', 'created', 'OrderIssuedByBuyer', 1),
      row(PO_A, 'order', 'updated', 'OrderLinesAcceptedBySupplier', 1),
      row(PO_A, 'order', 'updated', 'OrderLinesCancelledByBuyer', 1),
      row(PO_A, 'order_line', 'created', 'OrderIssuedByBuyer', 3),
      row(PO_A, 'order_line', 'updated', 'OrderLinesAcceptedBySupplier', 1),
      row(PO_A, 'order_line', 'updated', 'OrderLinesCancelledByBuyer', 1),
      row(PO_B, 'order', 'created', 'OrderChangesProposedBySupplier', 1),
      row(PO_B, 'order_line', 'created', 'OrderChangesProposedBySupplier', 1),
      row(PO_D, 'order', 'created', null, 1),
      row(PO_D, 'order_line', 'created', null, 1),
    ]);
  });

  it('dead events by purchase order: the order that never arrived, and who caused the event', async () => {
    expect(await run(TITLES.dead)).toEqual([
      { event_name: 'OrderIssuedByBuyer', status: 'dead', attempts: 2, last_error: `unknown unit of measure on ${PO_NEVER}`, acting_company_id: SAMPLE_BUYER_COMPANY_ID },
    ]);
  });

  it('a purchase order as it was at a time: before the confirmation and the cancellation', async () => {
    expect(await run(TITLES.asAt)).toEqual(
      issueEventA.orderEvent.lines.map((line: Line) => ({
        line_position: line.buyerLine.position,
        process_status: 'Issued',
        net_price: '0.42',
        currency: 'EUR',
        quantity: String(sum(line.deliverySchedule.map((entry: Line) => entry.quantity))),
        first_delivery_date: issuedA.firstDeliveryDate,
      })),
    );
    // And now: the confirmed price, the cancelled line.
    const nowRows = (await pool.query(`SELECT line_position, process_status, net_price FROM tradecloud.order_as_at($1, now()) ORDER BY line_position`, [PO_A])).rows;
    expect(nowRows).toEqual([
      { line_position: '0010', process_status: 'Confirmed', net_price: '0.45' },
      { line_position: '0020', process_status: 'Issued', net_price: '0.42' },
      { line_position: '0030', process_status: 'Cancelled', net_price: '0.42' },
    ]);
  });

  it('keeps the fetched body of GET events, and finds their events by purchase order number', async () => {
    const rows = (
      await pool.query(
        `SELECT purchase_order_number, fetched_body ->> 'id' AS fetched_id FROM tradecloud.webhook_events WHERE payload_kind = 'orderId' ORDER BY id`,
      )
    ).rows;
    expect(rows).toEqual([
      { purchase_order_number: PO_D, fetched_id: ORDER_D },
      { purchase_order_number: PO_A, fetched_id: ORDER_A },
      { purchase_order_number: PO_D, fetched_id: ORDER_D },
    ]);
    const header = (await pool.query(`SELECT header ->> 'orderId' AS order_id, header ? 'id' AS has_id FROM tradecloud.orders WHERE order_id = $1`, [ORDER_D])).rows;
    expect(header).toEqual([{ order_id: ORDER_D, has_id: false }]);
  });

  it('moves orders.last_event_id with every event that changed the order: here the order-documents event', async () => {
    const documentsEvent = (await pool.query(`SELECT id::text AS id FROM tradecloud.webhook_events WHERE payload_kind = 'orderDocumentsEvent' AND entity_id = $1`, [ORDER_A])).rows;
    expect(documentsEvent).toHaveLength(1);
    const stored = (await pool.query(`SELECT last_event_id::text AS id FROM tradecloud.orders WHERE order_id = $1`, [ORDER_A])).rows[0].id;
    expect(stored).toBe(documentsEvent[0].id);
  });
});

const TITLES = {
  delays: 'Late deliveries of one supplier, in days (current plan against what the buyer asked)',
  comparison: 'Requested, confirmed, proposed and current schedule of a purchase order, side by side',
  proposals: 'Open supplier proposals: the price asked against the current one, and why',
  unconfirmed: 'Lines still unconfirmed 14 days after the buyer issued them',
  prices: 'Prices one supplier changed on confirmation',
  shipped: 'Shipped against ordered, per line of a purchase order',
  containers: 'Containers arriving next week',
  arrival: 'When what was shipped for a purchase order arrives',
  received: 'Received against scheduled, per line with a receipt in the last 7 days',
  receipts: 'The receipts of a purchase order',
  openValue: 'Open order value per supplier and currency',
  changed: 'What changed since yesterday, per purchase order',
  dead: 'Failed and dead events of a purchase order, also of one that never arrived',
  asAt: 'Purchase order PO2025-004711 as it was 15 days ago',
};
const EXPECTED_TITLES = new Set(Object.values(TITLES));
