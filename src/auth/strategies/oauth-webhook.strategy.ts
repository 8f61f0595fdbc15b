import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as HttpBearerStrategy } from 'passport-http-bearer';
import { ResolvedAuthOptions, TRADECLOUD_AUTH_OPTIONS } from '../auth-options';
import { ResolvedOAuthOptions } from '../auth-options';
import { JwksKeyCache } from '../jwks-key-cache';
import { JwtVerifier } from '../jwt-verifier';
import { requestWebhookKind } from '../request-webhook-kind';
import { WebhookAuthRejection, WebhookPrincipal } from '../webhook-auth-errors';
import { WEBHOOK_KINDS, WebhookKind } from '../webhook-kind';
import { passportRegistryOf } from './private-passport';

export const OAUTH_WEBHOOK_STRATEGY = 'tradecloud-webhook-oauth';

/**
 * `Authorization: Bearer <JWT>` from an OAuth 2.0 client-credentials flow (Microsoft Entra as
 * Tradecloud uses it), verified with `jose` against the kind's JWKS. Kinds that share a JWKS URL
 * share its key cache.
 */
@Injectable()
export class OAuthWebhookStrategy extends PassportStrategy(HttpBearerStrategy, OAUTH_WEBHOOK_STRATEGY) {
  private readonly verifiers: Partial<Record<WebhookKind, JwtVerifier>>;
  private readonly keyCaches: Map<string, JwksKeyCache>;

  constructor(@Inject(TRADECLOUD_AUTH_OPTIONS) auth: ResolvedAuthOptions) {
    super({ passReqToCallback: true, realm: auth.realm });
    const logger = new Logger('WebhookAuth');
    this.keyCaches = new Map();
    this.verifiers = {};
    for (const kind of WEBHOOK_KINDS) {
      const oauth = auth.kinds[kind].oauth;
      if (oauth) this.verifiers[kind] = new JwtVerifier(oauth, this.keyCacheFor(oauth, logger));
    }
  }

  /** Called by the mixin's constructor: register in a registry of our own, not the global one. */
  getPassportInstance() {
    return passportRegistryOf(this);
  }

  /** The key caches by JWKS URL (diagnostics and tests). */
  jwksCaches(): ReadonlyMap<string, JwksKeyCache> {
    return this.keyCaches;
  }

  async validate(request: Request, token: string): Promise<WebhookPrincipal> {
    const kind = requestWebhookKind(request);
    const verifier = this.verifiers[kind];
    if (!verifier) throw new WebhookAuthRejection(`OAuth is not enabled for ${kind}`);
    const { clientId } = await verifier.verify(token);
    return { kind, scheme: 'oauth', subject: clientId };
  }

  private keyCacheFor(oauth: ResolvedOAuthOptions, logger: Logger): JwksKeyCache {
    const settings = [oauth.jwksUri, oauth.jwksCacheMaxAgeMs, oauth.jwksRefetchCooldownMs, oauth.jwksTimeoutMs].join(' ');
    let cache = this.keyCaches.get(settings);
    if (!cache) {
      cache = new JwksKeyCache(
        { jwksUri: oauth.jwksUri, maxAgeMs: oauth.jwksCacheMaxAgeMs, cooldownMs: oauth.jwksRefetchCooldownMs, timeoutMs: oauth.jwksTimeoutMs },
        logger,
      );
      this.keyCaches.set(settings, cache);
    }
    return cache;
  }
}
