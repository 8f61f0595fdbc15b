import { DynamicModule } from '@nestjs/common';
import { TradecloudAuthModule } from './auth/auth.module';
import { TradecloudDatabaseModule } from './database/database.module';
import { TradecloudDocumentsModule } from './documents/documents.module';
import { TradecloudEventsModule } from './events/events.module';
import { TradecloudIntakeModule } from './inbox/intake.module';
import { TradecloudProcessingModule } from './processing/processing.module';
import { TradecloudMaintenanceModule } from './maintenance/maintenance.module';
import { TradecloudObservabilityModule } from './observability/observability.module';
import { TradecloudQueueModule } from './queue/queue.module';
import { TradecloudReadModule } from './read/read.module';
import { TradecloudReconcileModule } from './reconcile/reconcile.module';
import { TradecloudSecurityModule } from './security/security.module';
import { TradecloudApiModule } from './tradecloud-api/tradecloud-api.module';

/** The feature modules TradecloudModule imports, and the ones it re-exports to the host. */
export interface TradecloudFeatureModules {
  imports: DynamicModule[];
  exports: DynamicModule[];
}

/**
 * Builds the feature modules of one TradecloudModule import on one options module. Each module
 * object is created once here and imported by reference wherever it is needed, so Nest keeps one
 * instance of each per application (module ids are by reference). Lifecycle hooks follow the
 * import graph: the database and queue start first and stop last.
 */
export function createTradecloudFeatureModules(options: DynamicModule): TradecloudFeatureModules {
  const observability = TradecloudObservabilityModule.register();
  const database = TradecloudDatabaseModule.register(options);
  const queue = TradecloudQueueModule.register(options, database);
  const events = TradecloudEventsModule.register(database, queue);
  const tradecloudApi = TradecloudApiModule.register(options);
  const documents = TradecloudDocumentsModule.register({ options, database, queue, events, tradecloudApi });
  const processing = TradecloudProcessingModule.register({ options, database, queue, events, documents, observability, tradecloudApi });
  const intake = TradecloudIntakeModule.register(options, database, queue, tradecloudApi);
  const auth = TradecloudAuthModule.register(options);
  const security = TradecloudSecurityModule.register(options);
  const read = TradecloudReadModule.register(database);
  const maintenance = TradecloudMaintenanceModule.register(options, database, documents, observability);
  const reconcile = TradecloudReconcileModule.register({ options, database, events, processing, observability, tradecloudApi });
  return {
    imports: [options, observability, database, queue, events, tradecloudApi, documents, processing, intake, auth, security, read, maintenance, reconcile],
    exports: [database, intake, observability, events, read, documents, tradecloudApi, security, maintenance, reconcile],
  };
}
