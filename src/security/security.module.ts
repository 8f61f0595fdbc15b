import { DynamicModule, Module } from '@nestjs/common';
import { WebhookSourceGuard, WebhookSourcePolicy } from './webhook-source.guard';

/** Caller addresses through trusted proxies and the webhook source allowlist. */
@Module({})
export class TradecloudSecurityModule {
  static register(options: DynamicModule): DynamicModule {
    return {
      module: TradecloudSecurityModule,
      imports: [options],
      providers: [WebhookSourcePolicy, WebhookSourceGuard],
      exports: [WebhookSourcePolicy, WebhookSourceGuard],
    };
  }
}
