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

export interface LineContext {
  orderId: string;
  seed: number;
  lineNumber: number;
  scheduleEntries: number;
  processStatus: ProcessStatus;
  lastUpdatedAt: string;
  salesOrderNumber: string;
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
  const firstDate = addDays('2025-07-01', context.lineNumber % 28);
  const schedule = Array.from({ length: context.scheduleEntries }, (_, index) => ({
    position: String(index + 1),
    date: addDays(firstDate, 14 * index),
    quantity: quantity(),
  }));
  const currencyIso = 'EUR';
  const net = random.decimal(0.5, 250, random.pick([2, 2, 4]));
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

function lineStatus(processStatus: ProcessStatus): Record<string, string> {
  return processStatus === 'InProgress'
    ? { processStatus, inProgressStatus: 'OpenSupplierProposal', logisticsStatus: 'Open' }
    : { processStatus, logisticsStatus: processStatus === 'Cancelled' ? 'Cancelled' : 'Open' };
}

/** One `lines[]` entry of an `orderEvent` or a GET order (delivery-schedule mode), shaped like line 0010 of the samples. */
export function deliveryScheduleLine(context: LineContext): Record<string, unknown> {
  const values = lineValues(context);
  const { schedule, prices, random, item } = values;
  const current = schedule.map((entry, index) => ({
    ...entry,
    status: 'Open',
    ...(index === 0 ? { etd: addDays(entry.date, -1), eta: entry.date } : {}),
  }));
  const proposed = schedule.map((entry) => ({ ...entry, date: addDays(entry.date, 14) }));
  const inProgress = context.processStatus === 'InProgress';
  const confirmed = context.processStatus === 'Confirmed' || context.processStatus === 'Completed';
  return {
    id: values.id,
    lineType: 'Item',
    buyerLine: {
      position: values.position,
      description: item.name,
      item: buyerItem(values),
      deliverySchedule: schedule,
      prices,
      indicators: { noDeliveryExpected: false, delivered: false },
      properties: [],
      notes: [],
      labels: [],
      documents: [],
    },
    supplierLine: {
      salesOrderNumber: context.salesOrderNumber,
      salesOrderPosition: String(context.lineNumber),
      description: 'Made to stock',
      ...(inProgress ? { requests: { proposal: { deliverySchedule: proposed, prices, reason: 'Capacity', status: 'Open' } } } : {}),
      properties: [],
      notes: [],
      documents: [],
    },
    ...(confirmed ? { confirmedLine: { deliverySchedule: schedule, prices } } : {}),
    deliverySchedule: current,
    deliveryScheduleIncludingRequests: inProgress ? proposed.map((entry) => ({ ...entry, status: 'Open' })) : current,
    prices,
    pricesIncludingRequests: prices,
    indicators: { deliveryOverdue: false },
    status: lineStatus(context.processStatus),
    mergedItemDetails: {
      countryOfOriginCodeIso2: random.pick(['DE', 'NL', 'CZ', 'IT']),
      combinedNomenclatureCode: '4009 42 00',
      netWeight: random.decimal(0.05, 25, 3),
      netWeightUnitOfMeasureIso: 'KGM',
    },
    lastUpdatedAt: context.lastUpdatedAt,
  };
}

/**
 * One `lines[]` entry of a `singleDeliveryOrderEvent`, shaped like the single-delivery sample:
 * one `statusLine.scheduledDelivery`. `splitFrom` makes it a supplier split line (no `position`,
 * `originalPosition` set).
 */
export function singleDeliveryLine(context: LineContext, splitFrom?: string): Record<string, unknown> {
  const values = lineValues({ ...context, scheduleEntries: 1 });
  const [delivery] = values.schedule;
  const inProgress = context.processStatus === 'InProgress';
  const requested = inProgress ? { date: addDays(delivery.date, 14), quantity: delivery.quantity } : { date: delivery.date, quantity: delivery.quantity };
  const buyerLine: Record<string, unknown> = splitFrom ? { originalPosition: splitFrom } : { position: values.position };
  return {
    id: values.id,
    lineType: 'Item',
    buyerLine: { ...buyerLine, item: { number: values.item.number, name: values.item.name, purchaseUnitOfMeasureIso: values.item.unit }, documents: [] },
    supplierLine: {
      salesOrderNumber: context.salesOrderNumber,
      salesOrderPosition: String(context.lineNumber),
      ...(inProgress ? { requests: { proposal: { deliverySchedule: [requested], prices: values.prices, reason: 'Capacity', status: 'Open' } } } : {}),
      documents: [],
    },
    statusLine: {
      scheduledDelivery: { date: delivery.date, quantity: delivery.quantity, status: 'Open' },
      scheduledDeliveryInclRequests: { ...requested, status: 'Open' },
      prices: values.prices,
      pricesInclRequests: values.prices,
    },
    indicators: { deliveryOverdue: false },
    status: lineStatus(context.processStatus),
    portalUrl: `https://portal.accp.tradecloud1.com/order/${context.orderId}`,
    lastUpdatedAt: context.lastUpdatedAt,
  };
}
