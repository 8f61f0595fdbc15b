import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ExternalContextCreator, MetadataScanner, Reflector } from '@nestjs/core';
import type { TradecloudDomainEvent, TradecloudDomainEventType } from './domain-events';
import { TRADECLOUD_EVENT_HANDLER, TradecloudEventHandlerMetadata } from './on-tradecloud-event.decorator';

/** The execution-context type of a handler call (`context.getType()` in an interceptor or filter). */
export const TRADECLOUD_EVENT_CONTEXT = 'tradecloud-event';

const HANDLER_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

interface RegisteredHandler {
  /** The handler's stable id (`{ id }`, default `ClassName.method`): queued deliveries find it by this. */
  id: string;
  /** `ClassName.method`, for messages. */
  source: string;
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
    private readonly contexts: ExternalContextCreator,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const metadata = this.reflector.get<TradecloudEventHandlerMetadata | undefined>(TRADECLOUD_EVENT_HANDLER, prototype[method]);
        if (!metadata?.types.length) continue;
        this.register(instance, method, metadata);
      }
    }
  }

  private register(instance: Record<string, unknown>, method: string, metadata: TradecloudEventHandlerMetadata): void {
    const source = `${instance.constructor.name}.${method}`;
    if (metadata.id !== undefined && (typeof metadata.id !== 'string' || !HANDLER_ID.test(metadata.id))) {
      throw new Error(
        `@OnTradecloudEvent on ${source}: the id must be 1 to 200 letters, digits or . _ : / - (starting with a letter or digit), got ${JSON.stringify(metadata.id)}`,
      );
    }
    const id = metadata.id ?? source;
    const existing = this.handlers.get(id);
    if (existing) {
      throw new Error(
        `Two Tradecloud event handlers have the id "${id}": ${existing.source} and ${source}. ` +
          'Give each a unique, stable id: @OnTradecloudEvent(type, { id })',
      );
    }
    if (metadata.id === undefined) {
      this.logger.warn(
        `${source} has no stable id and is registered as "${id}": renaming the class or method would leave its queued ` +
          `deliveries without a handler. Give it one: @OnTradecloudEvent(${metadata.types.map((type) => `'${type}'`).join(', ')}, { id: '…' })`,
      );
    }
    let call: ((event: TradecloudDomainEvent) => Promise<unknown>) | undefined;
    this.handlers.set(id, {
      id,
      source,
      types: metadata.types,
      invoke: async (event) => {
        // Created on first use, when the host's global interceptors and filters are all registered
        // (app.useGlobalInterceptors runs after the module was created).
        call ??= this.contexts.create(
          instance,
          instance[method] as (...args: unknown[]) => unknown,
          method,
          undefined,
          undefined,
          undefined,
          undefined,
          { interceptors: true, guards: false, filters: true },
          TRADECLOUD_EVENT_CONTEXT,
        );
        await call(event);
      },
    });
    this.logger.log(`${id} (${source}) handles ${metadata.types.join(', ')}`);
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
