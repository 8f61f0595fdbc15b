import { Provider } from '@nestjs/common';
import { RequestBudgetConnector } from '../tradecloud-api/request-budget.connector';
import { PolledEntityApplier } from './polled-entity.applier';
import { ReconcilePassService } from './reconcile-pass.service';
import { ReconcileScheduler } from './reconcile-scheduler';

/** Providers the reconciliation feature adds to TradecloudModule. */
export const RECONCILE_PROVIDERS: Provider[] = [PolledEntityApplier, ReconcilePassService, ReconcileScheduler, RequestBudgetConnector];
