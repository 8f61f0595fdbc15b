import { DynamicModule, Module } from '@nestjs/common';
import { OrderWebhookHandler } from '../orders/order-webhook.handler';
import { ShipmentWebhookHandler } from '../shipments/shipment-webhook.handler';
import { GetWebhookHandler } from '../webhooks/get-webhook.handler';
import { IntakeBodyBudget } from './body-budget';
import { JsonWebhookReceiver } from './json-webhook.receiver';
import { WebhookIntake } from './webhook-intake.service';

/** Webhook intake: the handlers behind the routes, storing each accepted event with its job in one transaction. */
@Module({})
export class TradecloudIntakeModule {
  static register(options: DynamicModule, database: DynamicModule, queue: DynamicModule, tradecloudApi: DynamicModule): DynamicModule {
    return {
      module: TradecloudIntakeModule,
      imports: [options, database, queue, tradecloudApi],
      providers: [WebhookIntake, IntakeBodyBudget, JsonWebhookReceiver, OrderWebhookHandler, ShipmentWebhookHandler, GetWebhookHandler],
      exports: [OrderWebhookHandler, ShipmentWebhookHandler, GetWebhookHandler],
    };
  }
}
