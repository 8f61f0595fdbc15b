import { SetMetadata } from '@nestjs/common';
import type { DomainEventOf, TradecloudDomainEventType } from './domain-events';

export const TRADECLOUD_EVENT_HANDLER = 'tradecloud:event-handler';

/**
 * Marks a method of a provider as a handler of Tradecloud domain events:
 *
 * ```ts
 * @Injectable()
 * export class ErpSync {
 *   @OnTradecloudEvent('order.lines.changed')
 *   async linesChanged(event: OrderLinesChangedEvent) { … }
 * }
 * ```
 *
 * Handlers run after the change is committed, from the durable job queue: at least once (use
 * `event.id` to ignore repeats), retried with back-off when they throw, never able to roll back
 * or lose the stored data. Each handler is delivered to and retried on its own.
 */
export const OnTradecloudEvent = (...types: TradecloudDomainEventType[]) => SetMetadata(TRADECLOUD_EVENT_HANDLER, types);

/**
 * The shape of an injectable handler class, as an alternative to decorating methods: a provider
 * with `@OnTradecloudEvent(...)` on its `handle` method.
 */
export interface TradecloudEventHandler<T extends TradecloudDomainEventType = TradecloudDomainEventType> {
  handle(event: DomainEventOf<T>): Promise<void> | void;
}
