import { HttpModule } from '@nestjs/axios';
import { DynamicModule, Module } from '@nestjs/common';
import { TradecloudApiClient } from './tradecloud-api.client';

/** The only part that talks to Tradecloud, with a module-private axios instance (see TradecloudHttp). */
@Module({})
export class TradecloudApiModule {
  static register(options: DynamicModule): DynamicModule {
    return {
      module: TradecloudApiModule,
      imports: [options, HttpModule.register({})],
      providers: [TradecloudApiClient],
      exports: [TradecloudApiClient],
    };
  }
}
