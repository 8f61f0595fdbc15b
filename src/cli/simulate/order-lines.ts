import { addDays, linePosition, SeededRandom, stableUuid } from './deterministic';

/** Items the generated lines are made of (as in the samples: a hose, a fitting, a bearing, steel by weight…). */
const ITEMS = [
  { number: 'HYD-4410-22', revision: 'B', name: 'Hose assembly 1/2in 2200mm', unit: 'PCE', supplierItemNumber: 'HA-12-2200' },
  { number: 'FIT-0090-M16', name: 'Straight fitting M16', unit: 'PCE', supplierItemNumber: 'SF-M16' },
  { number: 'BRG-6204-2RS', name: 'Deep groove ball bearing 6204-2RS', unit: 'PCE', supplierItemNumber: '6204-2RS-C3' },
  { number: 'STL-S235-10', revision: 'A', name: 'Steel plate S235JR 10mm', unit: 'KGM', supplierItemNumber: 'PL10-S235' },
  { number: 'CBL-H07-3G25', name: 'Cable H07RN-F 3G2.5', unit: 'MTR', supplierItemNumber: 'H07-325' },
] as const;

export type ProcessStatus = 'Issued' | 'InProgress' | 'Confirmed' | 'Rejected' | 'Completed' | 'Cancelled';

/** The process status an order event of this name typically carries. */
export function processStatusFor(eventName: string): ProcessStatus {
  if (/^(OrderIssuedByBuyer|OrderLinesIssuedByBuyer|OrderLinesReissuedByBuyer)$/.test(eventName)) return 'Issued';
  if (/Proposed|ReopenRequested|ReconfirmationRequested|RescheduleRequested/.test(eventName)) return 'InProgress';
  if (eventName === 'OrderLinesRejectedBySupplier') return 'Rejected';
  if (/^OrderLinesCancelledBy/.test(eventName)) return 'Cancelled';
  if (/^OrderLinesCompletedBy/.test(eventName)) return 'Completed';
  return 'Confirmed';
}

/** What the supplier answered: dates moved by `shiftDays`, and the net price it asks or agreed. */
export interface SupplierAnswer {
  shiftDays?: number;
  netPrice?: number;
  /** Proposals only. Default `Capacity`. */
  reason?: string;
}

export interface LineContext {
  orderId: string;
  seed: number;
  lineNumber: number;
  scheduleEntries: number;
  processStatus: ProcessStatus;
  lastUpdatedAt: string;
  salesOrderNumber: string;
  /** The buyer's net price. Default: seeded. */
  netPrice?: number;
  /** Date of the first delivery entry. Default: 2025-07-01 plus 0–27 days by line number. */
  firstDeliveryDate?: string;
  /** A confirmed (or completed) line: the agreed dates and price. Default: seeded (0, 3, 7 or 9 days later; the price kept or raised). */
  confirmation?: SupplierAnswer;
  /** An in-progress line: the supplier's proposal. Default: 14 days later, same price, reason `Capacity`. */
  proposal?: SupplierAnswer;
  /** Receipts recorded by the buyer for the first delivery entry (its quantity split over them). Default 0 (Completed lines: 1). */
  receipts?: number;
}

/** Values shared by the delivery-schedule and single-delivery shapes of one line. */
export interface LineValues {
  id: string;
  position: string;
  item: (typeof ITEMS)[number];
  schedule: Array<{ position: string; date: string; quantity: number }>;
  prices: Record<string, unknown>;
  random: SeededRandom;
}

export function lineValues(context: LineContext): LineValues {
  const random = new SeededRandom(context.seed, context.orderId, context.lineNumber);
  const item = random.pick(ITEMS);
  const quantity = () => (item.unit === 'PCE' ? random.int(1, 500) : random.decimal(5, 900, 3));
  const firstDate = context.firstDeliveryDate ?? addDays('2025-07-01', context.lineNumber % 28);
  const schedule = Array.from({ length: context.scheduleEntries }, (_, index) => ({
    position: String(index + 1),
    date: addDays(firstDate, 14 * index),
    quantity: quantity(),
  }));
  const currencyIso = 'EUR';
  const seededNet = random.decimal(0.5, 250, random.pick([2, 2, 4]));
  const net = context.netPrice ?? seededNet;
  const priceUnitQuantity = random.pick([1, 1, 1, 100]);
  const prices: Record<string, unknown> =
    random.next() < 0.3
      ? {
          grossPrice: { priceInTransactionCurrency: { value: Math.round(net * 125) / 100, currencyIso } },
          discountPercentage: 20,
          netPrice: { priceInTransactionCurrency: { value: net, currencyIso } },
          priceUnitOfMeasureIso: item.unit,
          priceUnitQuantity,
        }
      : { netPrice: { priceInTransactionCurrency: { value: net, currencyIso } }, priceUnitOfMeasureIso: item.unit, priceUnitQuantity };
  return { id: stableUuid('line', context.orderId, context.lineNumber), position: linePosition(context.lineNumber), item, schedule, prices, random };
}

/** `prices` with another net price (and no gross price/discount, which would no longer add up). */
function withNetPrice(prices: Record<string, unknown>, netPrice: number | undefined): Record<string, unknown> {
  if (netPrice === undefined) return prices;
  const { grossPrice: _gross, discountPercentage: _discount, ...rest } = prices;
  const currencyIso = (prices.netPrice as { priceInTransactionCurrency: { currencyIso: string } }).priceInTransactionCurrency.currencyIso;
  return { ...rest, netPrice: { priceInTransactionCurrency: { value: netPrice, currencyIso } } };
}

/**
 * What the supplier's answer changes. A confirmation by default moves the dates by 0, 3, 7 or
 * 9 days and keeps the price or raises it a little (seeded, from a generator of its own so the
 * other generated values stay what they were).
 */
function answer(context: LineContext, kind: 'confirmation' | 'proposal', netPrice: number): Required<Pick<SupplierAnswer, 'shiftDays'>> & SupplierAnswer {
  const given = context[kind];
  const random = new SeededRandom(context.seed, context.orderId, context.lineNumber, kind);
  if (kind === 'proposal') return { shiftDays: given?.shiftDays ?? 14, netPrice: given?.netPrice, reason: given?.reason ?? 'Capacity' };
  const shiftDays = given?.shiftDays ?? random.pick([0, 0, 3, 7, 9]);
  const raised = random.next() < 0.3 ? Math.round(netPrice * 107) / 100 : undefined;
  return { shiftDays, netPrice: given ? given.netPrice : raised };
}

/** The buyer's receipts of the first entry: its quantity split over `count` dates, a week apart from its date on. */
function receiptsOf(context: LineContext, first: { date: string; quantity: number }): Array<{ position: string; date: string; quantity: number }> {
  const count = context.receipts ?? (context.processStatus === 'Completed' ? 1 : 0);
  if (count <= 0) return [];
  const part = Math.floor(first.quantity / count);
  return Array.from({ length: count }, (_, index) => ({
    position: '1',
    date: addDays(first.date, 7 * index),
    quantity: index === count - 1 ? first.quantity - part * (count - 1) : part,
  }));
}

/** Tradecloud flags a line overdue when an entry not delivered yet was due before today (here: before the event). */
function overdue(entries: Array<{ date: string }>, delivered: boolean, lastUpdatedAt: string): boolean {
  return !delivered && entries.some((entry) => entry.date < lastUpdatedAt.slice(0, 10));
}

function buyerItem(values: LineValues): Record<string, unknown> {
  const { item } = values;
  return {
    number: item.number,
    ...('revision' in item ? { revision: item.revision } : {}),
    name: item.name,
    purchaseUnitOfMeasureIso: item.unit,
    supplierItemNumber: item.supplierItemNumber,
  };
}

function lineStatus(processStatus: ProcessStatus, logisticsStatus: string): Record<string, string> {
  return processStatus === 'InProgress'
    ? { processStatus, inProgressStatus: 'OpenSupplierProposal', logisticsStatus }
    : { processStatus, logisticsStatus };
}

/**
 * One `lines[]` entry of an `orderEvent` or a GET order (delivery-schedule mode), shaped like
 * line 0010 of the samples. `buyerLine` keeps what the buyer asked; a confirmation moves the
 * current schedule and prices to the agreed ones; a proposal shows in the schedule and prices
 * including requests.
 */
export function deliveryScheduleLine(context: LineContext): Record<string, unknown> {
  const values = lineValues(context);
  const { schedule, prices, random, item } = values;
  const buyerNet = netValue(prices);
  const inProgress = context.processStatus === 'InProgress';
  const confirmed = context.processStatus === 'Confirmed' || context.processStatus === 'Completed';
  const agreed = confirmed ? answer(context, 'confirmation', buyerNet) : undefined;
  const proposal = inProgress ? answer(context, 'proposal', buyerNet) : undefined;
  const agreedSchedule = agreed ? schedule.map((entry) => ({ ...entry, date: addDays(entry.date, agreed.shiftDays) })) : schedule;
  const agreedPrices = agreed ? withNetPrice(prices, agreed.netPrice) : prices;
  const receipts = receiptsOf(context, agreedSchedule[0]);
  const delivered = context.processStatus === 'Completed';
  const logistics = context.processStatus === 'Cancelled' ? 'Cancelled' : delivered ? 'Delivered' : 'Open';
  const current = agreedSchedule.map((entry, index) => ({
    ...entry,
    status: delivered ? 'Delivered' : 'Open',
    ...(index === 0 ? { etd: addDays(entry.date, -1), eta: entry.date } : {}),
  }));
  const proposed = proposal ? schedule.map((entry) => ({ ...entry, date: addDays(entry.date, proposal.shiftDays) })) : schedule;
  const proposedPrices = proposal ? withNetPrice(prices, proposal.netPrice) : agreedPrices;
  return {
    id: values.id,
    lineType: 'Item',
    buyerLine: {
      position: values.position,
      description: item.name,
      item: buyerItem(values),
      deliverySchedule: schedule,
      ...(receipts.length ? { deliveryHistory: receipts } : {}),
      prices,
      indicators: { noDeliveryExpected: false, delivered, ...(context.processStatus === 'Cancelled' ? { cancelled: true } : {}) },
      properties: [],
      notes: [],
      labels: [],
      documents: [],
    },
    supplierLine: {
      salesOrderNumber: context.salesOrderNumber,
      salesOrderPosition: String(context.lineNumber),
      description: 'Made to stock',
      ...(proposal ? { requests: { proposal: { deliverySchedule: proposed, prices: proposedPrices, reason: proposal.reason, status: 'Open' } } } : {}),
      properties: [],
      notes: [],
      documents: [],
    },
    ...(agreed ? { confirmedLine: { deliverySchedule: agreedSchedule, prices: agreedPrices } } : {}),
    deliverySchedule: current,
    deliveryScheduleIncludingRequests: proposal ? proposed.map((entry) => ({ ...entry, status: 'Open' })) : current,
    prices: agreedPrices,
    pricesIncludingRequests: proposedPrices,
    indicators: { deliveryOverdue: context.processStatus !== 'Cancelled' && overdue(current, delivered, context.lastUpdatedAt) },
    status: lineStatus(context.processStatus, logistics),
    mergedItemDetails: {
      countryOfOriginCodeIso2: random.pick(['DE', 'NL', 'CZ', 'IT']),
      combinedNomenclatureCode: '4009 42 00',
      netWeight: random.decimal(0.05, 25, 3),
      netWeightUnitOfMeasureIso: 'KGM',
    },
    lastUpdatedAt: context.lastUpdatedAt,
  };
}

function netValue(prices: Record<string, unknown>): number {
  return (prices.netPrice as { priceInTransactionCurrency: { value: number } }).priceInTransactionCurrency.value;
}

/**
 * One `lines[]` entry of a `singleDeliveryOrderEvent`, shaped like the single-delivery sample:
 * one `statusLine.scheduledDelivery`. `splitFrom` makes it a supplier split line (no `position`,
 * `originalPosition` set).
 */
export function singleDeliveryLine(context: LineContext, splitFrom?: string): Record<string, unknown> {
  const values = lineValues({ ...context, scheduleEntries: 1 });
  const [delivery] = values.schedule;
  const buyerNet = netValue(values.prices);
  const inProgress = context.processStatus === 'InProgress';
  const confirmed = context.processStatus === 'Confirmed' || context.processStatus === 'Completed';
  const agreed = confirmed ? answer(context, 'confirmation', buyerNet) : undefined;
  const proposal = inProgress ? answer(context, 'proposal', buyerNet) : undefined;
  const agreedDelivery = agreed ? { date: addDays(delivery.date, agreed.shiftDays), quantity: delivery.quantity } : { date: delivery.date, quantity: delivery.quantity };
  const agreedPrices = agreed ? withNetPrice(values.prices, agreed.netPrice) : values.prices;
  const requested = proposal ? { date: addDays(delivery.date, proposal.shiftDays), quantity: delivery.quantity } : agreedDelivery;
  const proposedPrices = proposal ? withNetPrice(values.prices, proposal.netPrice) : agreedPrices;
  const receipts = receiptsOf(context, agreedDelivery);
  const delivered = context.processStatus === 'Completed';
  const logistics = context.processStatus === 'Cancelled' ? 'Cancelled' : delivered ? 'Delivered' : 'Open';
  const current = { ...agreedDelivery, status: delivered ? 'Delivered' : 'Open', etd: addDays(agreedDelivery.date, -1), eta: agreedDelivery.date };
  const buyerLine: Record<string, unknown> = splitFrom ? { originalPosition: splitFrom } : { position: values.position };
  return {
    id: values.id,
    lineType: 'Item',
    buyerLine: {
      ...buyerLine,
      description: values.item.name,
      item: buyerItem(values),
      // The echo of the buyer's single delivery and prices (REFERENCE §c.2).
      scheduledDelivery: { date: delivery.date, quantity: delivery.quantity },
      // Single delivery has one actual delivery: the receipts so far, on the date of the last one.
      ...(receipts.length
        ? { actualDelivery: { date: receipts[receipts.length - 1].date, quantity: receipts.reduce((sum, receipt) => sum + receipt.quantity, 0) } }
        : {}),
      prices: values.prices,
      indicators: { noDeliveryExpected: false, delivered, ...(context.processStatus === 'Cancelled' ? { cancelled: true } : {}) },
      documents: [],
    },
    supplierLine: {
      salesOrderNumber: context.salesOrderNumber,
      salesOrderPosition: String(context.lineNumber),
      ...(proposal ? { requests: { proposal: { deliverySchedule: [requested], prices: proposedPrices, reason: proposal.reason, status: 'Open' } } } : {}),
      documents: [],
    },
    ...(agreed ? { confirmedLine: { scheduledDelivery: agreedDelivery, prices: agreedPrices } } : {}),
    statusLine: {
      scheduledDelivery: current,
      scheduledDeliveryInclRequests: proposal ? { ...requested, status: 'Open' } : current,
      prices: agreedPrices,
      pricesInclRequests: proposedPrices,
    },
    indicators: { deliveryOverdue: context.processStatus !== 'Cancelled' && overdue([current], delivered, context.lastUpdatedAt) },
    status: lineStatus(context.processStatus, logistics),
    portalUrl: `https://portal.accp.tradecloud1.com/order/${context.orderId}`,
    lastUpdatedAt: context.lastUpdatedAt,
  };
}
