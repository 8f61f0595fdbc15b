import { DynamicModule, Module } from '@nestjs/common';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions } from '../options/resolved-options';
import { TRADECLOUD_AUTH_OPTIONS } from './auth-options';
import { BasicWebhookStrategy } from './strategies/basic-webhook.strategy';
import { BearerWebhookStrategy } from './strategies/bearer-webhook.strategy';
import { OAuthWebhookStrategy } from './strategies/oauth-webhook.strategy';
import { WebhookAuthenticator } from './webhook-authenticator';
import { WebhookAuthGuard } from './webhook-auth.guard';
import { WebhookAuthStartUpReport } from './webhook-auth-start-up-report';

/**
 * Webhook authentication. The Passport strategies each keep a Passport registry of their own (see
 * `private-passport.ts`), so several applications in one process never share or replace each
 * other's strategies.
 */
@Module({})
export class TradecloudAuthModule {
  static register(options: DynamicModule): DynamicModule {
    return {
      module: TradecloudAuthModule,
      imports: [options],
      providers: [
        { provide: TRADECLOUD_AUTH_OPTIONS, inject: [RESOLVED_TRADECLOUD_OPTIONS], useFactory: (resolved: ResolvedTradecloudOptions) => resolved.auth },
        BasicWebhookStrategy, BearerWebhookStrategy, OAuthWebhookStrategy, WebhookAuthenticator, WebhookAuthGuard, WebhookAuthStartUpReport],
      exports: [WebhookAuthenticator, WebhookAuthGuard],
    };
  }
}
