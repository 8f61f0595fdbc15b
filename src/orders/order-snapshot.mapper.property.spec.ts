import fc from 'fast-check';
import { LosslessNumber } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../changes/lossless-json';
import { DeliveryLineRow, OrderLineRow, OrderSnapshotMapper, ScheduleName } from './order-snapshot.mapper';

/**
 * Property-based cases: generated line models (every optional field present or absent), turned
 * into the JSON Tradecloud would send, sent through `stringifyExact`/`parseExact` as the event
 * processor receives them, then mapped. Expected columns are read from the model, so an absent
 * field must give null and a number must arrive digit for digit.
 */

type Json = Record<string, unknown>;

const mapper = new OrderSnapshotMapper();
const RUNS = { numRuns: 100 };

// ---- generators -------------------------------------------------------------------------------

/** Decimal text as Tradecloud may send it: trailing zeros (`1.10`), long fractions, big integers. */
const decimal: fc.Arbitrary<string> = fc.oneof(
  fc.record({ units: fc.bigInt({ min: 0n, max: 10n ** 30n }), scale: fc.integer({ min: 0, max: 24 }) }).map(({ units, scale }) => {
    const digits = units.toString().padStart(scale + 1, '0');
    return scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  }),
  fc.constantFrom('1.10', '92.0', '0.000000000000000000001', '12345678901234567890.123456789', '0'),
);

const localDate = fc.integer({ min: 0, max: 3650 }).map((days) => new Date(Date.UTC(2020, 0, 1) + days * 86_400_000).toISOString().slice(0, 10));
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }).map((ms) => new Date(ms).toISOString());
const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .\-/]{0,15}$/);
const position = fc.stringMatching(/^[0-9]{1,4}$/);
const status = fc.constantFrom('Open', 'Produced', 'ReadyToShip', 'Shipped', 'Delivered');

interface EntryModel {
  position?: string;
  date: string;
  quantity: string;
  status?: string;
  etd?: string;
  eta?: string;
  transportMode?: string;
}

const entryModel: fc.Arbitrary<EntryModel> = fc.record(
  { position, date: localDate, quantity: decimal, status, etd: localDate, eta: localDate, transportMode: word },
  { requiredKeys: ['date', 'quantity'] },
);
const schedule = fc.array(entryModel, { maxLength: 4 });

interface DocumentModel {
  objectId?: string;
  url?: string;
  code?: string;
  revision?: string;
  name?: string;
  type?: string;
  description?: string;
}

const documentModel: fc.Arbitrary<DocumentModel> = fc.record(
  { objectId: fc.uuid(), url: fc.webUrl(), code: word, revision: word, name: word, type: word, description: word },
  { requiredKeys: [] },
);
const documents = fc.array(documentModel, { maxLength: 3 });

interface LineModel {
  id: string;
  position?: string;
  originalPosition?: string;
  lineType?: string;
  itemNumber?: string;
  itemName?: string;
  description?: string;
  processStatus?: string;
  inProgressStatus?: string;
  logisticsStatus?: string;
  netPrice?: string;
  currency?: string;
  grossPrice?: string;
  discountPercentage?: string;
  priceUnitQuantity?: string;
  priceUnitOfMeasure?: string;
  proposedNetPrice?: string;
  buyerNetPrice?: string;
  confirmedNetPrice?: string;
  purchaseUnitOfMeasure?: string;
  salesOrderNumber?: string;
  salesOrderPosition?: string;
  salesOrderLinePosition?: string;
  delivered?: boolean;
  shipped?: boolean;
  completed?: boolean;
  cancelled?: boolean;
  noDeliveryExpected?: boolean;
  deliveryOverdue?: boolean;
  proposalReason?: string;
  current: EntryModel[];
  currentInclRequests: EntryModel[];
  requested: EntryModel[];
  confirmed: EntryModel[];
  history: EntryModel[];
  buyerDocuments: DocumentModel[];
  supplierDocuments: DocumentModel[];
  lastUpdatedAt: string;
}

const lineModel: fc.Arbitrary<LineModel> = fc.record(
  {
    id: fc.uuid(),
    position,
    originalPosition: position,
    lineType: fc.constantFrom('Item', 'Service', 'Charge'),
    itemNumber: word,
    itemName: word,
    description: word,
    processStatus: fc.constantFrom('Issued', 'InProgress', 'Confirmed', 'Rejected', 'Cancelled', 'Completed'),
    inProgressStatus: fc.constantFrom('OpenSupplierProposal', 'OpenBuyerReopenRequest'),
    logisticsStatus: status,
    netPrice: decimal,
    currency: fc.constantFrom('EUR', 'USD', 'CHF'),
    grossPrice: decimal,
    discountPercentage: decimal,
    priceUnitQuantity: decimal,
    priceUnitOfMeasure: fc.constantFrom('PCE', 'KGM', 'MTR'),
    proposedNetPrice: decimal,
    buyerNetPrice: decimal,
    confirmedNetPrice: decimal,
    purchaseUnitOfMeasure: fc.constantFrom('PCE', 'KGM', 'MTR'),
    salesOrderNumber: word,
    salesOrderPosition: position,
    salesOrderLinePosition: position,
    delivered: fc.boolean(),
    shipped: fc.boolean(),
    completed: fc.boolean(),
    cancelled: fc.boolean(),
    noDeliveryExpected: fc.boolean(),
    deliveryOverdue: fc.boolean(),
    proposalReason: word,
    current: schedule,
    currentInclRequests: schedule,
    requested: schedule,
    confirmed: schedule,
    history: schedule,
    buyerDocuments: documents,
    supplierDocuments: documents,
    lastUpdatedAt: instant,
  },
  { requiredKeys: ['id', 'current', 'currentInclRequests', 'requested', 'confirmed', 'history', 'buyerDocuments', 'supplierDocuments', 'lastUpdatedAt'] },
);

/** Lines with distinct ids (Tradecloud's line id is the key). */
const lineModels = fc.uniqueArray(lineModel, { maxLength: 5, selector: (line) => line.id });

// ---- model → JSON as Tradecloud sends it ------------------------------------------------------

const n = (text: string | undefined) => (text === undefined ? undefined : new LosslessNumber(text));
/** Drops undefined members, as a JSON body has no such thing. */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}
const money = (value: string | undefined, currency?: string) =>
  value === undefined ? undefined : { priceInTransactionCurrency: compact({ value: n(value), currencyIso: currency }) };
const entryJson = (entry: EntryModel) => compact({ ...entry, quantity: n(entry.quantity) });
const withoutPosition = (entry: EntryModel) => compact({ ...entry, position: undefined, quantity: n(entry.quantity) });
const documentJson = (document: DocumentModel) => compact({ ...document });

function currentPrices(model: LineModel): Json {
  return compact({
    netPrice: money(model.netPrice, model.currency),
    grossPrice: money(model.grossPrice, model.currency),
    discountPercentage: n(model.discountPercentage),
    priceUnitQuantity: n(model.priceUnitQuantity),
    priceUnitOfMeasureIso: model.priceUnitOfMeasure,
  });
}

/** The parts both modes share. */
function commonLine(model: LineModel): Json {
  return compact({
    id: model.id,
    lineType: model.lineType,
    buyerLine: compact({
      position: model.position,
      originalPosition: model.originalPosition,
      description: model.description,
      item: compact({ number: model.itemNumber, name: model.itemName, purchaseUnitOfMeasureIso: model.purchaseUnitOfMeasure }),
      prices: model.buyerNetPrice === undefined ? undefined : { netPrice: money(model.buyerNetPrice) },
      indicators: compact({
        delivered: model.delivered,
        shipped: model.shipped,
        completed: model.completed,
        cancelled: model.cancelled,
        noDeliveryExpected: model.noDeliveryExpected,
      }),
      documents: model.buyerDocuments.map(documentJson),
    }),
    supplierLine: compact({
      salesOrderNumber: model.salesOrderNumber,
      salesOrderPosition: model.salesOrderPosition,
      salesOrderLinePosition: model.salesOrderLinePosition,
      requests: model.proposalReason === undefined ? undefined : { proposal: { reason: model.proposalReason, status: 'Open' } },
      documents: model.supplierDocuments.map(documentJson),
    }),
    indicators: model.deliveryOverdue === undefined ? undefined : { deliveryOverdue: model.deliveryOverdue },
    status: compact({ processStatus: model.processStatus, inProgressStatus: model.inProgressStatus, logisticsStatus: model.logisticsStatus }),
    lastUpdatedAt: model.lastUpdatedAt,
  });
}

function scheduleLine(model: LineModel): Json {
  const line = commonLine(model);
  (line.buyerLine as Json).deliverySchedule = model.requested.map(entryJson);
  (line.buyerLine as Json).deliveryHistory = model.history.map(entryJson);
  return compact({
    ...line,
    confirmedLine: compact({
      deliverySchedule: model.confirmed.map(entryJson),
      prices: model.confirmedNetPrice === undefined ? undefined : { netPrice: money(model.confirmedNetPrice) },
    }),
    deliverySchedule: model.current.map(entryJson),
    deliveryScheduleIncludingRequests: model.currentInclRequests.map(entryJson),
    prices: currentPrices(model),
    pricesIncludingRequests: model.proposedNetPrice === undefined ? undefined : { netPrice: money(model.proposedNetPrice) },
  });
}

/** Single delivery: each schedule is at most one entry, without position; the history is `actualDelivery`. */
function singleDeliveryLine(model: LineModel): Json {
  const line = commonLine(model);
  const first = (entries: EntryModel[]) => (entries.length ? withoutPosition(entries[0]) : undefined);
  Object.assign(line.buyerLine as Json, compact({ scheduledDelivery: first(model.requested), actualDelivery: first(model.history) }));
  return compact({
    ...line,
    confirmedLine: compact({
      scheduledDelivery: first(model.confirmed),
      prices: model.confirmedNetPrice === undefined ? undefined : { netPrice: money(model.confirmedNetPrice) },
    }),
    statusLine: compact({
      scheduledDelivery: first(model.current),
      scheduledDeliveryInclRequests: first(model.currentInclRequests),
      prices: currentPrices(model),
      pricesInclRequests: model.proposedNetPrice === undefined ? undefined : { netPrice: money(model.proposedNetPrice) },
    }),
  });
}

/** What the processor maps: the body as text, parsed exactly. */
function received(value: Json): Json {
  return parseExact(stringifyExact(value)) as Json;
}

function order(lines: Json[], headerDocuments: { buyer: DocumentModel[]; supplier: DocumentModel[] } = { buyer: [], supplier: [] }): Json {
  return received({
    orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
    buyerOrder: { companyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8', purchaseOrderNumber: 'PO-PROPERTY', documents: headerDocuments.buyer.map(documentJson) },
    supplierOrder: { companyId: 'dcf95157-6451-4be2-a92e-a13a151f9572', documents: headerDocuments.supplier.map(documentJson) },
    lastUpdatedAt: '2025-06-12T09:41:27.318Z',
    lines,
  });
}

// ---- expectations from the model --------------------------------------------------------------

/** Exact decimal sum, written independently of the mapper's: pad fractions, add as integers. */
function exactSum(values: string[]): string {
  const scale = Math.max(0, ...values.map((value) => (value.split('.')[1] ?? '').length));
  const total = values.reduce((sum, value) => {
    const [whole, fraction = ''] = value.split('.');
    return sum + BigInt(whole + fraction.padEnd(scale, '0'));
  }, 0n);
  const digits = total.toString().padStart(scale + 1, '0');
  return scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
}

function expectedColumns(model: LineModel): Omit<OrderLineRow, 'line' | 'deliveryLines' | 'deliveryHistory' | 'openQuantity'> {
  return {
    lineId: model.id,
    position: model.position ?? null,
    originalPosition: model.originalPosition ?? null,
    lineType: model.lineType ?? 'Item',
    itemNumber: model.itemNumber ?? null,
    description: model.description ?? model.itemName ?? null,
    processStatus: model.processStatus ?? null,
    inProgressStatus: model.inProgressStatus ?? null,
    logisticsStatus: model.logisticsStatus ?? null,
    netPrice: model.netPrice ?? null,
    currency: model.netPrice === undefined ? null : (model.currency ?? null),
    priceUnitQuantity: model.priceUnitQuantity ?? null,
    buyerNetPrice: model.buyerNetPrice ?? null,
    confirmedNetPrice: model.confirmedNetPrice ?? null,
    proposedNetPrice: model.proposedNetPrice ?? null,
    grossPrice: model.grossPrice ?? null,
    discountPercentage: model.discountPercentage ?? null,
    priceUnitOfMeasure: model.priceUnitOfMeasure ?? null,
    purchaseUnitOfMeasure: model.purchaseUnitOfMeasure ?? null,
    supplierSalesOrderNumber: model.salesOrderNumber ?? null,
    supplierSalesOrderPosition: model.salesOrderPosition ?? model.salesOrderLinePosition ?? null,
    delivered: model.delivered ?? null,
    shipped: model.shipped ?? null,
    completed: model.completed ?? null,
    cancelled: model.cancelled ?? null,
    noDeliveryExpected: model.noDeliveryExpected ?? null,
    deliveryOverdue: model.deliveryOverdue ?? null,
    proposalReason: model.proposalReason ?? null,
    lastUpdatedAt: model.lastUpdatedAt,
  };
}

function expectedEntries(name: ScheduleName, entries: EntryModel[], withPosition: boolean): DeliveryLineRow[] {
  return entries.map((entry, seq) => ({
    schedule: name,
    seq,
    position: withPosition ? (entry.position ?? null) : null,
    date: entry.date,
    quantity: entry.quantity,
    status: entry.status ?? null,
    etd: entry.etd ?? null,
    eta: entry.eta ?? null,
    transportMode: entry.transportMode ?? null,
  }));
}

function expectedOpenQuantity(current: EntryModel[]): string | null {
  const open = current.filter((entry) => entry.status !== 'Delivered').map((entry) => entry.quantity);
  return open.length ? exactSum(open) : null;
}

function expectedDocumentKey(document: DocumentModel): string {
  if (document.objectId) return `object:${document.objectId}`;
  if (document.url) return `url:${document.url}`;
  return `code:${document.code ?? ''}|revision:${document.revision ?? ''}|name:${document.name ?? ''}`;
}

function columnsOf(row: OrderLineRow) {
  const { line, deliveryLines, deliveryHistory, openQuantity, ...rest } = row;
  void line;
  void deliveryLines;
  void deliveryHistory;
  void openQuantity;
  return rest;
}

// ---- properties -------------------------------------------------------------------------------

describe('OrderSnapshotMapper properties, delivery-schedule mode', () => {
  it('gives exactly one row per input line, in order, with id, position and every column copied (absent → null)', () => {
    fc.assert(
      fc.property(lineModels, (models) => {
        const snapshot = mapper.map(order(models.map(scheduleLine)), 'deliverySchedule');
        expect(snapshot.lines).toHaveLength(models.length);
        models.forEach((model, index) => expect(columnsOf(snapshot.lines[index])).toEqual(expectedColumns(model)));
      }),
      RUNS,
    );
  });

  it('gives one schedule row per input entry of each of the four schedules, quantities digit for digit, and the exact open quantity', () => {
    fc.assert(
      fc.property(lineModel, (model) => {
        const [row] = mapper.map(order([scheduleLine(model)]), 'deliverySchedule').lines;
        expect(row.deliveryLines).toEqual([
          ...expectedEntries('current', model.current, true),
          ...expectedEntries('current_incl_requests', model.currentInclRequests, true),
          ...expectedEntries('requested', model.requested, true),
          ...expectedEntries('confirmed', model.confirmed, true),
        ]);
        expect(row.deliveryHistory).toEqual(model.history.map((entry, seq) => ({ seq, position: entry.position ?? null, date: entry.date, quantity: entry.quantity })));
        expect(row.openQuantity).toBe(expectedOpenQuantity(model.current));
      }),
      RUNS,
    );
  });

  it('maps every document of header and lines once, line documents with their line id and position (both modes)', () => {
    fc.assert(
      fc.property(lineModels, documents, documents, fc.boolean(), (models, buyer, supplier, single) => {
        const lines = models.map(single ? singleDeliveryLine : scheduleLine);
        const snapshot = mapper.map(order(lines, { buyer, supplier }), single ? 'singleDelivery' : 'deliverySchedule');
        const expected = [
          ...buyer.map((document) => ({ document, side: 'buyer', lineId: null, linePosition: null })),
          ...supplier.map((document) => ({ document, side: 'supplier', lineId: null, linePosition: null })),
          ...models.flatMap((model) => [
            ...model.buyerDocuments.map((document) => ({ document, side: 'buyer', lineId: model.id, linePosition: model.position ?? null })),
            ...model.supplierDocuments.map((document) => ({ document, side: 'supplier', lineId: model.id, linePosition: model.position ?? null })),
          ]),
        ];
        expect(snapshot.documents).toHaveLength(expected.length);
        snapshot.documents.forEach((mapped, index) => {
          const { document, side, lineId, linePosition } = expected[index];
          expect(mapped).toEqual({
            documentKey: expectedDocumentKey(document),
            objectId: document.objectId ?? null,
            url: document.url ?? null,
            code: document.code ?? null,
            revision: document.revision ?? null,
            name: document.name ?? null,
            type: document.type ?? null,
            description: document.description ?? null,
            side,
            lineId,
            linePosition,
            lastUpdatedAt: null,
            document: documentJson(document),
          });
        });
      }),
      RUNS,
    );
  });

  it('treats an empty position like a missing one', () => {
    fc.assert(
      fc.property(lineModel, (model) => {
        const line = scheduleLine(model);
        (line.buyerLine as Json).position = '';
        expect(mapper.map(order([line]), 'deliverySchedule').lines[0].position).toBeNull();
      }),
      { numRuns: 20 },
    );
  });
});

describe('OrderSnapshotMapper properties, single-delivery mode', () => {
  it('gives one row per line, split lines (no position) included, with the same columns as delivery-schedule mode', () => {
    // A supplier split: lines without position that name the line they came from.
    const split = lineModel.map(({ position: _position, ...model }) => model);
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(lineModel, split), { maxLength: 5, selector: (line) => line.id }), (models) => {
        const snapshot = mapper.map(order(models.map(singleDeliveryLine)), 'singleDelivery');
        expect(snapshot.lines.map((row) => row.lineId)).toEqual(models.map((model) => model.id));
        models.forEach((model, index) => expect(columnsOf(snapshot.lines[index])).toEqual(expectedColumns(model)));
      }),
      RUNS,
    );
  });

  it('maps each scheduled delivery to one entry of its schedule (no position) and actualDelivery to the history', () => {
    fc.assert(
      fc.property(lineModel, (model) => {
        const [row] = mapper.map(order([singleDeliveryLine(model)]), 'singleDelivery').lines;
        const first = (entries: EntryModel[]) => entries.slice(0, 1);
        expect(row.deliveryLines).toEqual([
          ...expectedEntries('current', first(model.current), false),
          ...expectedEntries('current_incl_requests', first(model.currentInclRequests), false),
          ...expectedEntries('requested', first(model.requested), false),
          ...expectedEntries('confirmed', first(model.confirmed), false),
        ]);
        expect(row.deliveryHistory).toEqual(first(model.history).map((entry) => ({ seq: 0, position: null, date: entry.date, quantity: entry.quantity })));
        expect(row.openQuantity).toBe(expectedOpenQuantity(first(model.current)));
      }),
      RUNS,
    );
  });

  it('maps a stored line back to the same row (mapLine), whichever mode it was received in', () => {
    fc.assert(
      fc.property(lineModel, fc.boolean(), (model, single) => {
        const body = order([single ? singleDeliveryLine(model) : scheduleLine(model)]);
        const [row] = mapper.map(body, single ? 'singleDelivery' : 'deliverySchedule').lines;
        expect(mapper.mapLine(row.line)).toEqual(row);
      }),
      RUNS,
    );
  });
});

describe('OrderSnapshotMapper properties, header', () => {
  interface HeaderModel {
    orderType?: string;
    description?: string;
    supplierAccountNumber?: string;
    supplierName?: string;
    incotermsCode?: string;
    paymentTermsCode?: string;
    processStatus?: string;
    logisticsStatus?: string;
    version?: number;
  }
  const headerModel: fc.Arbitrary<HeaderModel> = fc.record(
    {
      orderType: fc.constantFrom('Purchase', 'Forecast', 'RFQ'),
      description: word,
      supplierAccountNumber: word,
      supplierName: word,
      incotermsCode: fc.constantFrom('DAP', 'EXW', 'FCA'),
      paymentTermsCode: word,
      processStatus: fc.constantFrom('Issued', 'InProgress', 'Confirmed'),
      logisticsStatus: status,
      version: fc.integer({ min: 1, max: 1_000_000 }),
    },
    { requiredKeys: [] },
  );

  it('maps each header column from its field, null when absent (order type: Purchase, Tradecloud’s default)', () => {
    fc.assert(
      fc.property(headerModel, (model) => {
        const body = received(
          compact({
            orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
            version: model.version,
            buyerOrder: compact({
              companyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8',
              purchaseOrderNumber: 'PO-PROPERTY',
              supplierAccountNumber: model.supplierAccountNumber,
              orderType: model.orderType,
              description: model.description,
              supplierParty: model.supplierName === undefined ? undefined : { names: [model.supplierName, 'Second name line'] },
              terms: compact({ incotermsCode: model.incotermsCode, paymentTermsCode: model.paymentTermsCode }),
            }),
            supplierOrder: { companyId: 'dcf95157-6451-4be2-a92e-a13a151f9572' },
            status: compact({ processStatus: model.processStatus, logisticsStatus: model.logisticsStatus }),
            lastUpdatedAt: '2025-06-12T09:41:27.318Z',
            lines: [],
          }),
        );
        const { header, ...row } = mapper.map(body, 'deliverySchedule').header;
        void header;
        expect(row).toEqual({
          orderId: 'd0d74b64-fe9c-4af2-b5b3-9ebd6bdae718',
          purchaseOrderNumber: 'PO-PROPERTY',
          buyerCompanyId: '3c3a301c-b704-4e6e-a8df-a1f1cc8e6ae8',
          supplierCompanyId: 'dcf95157-6451-4be2-a92e-a13a151f9572',
          supplierAccountNumber: model.supplierAccountNumber ?? null,
          processStatus: model.processStatus ?? null,
          logisticsStatus: model.logisticsStatus ?? null,
          version: model.version ?? null,
          lastUpdatedAt: '2025-06-12T09:41:27.318Z',
          orderType: model.orderType ?? 'Purchase',
          description: model.description ?? null,
          issuedAt: null,
          supplierName: model.supplierName ?? null,
          incotermsCode: model.incotermsCode ?? null,
          paymentTermsCode: model.paymentTermsCode ?? null,
        });
      }),
      RUNS,
    );
  });
});
