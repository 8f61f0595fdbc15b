import { Provider } from '@nestjs/common';
import { BasicWebhookStrategy } from './strategies/basic-webhook.strategy';
import { BearerWebhookStrategy } from './strategies/bearer-webhook.strategy';
import { OAuthWebhookStrategy } from './strategies/oauth-webhook.strategy';
import { WebhookAuthenticator } from './webhook-authenticator';
import { WebhookAuthGuard } from './webhook-auth.guard';
import { WebhookAuthStartUpReport } from './webhook-auth-start-up-report';

/**
 * Providers the authentication feature adds to TradecloudModule. The Passport strategies each
 * keep a Passport registry of their own (see `private-passport.ts`), so several applications in
 * one process never share or replace each other's strategies.
 */
export const AUTH_PROVIDERS: Provider[] = [
  BasicWebhookStrategy,
  BearerWebhookStrategy,
  OAuthWebhookStrategy,
  WebhookAuthenticator,
  WebhookAuthGuard,
  WebhookAuthStartUpReport,
];
