import { SetMetadata } from '@nestjs/common';
import type { DomainEventOf, TradecloudDomainEventType } from './domain-events';

export const TRADECLOUD_EVENT_HANDLER = 'tradecloud:event-handler';

/** Options of one `@OnTradecloudEvent` handler. */
export interface OnTradecloudEventOptions {
  /**
   * The handler's stable id. Queued deliveries are addressed to it, so it must stay the same
   * when the class or method is renamed or moved, and be unique in the application (two
   * handlers with one id fail the start, naming both). Default: `ClassName.method`, with a
   * warning at start, since renaming the class would then orphan queued deliveries.
   */
  id?: string;
}

/** What `@OnTradecloudEvent` records on the method. */
export interface TradecloudEventHandlerMetadata {
  types: TradecloudDomainEventType[];
  id?: string;
}

/**
 * Marks a method of a provider as a handler of Tradecloud domain events:
 *
 * ```ts
 * @Injectable()
 * export class ErpSync {
 *   @OnTradecloudEvent('order.lines.changed', { id: 'erp-sync.lines' })
 *   async linesChanged(event: OrderLinesChangedEvent) { … }
 * }
 * ```
 *
 * Several types may be given (`@OnTradecloudEvent('order.created', 'order.lines.changed', { id })`).
 * Handlers are called through Nest's execution context (type `'tradecloud-event'`, the event as
 * the only argument): the application's global interceptors and exception filters apply, guards
 * do not (a delivery has no caller to authorise).
 *
 * Handlers run after the change is committed, from the durable job queue: at least once (use
 * `event.id` to ignore repeats), retried with back-off when they throw, never able to roll back
 * or lose the stored data. Each handler is delivered to and retried on its own.
 */
export function OnTradecloudEvent(
  ...args: [TradecloudDomainEventType, ...Array<TradecloudDomainEventType | OnTradecloudEventOptions>]
): MethodDecorator {
  const options = args.find((arg): arg is OnTradecloudEventOptions => typeof arg === 'object' && arg !== null) ?? {};
  const types = args.filter((arg): arg is TradecloudDomainEventType => typeof arg === 'string');
  return SetMetadata(TRADECLOUD_EVENT_HANDLER, { types, id: options.id } satisfies TradecloudEventHandlerMetadata);
}

/**
 * The shape of an injectable handler class, as an alternative to decorating methods: a provider
 * with `@OnTradecloudEvent(...)` on its `handle` method.
 */
export interface TradecloudEventHandler<T extends TradecloudDomainEventType = TradecloudDomainEventType> {
  handle(event: DomainEventOf<T>): Promise<void> | void;
}
