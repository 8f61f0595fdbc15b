import { Injectable } from '@nestjs/common';
import { decimalText, integerValue, isNumberLike, textValue } from '../changes/lossless-json';
import { DocumentSide, mapDocumentReferences, OwnedDocument } from '../documents/document-reference.mapper';
import { isLocalDate } from './dto/delivery-line.dto';

type Json = Record<string, unknown>;

/** The order header as stored in `orders`. Decimals stay text so no digit is lost. */
export interface OrderHeaderRow {
  orderId: string;
  purchaseOrderNumber: string;
  buyerCompanyId: string | null;
  supplierCompanyId: string | null;
  supplierAccountNumber: string | null;
  processStatus: string | null;
  logisticsStatus: string | null;
  version: number | null;
  lastUpdatedAt: string;
  /** `buyerOrder.orderType`; `Purchase` when the buyer left it out (Tradecloud's default). */
  orderType: string | null;
  description: string | null;
  /** `buyerOrder.erpIssueDateTime`: a local date-time without offset, stored as UTC. */
  issuedAt: string | null;
  /** The first of `buyerOrder.supplierParty.names`, where Tradecloud sends it. */
  supplierName: string | null;
  incotermsCode: string | null;
  paymentTermsCode: string | null;
  /**
   * The event object without `lines`, unknown fields included. A fetched order's `id` is
   * stored as `orderId`, so orders from every source have the same header shape.
   */
  header: Json;
}

export type ScheduleName = 'current' | 'current_incl_requests' | 'requested' | 'confirmed';

export interface DeliveryLineRow {
  schedule: ScheduleName;
  seq: number;
  position: string | null;
  date: string | null;
  quantity: string | null;
  status: string | null;
  etd: string | null;
  eta: string | null;
  transportMode: string | null;
}

/** One actual receipt of a line (`buyerLine.deliveryHistory[]`, single delivery: `buyerLine.actualDelivery`). */
export interface DeliveryHistoryRow {
  seq: number;
  position: string | null;
  date: string | null;
  quantity: string | null;
}

export interface OrderLineRow {
  lineId: string;
  position: string | null;
  originalPosition: string | null;
  lineType: string | null;
  itemNumber: string | null;
  description: string | null;
  processStatus: string | null;
  inProgressStatus: string | null;
  logisticsStatus: string | null;
  netPrice: string | null;
  currency: string | null;
  priceUnitQuantity: string | null;
  /** `buyerLine.prices`: the price the buyer issued. */
  buyerNetPrice: string | null;
  /** `confirmedLine.prices`: the agreed price. */
  confirmedNetPrice: string | null;
  /** The prices including open requests (equal to `netPrice` when nothing is open). */
  proposedNetPrice: string | null;
  grossPrice: string | null;
  discountPercentage: string | null;
  priceUnitOfMeasure: string | null;
  purchaseUnitOfMeasure: string | null;
  supplierSalesOrderNumber: string | null;
  supplierSalesOrderPosition: string | null;
  delivered: boolean | null;
  shipped: boolean | null;
  completed: boolean | null;
  cancelled: boolean | null;
  noDeliveryExpected: boolean | null;
  deliveryOverdue: boolean | null;
  /** `supplierLine.requests.proposal.reason` (the latest proposal, whatever its status). */
  proposalReason: string | null;
  /** Sum of the current schedule's entries not `Delivered` (what open value is counted on), exact decimal text. */
  openQuantity: string | null;
  lastUpdatedAt: string;
  /** The line as received, unknown fields included. */
  line: Json;
  deliveryLines: DeliveryLineRow[];
  deliveryHistory: DeliveryHistoryRow[];
}

/** Everything one order event (or one fetched order) says about one order. */
export interface OrderSnapshot {
  header: OrderHeaderRow;
  lines: OrderLineRow[];
  documents: OwnedDocument[];
  /**
   * Set when the lines are the delivery-schedule lines of a stored event's body (`lines[i]` is
   * `body[payloadKey].lines[i]`): their JSON, schedules and delivery history are then written from
   * that stored jsonb inside PostgreSQL instead of being sent back (`order-line-writes.ts`). An
   * empty `payloadKey`: the body is the order itself (a polled order).
   */
  source?: { eventId: string; payloadKey: string };
}

export type OrderMode = 'deliverySchedule' | 'singleDelivery';

/**
 * Turns an `orderEvent`, a `singleDeliveryOrderEvent` or a fetched order (`GET /order/{id}`,
 * which has `id` instead of `orderId`) into rows. Input comes from `parseExact`, so numbers are
 * exact. The DTO validation has already guaranteed the fields this relies on.
 */
@Injectable()
export class OrderSnapshotMapper {
  map(order: Json, mode: OrderMode): OrderSnapshot {
    const buyerOrder = obj(order.buyerOrder);
    const supplierOrder = obj(order.supplierOrder);
    const status = obj(order.status);
    const orderId = String(order.orderId ?? order.id);
    const { lines: rawLines, ...rest } = order;
    // `GET /order/{id}` and the polling API name the id `id`: stored as `orderId` like an event's.
    const { id: fetchedId, ...withoutId } = rest;
    const header: Json = order.orderId === undefined && fetchedId !== undefined ? { orderId: fetchedId, ...withoutId } : rest;
    const lines = arr(rawLines).map((line) => (mode === 'singleDelivery' ? this.singleDeliveryLine(obj(line)) : this.scheduleLine(obj(line))));
    const terms = obj(buyerOrder.terms);

    const documents: OwnedDocument[] = [
      ...mapDocumentReferences(buyerOrder.documents, 'buyer', null, null),
      ...mapDocumentReferences(supplierOrder.documents, 'supplier', null, null),
    ];
    for (const line of arr(rawLines).map(obj)) {
      const position = textValue(obj(line.buyerLine).position);
      const lineId = textValue(line.id);
      documents.push(...lineDocuments(line, lineId, position));
    }

    return {
      header: {
        orderId,
        purchaseOrderNumber: String(buyerOrder.purchaseOrderNumber),
        buyerCompanyId: textValue(buyerOrder.companyId),
        supplierCompanyId: textValue(supplierOrder.companyId),
        supplierAccountNumber: textValue(buyerOrder.supplierAccountNumber),
        processStatus: textValue(status.processStatus),
        logisticsStatus: textValue(status.logisticsStatus),
        version: integerValue(order.version),
        lastUpdatedAt: String(order.lastUpdatedAt),
        orderType: textValue(buyerOrder.orderType) ?? 'Purchase',
        description: textValue(buyerOrder.description),
        issuedAt: issueTime(buyerOrder.erpIssueDateTime),
        supplierName: textValue(arr(obj(buyerOrder.supplierParty).names)[0]),
        incotermsCode: textValue(terms.incotermsCode),
        paymentTermsCode: textValue(terms.paymentTermsCode),
        header,
      },
      lines,
      documents,
    };
  }

  /** A stored line, in whichever shape it was received (a single-delivery line has `statusLine`). */
  mapLine(line: Json): OrderLineRow {
    return isSingleDeliveryLine(line) ? this.singleDeliveryLine(line) : this.scheduleLine(line);
  }

  /**
   * The columns every source fills with the same meaning: `prices` are the current prices
   * (`lines[].prices`, single delivery `statusLine.prices`), `pricesInclRequests` those
   * including open requests.
   */
  private baseLine(line: Json, prices: Json, pricesInclRequests: Json): Omit<OrderLineRow, 'deliveryLines' | 'deliveryHistory'> {
    const buyerLine = obj(line.buyerLine);
    const supplierLine = obj(line.supplierLine);
    const item = obj(buyerLine.item);
    const status = obj(line.status);
    const netPrice = obj(obj(prices.netPrice).priceInTransactionCurrency);
    const buyerIndicators = obj(buyerLine.indicators);
    const flag = (value: unknown) => (typeof value === 'boolean' ? value : null);
    return {
      openQuantity: null,
      lineId: String(line.id),
      position: textValue(buyerLine.position) || null,
      originalPosition: textValue(buyerLine.originalPosition),
      lineType: textValue(line.lineType) ?? 'Item',
      itemNumber: textValue(item.number),
      description: textValue(buyerLine.description) ?? textValue(item.name),
      processStatus: textValue(status.processStatus),
      inProgressStatus: textValue(status.inProgressStatus),
      logisticsStatus: textValue(status.logisticsStatus),
      netPrice: decimalText(netPrice.value),
      currency: textValue(netPrice.currencyIso),
      priceUnitQuantity: decimalText(prices.priceUnitQuantity),
      buyerNetPrice: netPriceOf(buyerLine.prices),
      confirmedNetPrice: netPriceOf(obj(line.confirmedLine).prices),
      proposedNetPrice: netPriceOf(pricesInclRequests),
      grossPrice: decimalText(obj(obj(prices.grossPrice).priceInTransactionCurrency).value),
      discountPercentage: decimalText(prices.discountPercentage),
      priceUnitOfMeasure: textValue(prices.priceUnitOfMeasureIso),
      purchaseUnitOfMeasure: textValue(item.purchaseUnitOfMeasureIso),
      supplierSalesOrderNumber: textValue(supplierLine.salesOrderNumber),
      // `salesOrderPosition` on the receive pages, `salesOrderLinePosition` in other models (REFERENCE §c.1).
      supplierSalesOrderPosition: textValue(supplierLine.salesOrderPosition) ?? textValue(supplierLine.salesOrderLinePosition),
      delivered: flag(buyerIndicators.delivered),
      shipped: flag(buyerIndicators.shipped),
      completed: flag(buyerIndicators.completed),
      cancelled: flag(buyerIndicators.cancelled),
      noDeliveryExpected: flag(buyerIndicators.noDeliveryExpected),
      deliveryOverdue: flag(obj(line.indicators).deliveryOverdue),
      proposalReason: textValue(obj(obj(supplierLine.requests).proposal).reason),
      lastUpdatedAt: String(line.lastUpdatedAt),
      line,
    };
  }

  /** Delivery-schedule mode: the line's four schedules, `current` being the one to plan on. */
  private scheduleLine(line: Json): OrderLineRow {
    return withOpenQuantity({
      ...this.baseLine(line, obj(line.prices), obj(line.pricesIncludingRequests)),
      deliveryLines: [
        ...schedule('current', line.deliverySchedule),
        ...schedule('current_incl_requests', line.deliveryScheduleIncludingRequests),
        ...schedule('requested', obj(line.buyerLine).deliverySchedule),
        ...schedule('confirmed', obj(line.confirmedLine).deliverySchedule),
      ],
      deliveryHistory: history(obj(line.buyerLine).deliveryHistory),
    });
  }

  /**
   * Single-delivery mode, mapped onto the same schedules and price columns:
   * `statusLine.scheduledDelivery` is the line's `current` entry, `scheduledDeliveryInclRequests`
   * its `current_incl_requests`, the buyer's `buyerLine.scheduledDelivery` its `requested` and
   * `confirmedLine.scheduledDelivery` (or a `deliverySchedule` there) its `confirmed` entry;
   * `statusLine.prices`/`pricesInclRequests` are the current prices and those including
   * requests; `buyerLine.actualDelivery` (or `deliveryHistory`) is the delivery history.
   * Entries have no position.
   */
  private singleDeliveryLine(line: Json): OrderLineRow {
    const statusLine = obj(line.statusLine);
    const buyerLine = obj(line.buyerLine);
    const confirmedLine = obj(line.confirmedLine);
    // An exact number is an object too (`LosslessNumber`): a number here is no delivery, however it is written.
    const single = (name: ScheduleName, value: unknown) => (isDeliveryObject(value) ? schedule(name, [value]) : []);
    const confirmed = single('confirmed', confirmedLine.scheduledDelivery);
    const actual = buyerLine.actualDelivery;
    return withOpenQuantity({
      ...this.baseLine(line, obj(statusLine.prices), obj(statusLine.pricesInclRequests)),
      deliveryLines: [
        ...single('current', statusLine.scheduledDelivery),
        ...single('current_incl_requests', statusLine.scheduledDeliveryInclRequests),
        ...single('requested', buyerLine.scheduledDelivery),
        ...(confirmed.length ? confirmed : schedule('confirmed', confirmedLine.deliverySchedule)),
      ],
      deliveryHistory: Array.isArray(buyerLine.deliveryHistory)
        ? history(buyerLine.deliveryHistory)
        : history(isDeliveryObject(actual) ? [actual] : []),
    });
  }
}

/** A JSON object (not a list, not an exact number): what a single delivery is. */
function isDeliveryObject(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value) && !isNumberLike(value);
}

/** The documents of one line (buyer and supplier side) for an order event or an `orderDocumentsEvent` line. */
export function lineDocuments(line: Json, lineId: string | null, position: string | null): OwnedDocument[] {
  return [
    ...mapDocumentReferences(obj(line.buyerLine).documents, 'buyer' as DocumentSide, lineId, position),
    ...mapDocumentReferences(obj(line.supplierLine).documents, 'supplier' as DocumentSide, lineId, position),
  ];
}

function schedule(name: ScheduleName, entries: unknown): DeliveryLineRow[] {
  return arr(entries).map((entry, seq) => {
    const e = obj(entry);
    return {
      schedule: name,
      seq,
      position: textValue(e.position),
      date: localDate(e.date),
      quantity: decimalText(e.quantity),
      status: textValue(e.status),
      etd: localDate(e.etd),
      eta: localDate(e.eta),
      transportMode: textValue(e.transportMode),
    };
  });
}

/** Sets `openQuantity` from the current schedule (null when no open entry has a quantity). */
function withOpenQuantity(row: OrderLineRow): OrderLineRow {
  const open = row.deliveryLines.filter((entry) => entry.schedule === 'current' && entry.status !== 'Delivered' && entry.quantity !== null);
  return { ...row, openQuantity: open.length ? sumDecimals(open.map((entry) => entry.quantity as string)) : null };
}

/** Exact sum of decimal texts (no binary floating point): scaled to the longest fraction as bigint. */
export function sumDecimals(values: string[]): string {
  const parse = (text: string) => {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!match) return null;
    const [, sign, whole, fraction = '', exponent = '0'] = match;
    return { sign, digits: whole + fraction, scale: fraction.length - Number(exponent) };
  };
  const parsed = values.map(parse);
  if (parsed.some((value) => value === null)) return String(values.reduce((sum, value) => sum + Number(value), 0));
  const scale = Math.max(0, ...parsed.map((value) => value!.scale));
  let total = 0n;
  for (const value of parsed) {
    const { sign, digits, scale: own } = value!;
    const scaled = BigInt(digits) * 10n ** BigInt(scale - own);
    total += sign === '-' ? -scaled : scaled;
  }
  const negative = total < 0n;
  const text = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  // The scale of the longest fraction, as PostgreSQL's sum(numeric) keeps it.
  const fraction = scale ? text.slice(text.length - scale) : '';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function history(entries: unknown): DeliveryHistoryRow[] {
  return arr(entries).map((entry, seq) => {
    const e = obj(entry);
    return { seq, position: textValue(e.position), date: localDate(e.date), quantity: decimalText(e.quantity) };
  });
}

/**
 * A `yyyy-MM-dd` date a `date` column takes, else null. The validated schedules always are;
 * the echoes that are not validated (delivery history, single-delivery requested and confirmed
 * entries) must not make an event fail.
 */
export function localDate(value: unknown): string | null {
  return isLocalDate(value) ? (value as string) : null;
}

function netPriceOf(prices: unknown): string | null {
  return decimalText(obj(obj(obj(prices).netPrice).priceInTransactionCurrency).value);
}

/** `erpIssueDateTime` is a local date-time (`2025-06-10T15:32:00`); without an offset it is taken as UTC. */
function issueTime(value: unknown): string | null {
  const text = textValue(value);
  const match = text ? /^(\d{4}-\d{2}-\d{2})(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text) : null;
  if (!text || !match || !isLocalDate(match[1])) return null;
  const withTime = text.length === 10 ? `${text}T00:00:00` : text;
  return /(Z|[+-]\d{2}:?\d{2})$/.test(withTime) ? withTime : `${withTime}Z`;
}

/** A single-delivery line carries `statusLine`; a delivery-schedule line never does. */
export function isSingleDeliveryLine(line: Json): boolean {
  return line.statusLine !== undefined && line.statusLine !== null;
}

export function obj(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
