import { Module } from '@nestjs/common';
import { TradecloudConfigurableModule } from './tradecloud.module-definition';

/**
 * Receives Tradecloud One webhooks and keeps a queryable copy of orders, shipments and
 * documents in PostgreSQL. Import it with `TradecloudModule.forRoot({...})` or
 * `TradecloudModule.forRootAsync({ imports, inject, useFactory | useClass })`.
 *
 * A thin public module: the work is done by feature modules (database, queue, events, Tradecloud
 * API, documents, processing, intake, auth, security, read, maintenance, reconcile, observability;
 * see `tradecloud-feature-modules.ts`), built per import on the given options. It hosts the webhook
 * controllers and re-exports what hosts use (the DataSource, handlers, read services, ...).
 */
@Module({})
export class TradecloudModule extends TradecloudConfigurableModule {}
