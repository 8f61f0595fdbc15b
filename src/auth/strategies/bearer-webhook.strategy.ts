import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as HttpBearerStrategy } from 'passport-http-bearer';
import { ResolvedAuthOptions, TRADECLOUD_AUTH_OPTIONS } from '../auth-options';
import { requestWebhookKind } from '../request-webhook-kind';
import { SecretMatcher } from '../secret-comparison';
import { WebhookAuthRejection, WebhookPrincipal } from '../webhook-auth-errors';
import { WEBHOOK_KINDS, WebhookKind } from '../webhook-kind';
import { passportRegistryOf } from './private-passport';

export const BEARER_WEBHOOK_STRATEGY = 'tradecloud-webhook-bearer';

/**
 * `Authorization: Bearer <static token>` against the tokens configured for the webhook kind.
 * Several tokens may be configured so that a new one can be rolled out before the old one goes.
 */
@Injectable()
export class BearerWebhookStrategy extends PassportStrategy(HttpBearerStrategy, BEARER_WEBHOOK_STRATEGY) {
  private readonly matcher: SecretMatcher;
  private readonly tokenDigests: Record<WebhookKind, Buffer[]>;

  constructor(@Inject(TRADECLOUD_AUTH_OPTIONS) auth: ResolvedAuthOptions) {
    super({ passReqToCallback: true, realm: auth.realm });
    this.matcher = new SecretMatcher();
    this.tokenDigests = Object.fromEntries(
      WEBHOOK_KINDS.map((kind) => [kind, auth.kinds[kind].bearerTokens.map((token) => this.matcher.digest(token))]),
    ) as Record<WebhookKind, Buffer[]>;
  }

  /** Called by the mixin's constructor: register in a registry of our own, not the global one. */
  getPassportInstance() {
    return passportRegistryOf(this);
  }

  validate(request: Request, token: string): WebhookPrincipal {
    const kind = requestWebhookKind(request);
    const index = this.matcher.indexIn(this.matcher.digest(token), this.tokenDigests[kind]);
    if (index === -1) throw new WebhookAuthRejection('unknown static bearer token');
    // The position tells operators which token is still in use during a rotation.
    return { kind, scheme: 'bearer', subject: `token #${index + 1}` };
  }
}
