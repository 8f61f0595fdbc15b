import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AUTH_PROVIDERS } from './auth/auth.providers';
import { ChangeRecorder } from './changes/change-recorder';
import {
  TRADECLOUD_DATA_SOURCE,
  TradecloudDataSourceLifecycle,
  tradecloudDataSourceProvider,
} from './database/database.providers';
import { TradecloudDatabase } from './database/tradecloud-database.service';
import { DocumentContentService } from './documents/document-content.service';
import { DocumentDownloader } from './documents/document-downloader.service';
import { DOCUMENT_PROVIDERS } from './documents/documents.providers';
import { TradecloudDatabaseHealthIndicator } from './health/database-health.indicator';
import { EventApplierRegistry } from './inbox/event-applier';
import { EventProcessor } from './inbox/event-processor.service';
import { JsonWebhookReceiver } from './inbox/json-webhook.receiver';
import { WebhookIntake } from './inbox/webhook-intake.service';
import { RESOLVED_TRADECLOUD_OPTIONS, resolveTradecloudOptions } from './options/resolved-options';
import { OrderEventApplier } from './orders/order-event.applier';
import { OrderSnapshotMapper } from './orders/order-snapshot.mapper';
import { OrderStore } from './orders/order.store';
import { OrderWebhookHandler } from './orders/order-webhook.handler';
import { DomainEventHandlers } from './events/domain-event-handlers';
import { DomainEventPublisher } from './events/domain-event.publisher';
import { PipelineEvents } from './observability/pipeline-events';
import { WebhookObserverGuard } from './observability/webhook-observer.guard';
import { WebhookSourceGuard, WebhookSourcePolicy } from './security/webhook-source.guard';
import { JobQueue } from './queue/job-queue.service';
import { MaintenanceService } from './maintenance/maintenance.service';
import { TradecloudOrders } from './read/tradecloud-orders.service';
import { TradecloudShipments } from './read/tradecloud-shipments.service';
import { ShipmentEventApplier } from './shipments/shipment-event.applier';
import { ShipmentSnapshotMapper } from './shipments/shipment-snapshot.mapper';
import { ShipmentStore } from './shipments/shipment.store';
import { ShipmentWebhookHandler } from './shipments/shipment-webhook.handler';
import { TradecloudApiClient } from './tradecloud-api/tradecloud-api.client';
import { TRADECLOUD_API_PROVIDERS } from './tradecloud-api/tradecloud-api.providers';
import { MODULE_OPTIONS_TOKEN, TradecloudConfigurableModule } from './tradecloud.module-definition';
import { FetchedOrderApplier, FetchedShipmentApplier } from './webhooks/fetched-entity.appliers';
import { GetWebhookHandler } from './webhooks/get-webhook.handler';
import { RECONCILE_PROVIDERS } from './reconcile/reconcile.providers';
import { ReconcilePassService } from './reconcile/reconcile-pass.service';

/**
 * Receives Tradecloud One webhooks and keeps a queryable copy of orders, shipments and
 * documents in PostgreSQL. Import it with `TradecloudModule.forRoot({...})` or
 * `TradecloudModule.forRootAsync({ imports, inject, useFactory | useClass })`.
 */
@Module({
  // A module-private axios instance for the Tradecloud API client (see TradecloudHttp).
  imports: [TerminusModule, HttpModule.register({}), DiscoveryModule],
  providers: [
    {
      provide: RESOLVED_TRADECLOUD_OPTIONS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: resolveTradecloudOptions,
    },
    tradecloudDataSourceProvider,
    TradecloudDataSourceLifecycle,
    TradecloudDatabase,
    TradecloudDatabaseHealthIndicator,
    JobQueue,
    PipelineEvents,
    WebhookObserverGuard,
    WebhookSourcePolicy,
    WebhookSourceGuard,
    DomainEventHandlers,
    DomainEventPublisher,
    TradecloudOrders,
    TradecloudShipments,
    EventApplierRegistry,
    EventProcessor,
    WebhookIntake,
    JsonWebhookReceiver,
    ChangeRecorder,
    OrderSnapshotMapper,
    OrderStore,
    OrderEventApplier,
    OrderWebhookHandler,
    ShipmentSnapshotMapper,
    ShipmentStore,
    ShipmentEventApplier,
    ShipmentWebhookHandler,
    GetWebhookHandler,
    FetchedOrderApplier,
    FetchedShipmentApplier,
    ...DOCUMENT_PROVIDERS,
    MaintenanceService,
    ...AUTH_PROVIDERS,
    ...TRADECLOUD_API_PROVIDERS,
    ...RECONCILE_PROVIDERS,
  ],
  exports: [
    TRADECLOUD_DATA_SOURCE,
    TradecloudDatabaseHealthIndicator,
    OrderWebhookHandler,
    ShipmentWebhookHandler,
    GetWebhookHandler,
    PipelineEvents,
    DomainEventPublisher,
    TradecloudOrders,
    TradecloudShipments,
    DocumentContentService,
    DocumentDownloader,
    TradecloudApiClient,
    WebhookSourcePolicy,
    MaintenanceService,
    ReconcilePassService,
  ],
})
export class TradecloudModule extends TradecloudConfigurableModule {}
