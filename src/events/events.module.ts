import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DomainEventHandlers } from './domain-event-handlers';
import { DomainEventPublisher } from './domain-event.publisher';

/** Domain events after commit: finds the host's `@OnTradecloudEvent` handlers and delivers through the queue. */
@Module({})
export class TradecloudEventsModule {
  static register(database: DynamicModule, queue: DynamicModule): DynamicModule {
    return {
      module: TradecloudEventsModule,
      imports: [DiscoveryModule, database, queue],
      providers: [DomainEventHandlers, DomainEventPublisher],
      exports: [DomainEventPublisher],
    };
  }
}
