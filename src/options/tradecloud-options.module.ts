import { DynamicModule, InjectionToken, Module, Provider } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, resolveTradecloudOptions } from './resolved-options';

/**
 * Holds the options exactly as the host gave them (`forRoot` value, or the `forRootAsync` factory
 * with the host's imports) and derives {@link RESOLVED_TRADECLOUD_OPTIONS} from them once. Every
 * feature module of TradecloudModule imports this one module object, so they all share one copy.
 */
@Module({})
export class TradecloudOptionsModule {
  static register(optionsToken: InjectionToken, definition: { imports?: DynamicModule['imports']; providers?: Provider[] }): DynamicModule {
    return {
      module: TradecloudOptionsModule,
      imports: definition.imports ?? [],
      providers: [
        ...(definition.providers ?? []),
        { provide: RESOLVED_TRADECLOUD_OPTIONS, inject: [optionsToken], useFactory: resolveTradecloudOptions },
      ],
      exports: [optionsToken, RESOLVED_TRADECLOUD_OPTIONS],
    };
  }
}
