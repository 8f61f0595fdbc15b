import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { TradecloudDomainEvent, TradecloudDomainEventType } from './domain-events';
import { TRADECLOUD_EVENT_HANDLER } from './on-tradecloud-event.decorator';

interface RegisteredHandler {
  /** `ClassName.method`: the same on every instance of the application, so queued deliveries find it. */
  id: string;
  types: TradecloudDomainEventType[];
  invoke(event: TradecloudDomainEvent): Promise<void>;
}

/** Finds every `@OnTradecloudEvent` method in the application at start-up. */
@Injectable()
export class DomainEventHandlers implements OnModuleInit {
  private readonly logger = new Logger('TradecloudEvents');
  private readonly handlers = new Map<string, RegisteredHandler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const types = this.reflector.get<TradecloudDomainEventType[] | undefined>(TRADECLOUD_EVENT_HANDLER, prototype[method]);
        if (!types?.length) continue;
        const id = `${instance.constructor.name}.${method}`;
        this.handlers.set(id, {
          id,
          types,
          invoke: async (event) => {
            await (instance[method] as (event: TradecloudDomainEvent) => unknown).call(instance, event);
          },
        });
        this.logger.log(`${id} handles ${types.join(', ')}`);
      }
    }
  }

  /** Whether the application has any handler at all. */
  any(): boolean {
    return this.handlers.size > 0;
  }

  /** Ids of the handlers subscribed to `type`. */
  subscribersOf(type: TradecloudDomainEventType): string[] {
    return [...this.handlers.values()].filter((handler) => handler.types.includes(type)).map((handler) => handler.id);
  }

  get(id: string): RegisteredHandler | undefined {
    return this.handlers.get(id);
  }
}
