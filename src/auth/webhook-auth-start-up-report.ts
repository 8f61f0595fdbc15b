import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ResolvedAuthOptions, TRADECLOUD_AUTH_OPTIONS } from './auth-options';
import { ResolvedKindAuth } from './auth-options';
import { WEBHOOK_KINDS } from './webhook-kind';

/**
 * Says at every start how each webhook kind is protected (counts and public settings only, never a
 * secret), warns about kinds that refuse everything, and shouts when authentication is disabled.
 */
@Injectable()
export class WebhookAuthStartUpReport implements OnModuleInit {
  private readonly logger = new Logger('WebhookAuth');

  constructor(@Inject(TRADECLOUD_AUTH_OPTIONS) private readonly auth: ResolvedAuthOptions) {}

  onModuleInit(): void {
    const auth = this.auth;
    if (auth.disabled) {
      // Logged as an error so that it shows at every log level.
      this.logger.error(
        '!!! WEBHOOK AUTHENTICATION IS DISABLED (auth.disabled / WEBHOOK_AUTH_DISABLED=true): anyone who can reach ' +
          'this service can write orders and shipments. Use this for local experiments only, never on a reachable host. !!!',
      );
      return;
    }
    for (const kind of WEBHOOK_KINDS) {
      const description = describeKind(auth.kinds[kind]);
      if (description) this.logger.log(`Webhook kind ${kind} accepts ${description}`);
      else this.logger.warn(`Webhook kind ${kind} has no authentication scheme configured: every ${kind} webhook is refused with 401`);
    }
  }
}

function describeKind(kind: ResolvedKindAuth): string {
  const parts: string[] = [];
  if (kind.basic.length) parts.push(`Basic (users ${kind.basic.map((pair) => JSON.stringify(pair.username)).join(', ')})`);
  if (kind.bearerTokens.length) parts.push(`static Bearer (${kind.bearerTokens.length} token${kind.bearerTokens.length > 1 ? 's' : ''})`);
  if (kind.oauth) {
    const { jwksUri, issuers, audiences, clientIds, requiredRole } = kind.oauth;
    parts.push(
      `OAuth JWT (JWKS ${jwksUri}; issuers ${issuers.join(', ')}; audiences ${audiences.join(', ')}` +
        `${clientIds ? `; clients ${clientIds.join(', ')}` : ''}${requiredRole ? `; role ${requiredRole}` : ''})`,
    );
  }
  return parts.join(', ');
}
