import { Provider } from '@nestjs/common';
import { WebhookAuthGuard } from './webhook-auth.guard';

/** Providers the authentication feature adds to TradecloudModule. */
export const AUTH_PROVIDERS: Provider[] = [WebhookAuthGuard];
