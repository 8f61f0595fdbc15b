import {
  buildOrderDocumentsEvent,
  buildOrderEvent,
  buildShipmentEvent,
  buildSingleDeliveryOrderEvent,
  SeededRandom,
  stableUuid,
} from '../../support/tradecloud-simulator';

/** One webhook call of a stream, as Tradecloud would make it. */
export interface StreamEvent {
  /** Position in the order Tradecloud produced the events. */
  seq: number;
  path: '/orders' | '/order-documents' | '/shipments';
  body: Record<string, any>;
  messageId: string;
  kind: 'order' | 'order-documents' | 'shipment';
  entityId: string;
  /** The entity version's `lastUpdatedAt`. */
  at: string;
  /** Order events: line ids carried, each with its `lastUpdatedAt`. Shipments: line keys. */
  lines: Array<{ key: string; at: string }>;
}

export interface StreamOptions {
  events: number;
  orders: number;
  shipments: number;
  seed: number;
}

const ORDER_EVENT_NAMES = [
  'OrderLinesAcceptedBySupplier',
  'OrderChangesProposedBySupplier',
  'OrderLinesConfirmedByBuyer',
  'OrderLinesReissuedByBuyer',
  'OrderLinesDeliveryChangedBySupplier',
];
const SHIPMENT_EVENT_NAMES = ['ShipmentIssuedBySupplier', 'ShipmentUpdatedBySupplier', 'ShipmentApprovedByBuyer'];
const BASE_TIME = Date.UTC(2025, 6, 1, 6, 0, 0);

export const orderIdOf = (seed: number, order: number) => stableUuid('reliability-order', seed, order);
export const purchaseOrderNumberOf = (seed: number, order: number) => `PO-R${seed}-${String(order).padStart(4, '0')}`;

/**
 * A realistic event stream in the order Tradecloud produced it: per order, an issue event with
 * every line, then events that each carry a few changed lines (newer `lastUpdatedAt` each, new
 * quantities, prices, statuses), an order-documents event now and then; per shipment, versions
 * that always carry all lines, sometimes leaving one line out (it is removed) and listing it
 * again later. Shipment lines refer to the order lines of the stream, so they get linked.
 * About 15 % of the events are shipment events. Line timestamps are unique per line version
 * (`+ line number` milliseconds), so a change row names one version of one line.
 */
export function buildEventStream(options: StreamOptions): StreamEvent[] {
  const { seed } = options;
  const shipmentEvents = options.shipments ? Math.max(2, Math.floor((options.events * 0.15) / options.shipments)) : 0;
  const orderEventsTotal = options.events - shipmentEvents * options.shipments;
  const perOrder = Math.floor(orderEventsTotal / options.orders);
  const extra = orderEventsTotal - perOrder * options.orders;
  const events: Omit<StreamEvent, 'seq'>[] = [];

  for (let o = 0; o < options.orders; o++) {
    const random = new SeededRandom(seed, 'order', o);
    const orderId = orderIdOf(seed, o);
    const purchaseOrderNumber = purchaseOrderNumberOf(seed, o);
    const lineCount = 3 + (o % 4);
    const singleDelivery = o % 5 === 4;
    const count = perOrder + (o < extra ? 1 : 0);
    for (let e = 1; e <= count; e++) {
      const at = new Date(BASE_TIME + o * 1_000 + e * 60_000).toISOString();
      if (e > 2 && e % 7 === 0) {
        const body = buildOrderDocumentsEvent({
          orderId, purchaseOrderNumber, seed: seed * 10_000 + o, revision: String(e), lastUpdatedAt: at,
          lineNumbers: [1 + (e % lineCount)], messageId: stableUuid('reliability-message', seed, o, e),
          eventName: e % 2 ? 'OrderDocumentsAttachedBySupplier' : 'OrderDocumentsAttachedByBuyer',
        });
        events.push({ path: '/order-documents', body, messageId: body.orderDocumentsEvent.meta.messageId, kind: 'order-documents', entityId: orderId, at, lines: [] });
        continue;
      }
      const lineNumbers =
        e === 1
          ? Array.from({ length: lineCount }, (_, i) => i + 1)
          : Array.from({ length: lineCount }, (_, i) => i + 1).filter(() => random.next() < 0.4);
      if (!lineNumbers.length) lineNumbers.push(random.int(1, lineCount));
      const common = {
        orderId, purchaseOrderNumber, seed: seed * 10_000 + o * 100 + e, lineNumbers, lastUpdatedAt: at, lineLastUpdatedAt: at,
        version: e, headerDocuments: 1, messageId: stableUuid('reliability-message', seed, o, e),
        eventName: e === 1 ? 'OrderIssuedByBuyer' : random.pick(ORDER_EVENT_NAMES),
      };
      const body = singleDelivery ? buildSingleDeliveryOrderEvent(common) : buildOrderEvent(common);
      const lines = lineNumbers.map((n) => ({ key: stableUuid('line', orderId, n), at }));
      events.push({ path: '/orders', body, messageId: common.messageId, kind: 'order', entityId: orderId, at, lines });
    }
  }

  for (let s = 0; s < options.shipments; s++) {
    const random = new SeededRandom(seed, 'shipment', s);
    const order = (s * 7) % options.orders;
    const shipmentNumber = `SHP-R${seed}-${String(s).padStart(3, '0')}`;
    const lineCount = 3 + (order % 4); // as many lines as the order has
    for (let v = 1; v <= shipmentEvents; v++) {
      const at = new Date(BASE_TIME + 500 + s * 1_000 + v * 90_000).toISOString();
      // Version 1 lists every line; later ones sometimes leave one out (at most one per version).
      const left = v > 1 && random.next() < 0.3 ? random.int(1, lineCount) : 0;
      const lineNumbers = Array.from({ length: lineCount }, (_, i) => i + 1).filter((n) => n !== left);
      const lineAt = (n: number) => new Date(Date.parse(at) + n).toISOString();
      const body = buildShipmentEvent({
        seed: seed * 10_000 + s * 100 + v, shipmentNumber, purchaseOrderNumber: purchaseOrderNumberOf(seed, order),
        lineNumbers, lastUpdatedAt: at, lineLastUpdatedAt: lineAt, documentCount: 1,
        documentLastUpdatedAt: '2025-07-01T05:00:00.000Z', messageId: stableUuid('reliability-message', seed, 'shipment', s, v),
        eventName: v === 1 ? 'ShipmentIssuedBySupplier' : random.pick(SHIPMENT_EVENT_NAMES),
      });
      // The builder derives the document ids from the seed; keep one document per shipment.
      body.shipment.supplierShipment.documents[0].objectId = stableUuid('reliability-document', seed, s);
      body.shipment.supplierShipment.documents[0].code = `PL-${shipmentNumber}`;
      body.shipment.supplierShipment.documents[0].name = `packing-list-${shipmentNumber}.pdf`;
      const dan = `DA-${shipmentNumber}`;
      const lines = lineNumbers.map((n) => ({ key: `${dan}/${n}`, at: lineAt(n) }));
      events.push({ path: '/shipments', body, messageId: body.meta.messageId, kind: 'shipment', entityId: body.shipment.id, at, lines });
    }
  }
  // Tradecloud's own order: by time of the change.
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.at) - Date.parse(b.event.at) || a.index - b.index)
    .map(({ event }, seq) => ({ ...event, seq }));
}

/** A seeded shuffle of the stream with `share` of its events delivered a second time, anywhere. */
export function shuffledWithDuplicates(stream: StreamEvent[], share: number, seed: number): StreamEvent[] {
  const random = new SeededRandom(seed, 'shuffle');
  const copies = Math.round(stream.length * share);
  const all = [...stream];
  for (let i = 0; i < copies; i++) all.push(stream[Math.floor(random.next() * stream.length)]);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}
