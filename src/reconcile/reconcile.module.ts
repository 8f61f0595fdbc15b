import { DynamicModule, Module } from '@nestjs/common';
import { RequestBudgetConnector } from '../tradecloud-api/request-budget.connector';
import { PolledEntityApplier } from './polled-entity.applier';
import { ReconcilePassService } from './reconcile-pass.service';
import { ReconcileScheduler } from './reconcile-scheduler';

export interface TradecloudReconcileModuleImports {
  options: DynamicModule;
  database: DynamicModule;
  events: DynamicModule;
  processing: DynamicModule;
  observability: DynamicModule;
  tradecloudApi: DynamicModule;
}

/** Reconciliation: polls Tradecloud for what webhooks may have missed, within a shared request budget. */
@Module({})
export class TradecloudReconcileModule {
  static register(imports: TradecloudReconcileModuleImports): DynamicModule {
    return {
      module: TradecloudReconcileModule,
      imports: [imports.options, imports.database, imports.events, imports.processing, imports.observability, imports.tradecloudApi],
      providers: [PolledEntityApplier, ReconcilePassService, ReconcileScheduler, RequestBudgetConnector],
      exports: [ReconcilePassService],
    };
  }
}
