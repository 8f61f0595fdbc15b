import type { JsonDiff } from '../changes/json-diff';

/** Fields every domain event has. */
interface DomainEventBase {
  /** Stable id of this domain event (the same on every redelivery): use it to make handlers idempotent. */
  id: string;
  /** The webhook event (`webhook_events.id`) whose processing produced it; null when not caused by a webhook. */
  sourceEventId: string | null;
  /** Tradecloud's event name, e.g. `OrderLinesConfirmedBySupplier` (null for GET webhooks). */
  sourceEventName: string | null;
  /** When the change was committed. */
  occurredAt: string;
}

/** An order was stored for the first time. */
export interface OrderCreatedEvent extends DomainEventBase {
  type: 'order.created';
  orderId: string;
}

/** One changed line of an `order.lines.changed` event. */
export interface ChangedOrderLine {
  lineId: string;
  changeType: 'created' | 'updated';
  previousLastUpdatedAt: string | null;
  lastUpdatedAt: string | null;
  /** Changed field paths with old and new values; null for a created line. */
  diff: JsonDiff | null;
}

/** Lines of an order were created or changed (by one webhook event). */
export interface OrderLinesChangedEvent extends DomainEventBase {
  type: 'order.lines.changed';
  orderId: string;
  lines: ChangedOrderLine[];
}

/** Document references were added to an order (header or lines). */
export interface OrderDocumentsAttachedEvent extends DomainEventBase {
  type: 'order.documents.attached';
  orderId: string;
  documents: Array<{ documentId: string; lineId: string | null }>;
}

/** A shipment was created or changed (header, lines or documents). */
export interface ShipmentChangedEvent extends DomainEventBase {
  type: 'shipment.changed';
  shipmentId: string;
  changeType: 'created' | 'updated';
  /** Changed header fields (null when created or when only lines changed). */
  diff: JsonDiff | null;
  linesChanged: number;
  documentsAdded: number;
}

/** A document's content was downloaded and stored. */
export interface DocumentStoredEvent extends DomainEventBase {
  type: 'document.stored';
  documentId: string;
  orderId: string | null;
  shipmentId: string | null;
  sha256: string;
}

export type TradecloudDomainEvent =
  | OrderCreatedEvent
  | OrderLinesChangedEvent
  | OrderDocumentsAttachedEvent
  | ShipmentChangedEvent
  | DocumentStoredEvent;

export type TradecloudDomainEventType = TradecloudDomainEvent['type'];

/** The event type for a type name: `DomainEventOf<'order.lines.changed'>` is `OrderLinesChangedEvent`. */
export type DomainEventOf<T extends TradecloudDomainEventType> = Extract<TradecloudDomainEvent, { type: T }>;

export const DOMAIN_EVENT_TYPES: readonly TradecloudDomainEventType[] = [
  'order.created',
  'order.lines.changed',
  'order.documents.attached',
  'shipment.changed',
  'document.stored',
];
