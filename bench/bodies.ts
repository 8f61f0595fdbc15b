import { buildOrderEvent, buildShipmentEvent, stableUuid } from '../test/support/tradecloud-simulator';

/** `lastUpdatedAt` of the first version of every generated order and shipment. */
export const BASE_TIME = Date.parse('2025-06-12T09:00:00.000Z');
const MESSAGE_MARK = '__BENCH_MESSAGE_ID__';
const TIME_MARK = '2025-06-12T09:00:00.000Z';
const ORDER_EVENT_NAMES = ['OrderLinesAcceptedBySupplier', 'OrderLinesIssuedByBuyer', 'OrderChangesProposedBySupplier', 'OrderLinesReopenRequestedBySupplier'];

/**
 * A JSON body cut at its message id and its `lastUpdatedAt` values, so that a unique message
 * and a newer version cost one `join` per request instead of a build and a stringify.
 */
export class BodyTemplate {
  private readonly parts: string[];
  private readonly marks: ('message' | 'time')[];

  constructor(
    text: string,
    /** The body's `eventName` and order or shipment id, as the inbox stores them. */
    readonly eventName: string,
    readonly entityId: string,
  ) {
    const pattern = new RegExp(`${MESSAGE_MARK}|${TIME_MARK.replace(/\./g, '\\.')}`, 'g');
    this.parts = text.split(pattern);
    this.marks = [...text.matchAll(pattern)].map((match) => (match[0] === MESSAGE_MARK ? 'message' : 'time'));
    if (!this.marks.includes('message')) throw new Error('body template without a message id');
  }

  render(messageId: string, lastUpdatedAt: string): string {
    let text = this.parts[0];
    for (let i = 0; i < this.marks.length; i++) text += (this.marks[i] === 'message' ? messageId : lastUpdatedAt) + this.parts[i + 1];
    return text;
  }
}

export function benchOrderId(order: number): string {
  return stableUuid('bench-order', order);
}

/** Purchase order number of a bench order (the builders' default: `PO-` + 8 characters of the id). */
export function benchPurchaseOrderNumber(order: number): string {
  return `PO-${benchOrderId(order).slice(0, 8).toUpperCase()}`;
}

/** A POST order webhook body template (delivery-schedule mode) of bench order `order`. */
export function orderEventTemplate(order: number, lines: number, variant = 0, scheduleEntries = 2): BodyTemplate {
  const body = buildOrderEvent({
    orderId: benchOrderId(order),
    seed: order * 7 + variant + 1,
    lineCount: lines,
    scheduleEntries,
    lastUpdatedAt: TIME_MARK,
    messageId: MESSAGE_MARK,
    eventName: ORDER_EVENT_NAMES[variant % ORDER_EVENT_NAMES.length],
  });
  return new BodyTemplate(JSON.stringify(body), body.eventName, body.orderEvent.orderId);
}

/** A POST shipment webhook body template: `lines` lines delivering bench order `order`. */
export function shipmentEventTemplate(shipment: number, lines: number, order: number): BodyTemplate {
  const body = buildShipmentEvent({
    seed: shipment + 1,
    shipmentNumber: `SHP-BENCH-${shipment}`,
    lineCount: lines,
    purchaseOrderNumber: benchPurchaseOrderNumber(order),
    lastUpdatedAt: TIME_MARK,
    messageId: MESSAGE_MARK,
  });
  return new BodyTemplate(JSON.stringify(body), body.eventName, String(body.shipment.id));
}

/** `lastUpdatedAt` of version `version` (0-based): one second per version. */
export function versionTime(version: number): string {
  return new Date(BASE_TIME + (version + 1) * 1000).toISOString();
}

/**
 * Request bodies for ingest scenarios: request i goes to order i mod `orders`, as a newer
 * version than the order's previous request, with a message id of its own (nothing is a duplicate).
 */
/**
 * Versions of `orders` orders, round-robin: event i is version ⌊i / orders⌋ of order i mod orders.
 * Versions alternate between two variants of each order (other quantities, prices, status and
 * event name), so that every version changes every line's schedule rows, as in scenario 2: a
 * version that changed only its timestamps would leave the rows in place, which is cheaper than
 * what most order events cost.
 */
export class OrderEventStream {
  private readonly templates: Array<[BodyTemplate, BodyTemplate]>;

  constructor(
    private readonly tag: string,
    orders: number,
    lines: number,
    /** Order numbers start here: streams of different scenarios never share an order. */
    firstOrder: number,
  ) {
    this.templates = Array.from({ length: orders }, (_, order) => [orderEventTemplate(firstOrder + order, lines, 0), orderEventTemplate(firstOrder + order, lines, 1)]);
  }

  body(i: number): string {
    const orders = this.templates.length;
    const version = Math.floor(i / orders);
    return this.templates[i % orders][version % 2].render(`${this.tag}-${i}`, versionTime(version));
  }
}

/** A fresh random tag so that two runs on one database never share message ids. */
export function runTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
