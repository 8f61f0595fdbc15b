import { describe, expect, it } from 'vitest';
import { sampleText, type SampleName } from '../../test/support/samples';
import { LosslessNumber } from 'lossless-json';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { DeliveryLineRow, OrderLineRow, OrderSnapshot, OrderSnapshotMapper } from './order-snapshot.mapper';

/**
 * The mapper against the reference samples, column by column. Expected values are the sample's
 * own values written out (not the mapper's output), so a mapping line that reads the wrong field
 * fails here. Numbers go through `parseExact`, as the event processor does.
 */

type Json = Record<string, unknown>;

const mapper = new OrderSnapshotMapper();

/** The order object of a sample, parsed exactly (`orderEvent`, `singleDeliveryOrderEvent`, or the GET answer itself). */
function orderOf(name: SampleName): Json {
  const body = parseExact(sampleText(name)) as Json;
  return (body.orderEvent ?? body.singleDeliveryOrderEvent ?? body) as Json;
}

/** A line row without the raw line and its schedules, which are checked on their own. */
function columns(row: OrderLineRow): Omit<OrderLineRow, 'line' | 'deliveryLines' | 'deliveryHistory'> {
  const { line, deliveryLines, deliveryHistory, ...rest } = row;
  void line;
  void deliveryLines;
  void deliveryHistory;
  return rest;
}

function entries(row: OrderLineRow, schedule: DeliveryLineRow['schedule']): Omit<DeliveryLineRow, 'schedule'>[] {
  return row.deliveryLines.filter((entry) => entry.schedule === schedule).map(({ schedule: _schedule, ...rest }) => rest);
}

/** A delivery-schedule entry with the columns a sample leaves out set to null. */
function entry(seq: number, position: string | null, date: string, quantity: string, more: Partial<DeliveryLineRow> = {}): Omit<DeliveryLineRow, 'schedule'> {
  return { seq, position, date, quantity, status: null, etd: null, eta: null, transportMode: null, ...more };
}

const BUYER = '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8';
const SUPPLIER = 'dcf95157-6451-4be2-a92e-a13a151f9572';

describe('OrderSnapshotMapper, delivery-schedule mode (post-order-event sample)', () => {
  const order = orderOf('post-order-event');
  const snapshot: OrderSnapshot = mapper.map(order, 'deliverySchedule');

  it('maps the header columns from buyerOrder, supplierOrder, status and the root', () => {
    const { header, ...row } = snapshot.header;
    expect(row).toEqual({
      orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
      purchaseOrderNumber: 'PO2025-004711',
      buyerCompanyId: BUYER,
      supplierCompanyId: SUPPLIER,
      supplierAccountNumber: 'SUP-20417',
      processStatus: 'InProgress',
      logisticsStatus: 'Open',
      version: 4,
      lastUpdatedAt: '2025-06-12T09:41:27.318Z',
      orderType: 'Purchase',
      description: 'Spare parts Q3 replenishment',
      issuedAt: null,
      supplierName: null,
      incotermsCode: 'DAP',
      paymentTermsCode: 'N30',
    });
    expect(header).not.toHaveProperty('lines');
    expect(header.orderId).toBe('d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718');
    // Everything else of the header is kept as received, fields the mapper does not know included.
    expect(Object.keys(header)).toEqual(Object.keys(order).filter((key) => key !== 'lines'));
    expect(header.meta).toBe(order.meta);
  });

  it('gives one line row per line, in order, with the line as received', () => {
    expect(snapshot.lines.map((line) => [line.lineId, line.position])).toEqual([
      ['9027e194-175b-44fc-bd99-bf938de4d763', '0010'],
      ['9a88a2bc-c6f0-4638-9967-f922d1519ac4', '0020'],
    ]);
    expect(snapshot.lines[0].line).toBe((order.lines as Json[])[0]);
  });

  it('maps line 0010: prices from `prices`, buyer and confirmed prices, indicators, sales order', () => {
    expect(columns(snapshot.lines[0])).toEqual({
      lineId: '9027e194-175b-44fc-bd99-bf938de4d763',
      position: '0010',
      originalPosition: null,
      lineType: 'Item',
      itemNumber: 'HYD-4410-22',
      description: 'Hydraulic hose assembly',
      processStatus: 'Confirmed',
      inProgressStatus: null,
      logisticsStatus: 'Open',
      netPrice: '18.45',
      currency: 'EUR',
      priceUnitQuantity: '1',
      buyerNetPrice: '18.45',
      confirmedNetPrice: '18.45',
      proposedNetPrice: '18.45',
      grossPrice: null,
      discountPercentage: null,
      priceUnitOfMeasure: 'PCE',
      purchaseUnitOfMeasure: 'PCE',
      supplierSalesOrderNumber: 'SO-77120',
      supplierSalesOrderPosition: '1',
      delivered: false,
      shipped: null,
      completed: null,
      cancelled: null,
      noDeliveryExpected: false,
      deliveryOverdue: false,
      proposalReason: null,
      // 120 + 80, both Open.
      openQuantity: '200',
      lastUpdatedAt: '2025-06-12T09:41:27.318Z',
    });
  });

  it('maps line 0020: gross price and discount kept as sent (92.0 stays "92.0"), description falls back to the item name', () => {
    expect(columns(snapshot.lines[1])).toMatchObject({
      lineId: '9a88a2bc-c6f0-4638-9967-f922d1519ac4',
      position: '0020',
      itemNumber: 'FIT-0090-M16',
      description: 'Straight fitting M16',
      netPrice: '82.8',
      grossPrice: '92.0',
      discountPercentage: '10',
      priceUnitQuantity: '100',
      supplierSalesOrderPosition: '2',
      delivered: null,
      noDeliveryExpected: null,
      openQuantity: '500',
    });
  });

  it('maps the four schedules: current and incl. requests with status, requested (buyerLine) and confirmed without', () => {
    const line = snapshot.lines[0];
    const open = { status: 'Open' };
    expect(entries(line, 'current')).toEqual([entry(0, '1', '2025-07-01', '120', open), entry(1, '2', '2025-07-15', '80', open)]);
    expect(entries(line, 'current_incl_requests')).toEqual([entry(0, '1', '2025-07-01', '120', open), entry(1, '2', '2025-07-15', '80', open)]);
    expect(entries(line, 'requested')).toEqual([entry(0, '1', '2025-07-01', '120'), entry(1, '2', '2025-07-15', '80')]);
    expect(entries(line, 'confirmed')).toEqual([entry(0, '1', '2025-07-01', '120'), entry(1, '2', '2025-07-15', '80')]);
    expect(line.deliveryLines).toHaveLength(8);
    expect(snapshot.lines[1].deliveryLines).toHaveLength(4);
    expect(line.deliveryHistory).toEqual([]);
  });

  it('maps the buyer header document, with no line', () => {
    expect(snapshot.documents).toEqual([
      {
        documentKey: 'object:977379cc-d94d-4750-ace9-c74ffcd4f0bf',
        objectId: '977379cc-d94d-4750-ace9-c74ffcd4f0bf',
        url: null,
        code: 'SPEC-8841',
        revision: 'C',
        name: 'general-purchase-conditions.pdf',
        type: 'General',
        description: 'General purchase conditions 2025',
        side: 'buyer',
        lineId: null,
        linePosition: null,
        lastUpdatedAt: null,
        document: (order.buyerOrder as { documents: unknown[] }).documents[0],
      },
    ]);
  });
});

describe('OrderSnapshotMapper, a fetched order (get-order-response sample)', () => {
  const order = orderOf('get-order-response');
  const snapshot = mapper.map(order, 'deliverySchedule');

  it('stores the GET answer’s `id` as `orderId`, first, and maps the ERP issue time as UTC', () => {
    expect(snapshot.header.orderId).toBe('d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718');
    expect(Object.keys(snapshot.header.header)[0]).toBe('orderId');
    expect(snapshot.header.header).not.toHaveProperty('id');
    expect(snapshot.header.header.orderId).toBe('d0d74b64-fe9c-4af2-b5b3-9ebd6bdae718');
    expect(snapshot.header).toMatchObject({ version: 7, processStatus: 'Confirmed', issuedAt: '2025-06-10T15:32:00Z', lastUpdatedAt: '2025-07-01T10:31:12.004Z' });
  });

  it('maps the delivery history, etd/eta, and counts only entries not Delivered as open', () => {
    const line = snapshot.lines[0];
    expect(line.deliveryHistory).toEqual([{ seq: 0, position: '1', date: '2025-07-01', quantity: '120' }]);
    expect(entries(line, 'current')).toEqual([
      entry(0, '1', '2025-07-01', '120', { status: 'Delivered', etd: '2025-06-30', eta: '2025-07-01' }),
      entry(1, '2', '2025-07-15', '80', { status: 'Open' }),
    ]);
    expect(line.openQuantity).toBe('80');
    expect(line.lastUpdatedAt).toBe('2025-07-01T10:31:12.004Z');
    expect(snapshot.lines[1].lastUpdatedAt).toBe('2025-06-30T06:12:45.120Z');
  });

  it('maps a charge line: its type, its description, no item number, exact price 145.0', () => {
    expect(columns(snapshot.lines[2])).toMatchObject({
      lineId: '383772cb-a7e6-48a3-bc01-d9d89fd162a3',
      position: '0030',
      lineType: 'Charge',
      itemNumber: null,
      description: 'Freight Bielefeld - Rotterdam',
      netPrice: '145.0',
      noDeliveryExpected: true,
      supplierSalesOrderNumber: null,
      supplierSalesOrderPosition: null,
      openQuantity: '1',
    });
  });

  it('maps documents of both header sides and of lines, each line document with its line id and position', () => {
    expect(snapshot.documents.map((document) => [document.side, document.lineId, document.linePosition, document.documentKey, document.code])).toEqual([
      ['buyer', null, null, 'object:977379cc-d94d-4750-ace9-c74ffcd4f0bf', 'SPEC-8841'],
      ['supplier', null, null, 'object:f1244bf4-0141-42c8-bbe1-4a2884747691', 'OC-77120'],
      ['supplier', '9027e194-175b-44fc-bd99-bf938de4d763', '0010', 'object:5669ec82-5394-4554-8bd3-8507545a0eca', 'CERT-HA-12-2200'],
      ['supplier', '9027e194-175b-44fc-bd99-bf938de4d763', '0010', 'url:https://supplier-example.de/content/datasheets/HA-12.pdf', 'DS-HA-12'],
    ]);
    const datasheet = snapshot.documents[3];
    expect(datasheet).toMatchObject({ objectId: null, url: 'https://supplier-example.de/content/datasheets/HA-12.pdf', revision: null, name: 'Hose assembly datasheet', type: 'General', description: null });
  });
});

describe('OrderSnapshotMapper, single-delivery mode (post-single-delivery-order-event sample)', () => {
  const order = orderOf('post-single-delivery-order-event');
  const snapshot = mapper.map(order, 'singleDelivery');

  it('maps the header like delivery-schedule mode; absent optional fields are null', () => {
    const { header, ...row } = snapshot.header;
    void header;
    expect(row).toEqual({
      orderId: 'e83d941e-59a7-41b8-a25d-d808523a0ba4',
      purchaseOrderNumber: 'PO2025-004802',
      buyerCompanyId: BUYER,
      supplierCompanyId: SUPPLIER,
      supplierAccountNumber: 'SUP-20417',
      processStatus: 'InProgress',
      logisticsStatus: 'Open',
      version: 3,
      lastUpdatedAt: '2025-06-13T14:02:11.754Z',
      orderType: 'Purchase',
      description: null,
      issuedAt: null,
      supplierName: null,
      incotermsCode: null,
      paymentTermsCode: null,
    });
    expect(snapshot.documents).toEqual([]);
  });

  it('maps a line: prices from statusLine, proposed prices from pricesInclRequests, the proposal reason', () => {
    expect(columns(snapshot.lines[0])).toEqual({
      lineId: 'd9eeb8d9-867d-414c-b695-3c82fe02948b',
      position: '0010',
      originalPosition: null,
      lineType: 'Item',
      itemNumber: 'BRG-6204-2RS',
      description: 'Deep groove ball bearing 6204-2RS',
      processStatus: 'InProgress',
      inProgressStatus: 'OpenSupplierProposal',
      logisticsStatus: 'Open',
      netPrice: '2.95',
      currency: 'EUR',
      priceUnitQuantity: '1',
      buyerNetPrice: null,
      confirmedNetPrice: null,
      proposedNetPrice: '3.1',
      grossPrice: null,
      discountPercentage: null,
      priceUnitOfMeasure: 'PCE',
      purchaseUnitOfMeasure: 'PCE',
      supplierSalesOrderNumber: 'SO-77188',
      supplierSalesOrderPosition: '1',
      delivered: null,
      shipped: null,
      completed: null,
      cancelled: null,
      noDeliveryExpected: null,
      deliveryOverdue: false,
      proposalReason: 'Earliest possible date after factory shutdown',
      openQuantity: '500',
      lastUpdatedAt: '2025-06-13T14:02:11.754Z',
    });
  });

  it('maps statusLine.scheduledDelivery to the current entry and scheduledDeliveryInclRequests to the one incl. requests, without position', () => {
    const line = snapshot.lines[0];
    expect(line.deliveryLines).toEqual([
      { schedule: 'current', ...entry(0, null, '2025-07-08', '500', { status: 'Open' }) },
      { schedule: 'current_incl_requests', ...entry(0, null, '2025-07-22', '300', { status: 'Open' }) },
    ]);
    expect(line.deliveryHistory).toEqual([]);
  });

  it('maps a line split by the supplier: no position, its original position kept', () => {
    const split = snapshot.lines[1];
    expect(columns(split)).toMatchObject({
      lineId: '0105c53a-11cc-442e-820a-c265a422f46e',
      position: null,
      originalPosition: '0010',
      supplierSalesOrderPosition: '2',
      netPrice: '3.1',
      proposalReason: 'Remaining quantity split to second delivery',
      openQuantity: '200',
    });
    expect(entries(split, 'current')).toEqual([entry(0, null, '2025-08-05', '200', { status: 'Open' })]);
  });

  it('maps buyerLine.scheduledDelivery, confirmedLine.scheduledDelivery and actualDelivery when sent', () => {
    const line = { ...(order.lines as Json[])[0] };
    line.buyerLine = { ...(line.buyerLine as Json), scheduledDelivery: { date: '2025-07-01', quantity: 450 }, actualDelivery: { date: '2025-07-09', quantity: 498 } };
    line.confirmedLine = { scheduledDelivery: { date: '2025-07-10', quantity: 500 } };
    const row = mapper.map({ ...order, lines: [line] }, 'singleDelivery').lines[0];
    expect(entries(row, 'requested')).toEqual([entry(0, null, '2025-07-01', '450')]);
    expect(entries(row, 'confirmed')).toEqual([entry(0, null, '2025-07-10', '500')]);
    expect(row.deliveryHistory).toEqual([{ seq: 0, position: null, date: '2025-07-09', quantity: '498' }]);
  });

  it('reads a number where a single delivery belongs as no delivery, however the number is written (5 or 5.0)', () => {
    const rows = ['5', '5.0'].map((token) => {
      const number = parseExact(token); // 5 a plain number, 5.0 a LosslessNumber
      const line = { ...(order.lines as Json[])[0] };
      line.buyerLine = { ...(line.buyerLine as Json), scheduledDelivery: number, actualDelivery: number };
      line.confirmedLine = { scheduledDelivery: number };
      return mapper.map({ ...order, lines: [line] }, 'singleDelivery').lines[0];
    });
    for (const row of rows) {
      expect(entries(row, 'requested')).toEqual([]);
      expect(entries(row, 'confirmed')).toEqual([]);
      expect(row.deliveryHistory).toEqual([]);
    }
    expect(rows[0].deliveryLines).toEqual(rows[1].deliveryLines);
  });

  it('mapLine recognises a stored single-delivery line by its statusLine', () => {
    const line = (order.lines as Json[])[0];
    expect(mapper.mapLine(line)).toEqual(snapshot.lines[0]);
    const scheduleLine = (orderOf('post-order-event').lines as Json[])[0];
    expect(mapper.mapLine(scheduleLine).netPrice).toBe('18.45');
    expect(mapper.mapLine(scheduleLine).deliveryLines).toHaveLength(8);
  });
});

describe('OrderSnapshotMapper, values a column cannot take', () => {
  const base = (buyerOrder: Json, lines: Json[] = []): Json =>
    parseExact(stringifyExact({
      orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
      buyerOrder: { companyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8', purchaseOrderNumber: 'PO-X', ...buyerOrder },
      supplierOrder: {},
      lastUpdatedAt: '2025-06-12T09:41:27.318Z',
      lines,
    })) as Json;

  it.each([
    ['2025-06-10T15:32:00', '2025-06-10T15:32:00Z'],
    ['2025-06-10T15:32', '2025-06-10T15:32Z'],
    ['2025-06-10T15:32:00.123456', '2025-06-10T15:32:00.123456Z'],
    ['2025-06-10', '2025-06-10T00:00:00Z'],
    ['2025-06-10T15:32:00+02:00', '2025-06-10T15:32:00+02:00'],
    ['2025-06-10T15:32:00Z', '2025-06-10T15:32:00Z'],
    ['2025-02-30T10:00:00', null],
    ['10-06-2025 15:32', null],
    ['', null],
  ])('erpIssueDateTime %j is stored as %j (a local time is taken as UTC)', (sent, stored) => {
    expect(mapper.map(base({ erpIssueDateTime: sent }), 'deliverySchedule').header.issuedAt).toBe(stored);
  });

  it('a version that is not an integer is null', () => {
    expect(mapper.map({ ...base({}), version: new LosslessNumber('4.5') }, 'deliverySchedule').header.version).toBeNull();
    expect(mapper.map({ ...base({}), version: '4' }, 'deliverySchedule').header.version).toBeNull();
  });

  it('dates that are not yyyy-MM-dd in the echoes that are not validated (history, single-delivery entries) become null instead of failing', () => {
    const scheduleLine = { id: '9027e194-175b-44fc-bd99-bf938de4d763', buyerLine: { position: '0010', deliveryHistory: [{ date: '01-07-2025', quantity: 120 }, { date: '2025-07-02', quantity: 1 }] }, lastUpdatedAt: '2025-06-12T09:41:27.318Z' };
    const [row] = mapper.map(base({}, [scheduleLine]), 'deliverySchedule').lines;
    expect(row.deliveryHistory).toEqual([
      { seq: 0, position: null, date: null, quantity: '120' },
      { seq: 1, position: null, date: '2025-07-02', quantity: '1' },
    ]);
    const singleLine = {
      id: 'd9eeb8d9-867d-414c-b695-3c82fe02948b',
      buyerLine: { position: '0010', scheduledDelivery: { date: '2025-13-01', quantity: 5 }, actualDelivery: { date: 'yesterday', quantity: 5 } },
      confirmedLine: { scheduledDelivery: { date: '2025-07-10T00:00:00', quantity: 5 } },
      statusLine: { scheduledDelivery: { date: '2025-07-08', quantity: 5, status: 'Open', etd: '2025/07/01' } },
      lastUpdatedAt: '2025-06-13T14:02:11.754Z',
    };
    const [single] = mapper.map(base({}, [singleLine]), 'singleDelivery').lines;
    expect(single.deliveryLines.map((entry) => [entry.schedule, entry.date, entry.etd])).toEqual([
      ['current', '2025-07-08', null],
      ['requested', null, null],
      ['confirmed', null, null],
    ]);
    expect(single.deliveryHistory).toEqual([{ seq: 0, position: null, date: null, quantity: '5' }]);
  });

  it('an indicator that is not a boolean is null', () => {
    const line = { id: '9027e194-175b-44fc-bd99-bf938de4d763', buyerLine: { indicators: { delivered: 'true', shipped: 1 } }, indicators: { deliveryOverdue: 'no' }, lastUpdatedAt: '2025-06-12T09:41:27.318Z' };
    const [row] = mapper.map(base({}, [line]), 'deliverySchedule').lines;
    expect([row.delivered, row.shipped, row.deliveryOverdue]).toEqual([null, null, null]);
  });
});
