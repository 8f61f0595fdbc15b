import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AUTH_PROVIDERS } from './auth/auth.providers';
import {
  TRADECLOUD_DATA_SOURCE,
  TradecloudDataSourceLifecycle,
  tradecloudDataSourceProvider,
} from './database/database.providers';
import { TradecloudDatabaseHealthIndicator } from './health/database-health.indicator';
import { RESOLVED_TRADECLOUD_OPTIONS, resolveTradecloudOptions } from './options/resolved-options';
import { TRADECLOUD_API_PROVIDERS } from './tradecloud-api/tradecloud-api.providers';
import { MODULE_OPTIONS_TOKEN, TradecloudConfigurableModule } from './tradecloud.module-definition';

/**
 * Receives Tradecloud One webhooks and keeps a queryable copy of orders, shipments and
 * documents in PostgreSQL. Import it with `TradecloudModule.forRoot({...})` or
 * `TradecloudModule.forRootAsync({ imports, inject, useFactory | useClass })`.
 */
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: RESOLVED_TRADECLOUD_OPTIONS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: resolveTradecloudOptions,
    },
    tradecloudDataSourceProvider,
    TradecloudDataSourceLifecycle,
    TradecloudDatabaseHealthIndicator,
    ...AUTH_PROVIDERS,
    ...TRADECLOUD_API_PROVIDERS,
  ],
  exports: [TRADECLOUD_DATA_SOURCE, TradecloudDatabaseHealthIndicator],
})
export class TradecloudModule extends TradecloudConfigurableModule {}
