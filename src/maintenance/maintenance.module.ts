import { DynamicModule, Module } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { MaintenanceService } from './maintenance.service';
import { TRADECLOUD_RETENTION_OPTIONS } from './retention-options';

/** Retention passes (pruning old events, changes and fetched bodies) under a lease. */
@Module({})
export class TradecloudMaintenanceModule {
  static register(options: DynamicModule, database: DynamicModule, documents: DynamicModule, observability: DynamicModule): DynamicModule {
    return {
      module: TradecloudMaintenanceModule,
      imports: [options, database, documents, observability],
      providers: [
        { provide: TRADECLOUD_RETENTION_OPTIONS, inject: [RESOLVED_TRADECLOUD_OPTIONS], useFactory: (resolved: ResolvedTradecloudOptions) => resolved.retention },
        MaintenanceService,
      ],
      exports: [MaintenanceService],
    };
  }
}
