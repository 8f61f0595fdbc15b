import { Injectable } from '@nestjs/common';
import { decimalText, integerValue, textValue } from '../changes/lossless-json';
import { DocumentSide, mapDocumentReferences, OwnedDocument } from '../documents/document-reference.mapper';

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
  /** The event object without `lines`, unknown fields included. */
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
  lastUpdatedAt: string;
  /** The line as received, unknown fields included. */
  line: Json;
  deliveryLines: DeliveryLineRow[];
}

/** Everything one order event (or one fetched order) says about one order. */
export interface OrderSnapshot {
  header: OrderHeaderRow;
  lines: OrderLineRow[];
  documents: OwnedDocument[];
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
    const { lines: rawLines, ...header } = order;
    const lines = arr(rawLines).map((line) => (mode === 'singleDelivery' ? this.singleDeliveryLine(obj(line)) : this.scheduleLine(obj(line))));

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
        header,
      },
      lines,
      documents,
    };
  }

  private baseLine(line: Json, prices: Json): Omit<OrderLineRow, 'deliveryLines'> {
    const buyerLine = obj(line.buyerLine);
    const item = obj(buyerLine.item);
    const status = obj(line.status);
    const netPrice = obj(obj(prices.netPrice).priceInTransactionCurrency);
    return {
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
      lastUpdatedAt: String(line.lastUpdatedAt),
      line,
    };
  }

  /** Delivery-schedule mode: the line's four schedules, `current` being the one to plan on. */
  private scheduleLine(line: Json): OrderLineRow {
    return {
      ...this.baseLine(line, obj(line.prices)),
      deliveryLines: [
        ...schedule('current', line.deliverySchedule),
        ...schedule('current_incl_requests', line.deliveryScheduleIncludingRequests),
        ...schedule('requested', obj(line.buyerLine).deliverySchedule),
        ...schedule('confirmed', obj(line.confirmedLine).deliverySchedule),
      ],
    };
  }

  /**
   * Single-delivery mode: `statusLine.scheduledDelivery` is the line's `current` entry (and the
   * version including open requests its `current_incl_requests`). Entries have no position.
   */
  private singleDeliveryLine(line: Json): OrderLineRow {
    const statusLine = obj(line.statusLine);
    const single = (name: ScheduleName, value: unknown) => (value && typeof value === 'object' ? schedule(name, [value]) : []);
    return {
      ...this.baseLine(line, obj(statusLine.prices)),
      deliveryLines: [
        ...single('current', statusLine.scheduledDelivery),
        ...single('current_incl_requests', statusLine.scheduledDeliveryInclRequests),
      ],
    };
  }
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
      date: textValue(e.date),
      quantity: decimalText(e.quantity),
      status: textValue(e.status),
      etd: textValue(e.etd),
      eta: textValue(e.eta),
      transportMode: textValue(e.transportMode),
    };
  });
}

export function obj(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
