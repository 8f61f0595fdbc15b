import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TradecloudDatabaseHealthIndicator } from '../health/database-health.indicator';
import { TRADECLOUD_DATA_SOURCE, TradecloudDataSourceLifecycle, tradecloudDataSourceProvider } from './database.providers';
import { TradecloudDatabase } from './tradecloud-database.service';

/** The DataSource (the module's own or the host's), migrations at start-up, and the SQL helper every feature uses. */
@Module({})
export class TradecloudDatabaseModule {
  static register(options: DynamicModule): DynamicModule {
    return {
      module: TradecloudDatabaseModule,
      imports: [options, TerminusModule],
      providers: [tradecloudDataSourceProvider, TradecloudDataSourceLifecycle, TradecloudDatabase, TradecloudDatabaseHealthIndicator],
      exports: [TRADECLOUD_DATA_SOURCE, TradecloudDatabase, TradecloudDatabaseHealthIndicator],
    };
  }
}
