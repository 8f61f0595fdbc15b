/**
 * The public API of the module: what host applications import. Everything else is internal.
 */
export { TradecloudModule } from './tradecloud.module';
export { TRADECLOUD_MODULE_OPTIONS } from './tradecloud.module-definition';
export type {
  TradecloudDatabaseOptions,
  TradecloudModuleExtras,
  TradecloudModuleOptions,
  TradecloudWebhookOptions,
} from './tradecloud-module-options';
export type { TradecloudQueueOptions } from './queue/queue-options';
export type { TradecloudRetentionOptions } from './maintenance/retention-options';
export { readRetentionEnvironment } from './maintenance/retention-options';
export { MaintenanceService } from './maintenance/maintenance.service';
export type { MaintenancePassResult } from './maintenance/maintenance.service';
export { TradecloudConfigurationError } from './options/resolved-options';

// Database: the DataSource the module uses, and what a host's own DataSource needs to know.
export { TRADECLOUD_DATA_SOURCE } from './database/database.providers';
export { TRADECLOUD_ENTITIES, tradecloudEntities } from './database/entities';
export { TRADECLOUD_MIGRATIONS } from './database/migrations';
export { TradecloudDatabaseHealthIndicator } from './health/database-health.indicator';
export { WebhookEventEntity } from './inbox/webhook-event.entity';
export type { WebhookEventStatus } from './inbox/webhook-event.entity';

// Authentication: reuse the guard on a host's own routes.
export { WebhookAuthGuard } from './auth/webhook-auth.guard';
export { ForWebhookKind, WEBHOOK_KINDS } from './auth/webhook-kind';
// Caller addresses behind proxies and the webhook source filter (before WebhookAuthGuard on a host's own routes).
export { WebhookSourceGuard, WebhookSourcePolicy } from './security/webhook-source.guard';
export { TRADECLOUD_SOURCE_ADDRESSES } from './security/webhook-sources';
export type { TrustProxySetting } from './security/trusted-proxies';
export type { WebhookKind } from './auth/webhook-kind';
export type { WebhookPrincipal } from './auth/webhook-auth-errors';
export type {
  TradecloudAuthOptions,
  WebhookAuthScheme,
  WebhookBasicCredentials,
  WebhookKindAuthOptions,
  WebhookOAuthOptions,
} from './auth/auth-options';

// Handlers, for hosts that turn the built-in controllers off and mount their own routes.
export { OrderWebhookHandler } from './orders/order-webhook.handler';
export { ShipmentWebhookHandler } from './shipments/shipment-webhook.handler';
export { GetWebhookHandler } from './webhooks/get-webhook.handler';
export { setupTradecloudOpenApi } from './webhooks/webhook-openapi';

// The Tradecloud API client.
export { TradecloudApiClient, TradecloudApiError, TRADECLOUD_ACCEPTANCE_API_URL, TRADECLOUD_PRODUCTION_API_URL } from './tradecloud-api';
export type { TradecloudApiOptions } from './tradecloud-api';

// Domain events for host reactions, delivered after commit, at least once.
export { OnTradecloudEvent } from './events/on-tradecloud-event.decorator';
export type { TradecloudEventHandler } from './events/on-tradecloud-event.decorator';
export { DOMAIN_EVENT_TYPES } from './events/domain-events';
export type {
  ChangedOrderLine,
  DocumentStoredEvent,
  DomainEventOf,
  OrderCreatedEvent,
  OrderDocumentsAttachedEvent,
  OrderLinesChangedEvent,
  ShipmentChangedEvent,
  TradecloudDomainEvent,
  TradecloudDomainEventType,
} from './events/domain-events';

// Read services: committed data for host code.
export { TradecloudOrders } from './read/tradecloud-orders.service';
export { TradecloudShipments } from './read/tradecloud-shipments.service';
export type {
  ChangePage,
  ChangeView,
  DeliveryLineView,
  OrderLineView,
  OrderView,
  ShipmentLineView,
  ShipmentView,
} from './read/read-models';

// Documents: stored content, and re-queuing failed downloads.
export { DocumentContentService, DocumentContentUnavailableError } from './documents/document-content.service';
export { DocumentDownloader } from './documents/document-downloader.service';
export { readDocumentsEnvironment } from './documents/documents-options';
export type { TradecloudDocumentsOptions } from './documents/documents-options';

// Prometheus metrics (the standalone service serves them at /metrics).
export { TradecloudMetricsModule } from './observability/metrics/metrics.module';
export { TradecloudMetrics } from './observability/metrics/tradecloud-metrics';
export type { TradecloudMetricsOptions } from './observability/metrics/metrics.controller';

// Backfill and reconciliation through Tradecloud's polling API
export { ReconcilePassService, readReconcileEnvironment } from './reconcile';
export type { ReconcileCounts, ReconcileKind, ReconcilePassOptions, ReconcilePassResult, TradecloudReconcileOptions } from './reconcile';
