import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ResolvedAuthOptions, TRADECLOUD_AUTH_OPTIONS } from './auth-options';
import { challengesFor, decodeBasicCredentials, looksLikeJwt, parseAuthorization } from './authorization-header';
import { setRequestWebhookKind } from './request-webhook-kind';
import { BASIC_WEBHOOK_STRATEGY, BasicWebhookStrategy } from './strategies/basic-webhook.strategy';
import { BEARER_WEBHOOK_STRATEGY, BearerWebhookStrategy } from './strategies/bearer-webhook.strategy';
import { OAUTH_WEBHOOK_STRATEGY, OAuthWebhookStrategy } from './strategies/oauth-webhook.strategy';
import { runPassportStrategy } from './strategies/private-passport';
import { WebhookAuthRejection, WebhookPrincipal } from './webhook-auth-errors';
import { WebhookKind } from './webhook-kind';

/**
 * Picks the one strategy that can judge a request's `Authorization` header, among the schemes
 * configured for its webhook kind, and runs it. Only the headers are read (never the body).
 */
@Injectable()
export class WebhookAuthenticator {
  private readonly auth: ResolvedAuthOptions;

  constructor(
    @Inject(TRADECLOUD_AUTH_OPTIONS) auth: ResolvedAuthOptions,
    private readonly basic: BasicWebhookStrategy,
    private readonly bearer: BearerWebhookStrategy,
    private readonly oauth: OAuthWebhookStrategy,
  ) {
    this.auth = auth;
  }

  get disabled(): boolean {
    return this.auth.disabled;
  }

  /** The `WWW-Authenticate` challenges of a refusal for this kind. */
  challenges(kind: WebhookKind): string[] {
    return challengesFor(this.auth.kinds[kind].schemes, this.auth.realm);
  }

  /** Resolves with who called, or throws WebhookAuthRejection (401) / WebhookAuthUnavailable (503). */
  async authenticate(kind: WebhookKind, request: Request, response: Response): Promise<WebhookPrincipal> {
    const accepted = this.auth.kinds[kind];
    if (!accepted.schemes.length) throw new WebhookAuthRejection(`no authentication scheme is configured for ${kind}`);
    const header = request.headers.authorization;
    if (header === undefined) throw new WebhookAuthRejection('no Authorization header');
    const parsed = parseAuthorization(header);
    if (!parsed) throw new WebhookAuthRejection('malformed Authorization header');
    setRequestWebhookKind(request, kind);

    if (parsed.scheme === 'basic') {
      if (!accepted.basic.length) throw new WebhookAuthRejection(`Basic is not accepted for ${kind}`);
      if (!decodeBasicCredentials(parsed.credentials)) throw new WebhookAuthRejection('malformed Basic credentials');
      return runPassportStrategy(this.basic, BASIC_WEBHOOK_STRATEGY, request, response);
    }
    if (parsed.scheme === 'bearer') {
      const isJwt = looksLikeJwt(parsed.credentials);
      if (accepted.oauth && isJwt) return runPassportStrategy(this.oauth, OAUTH_WEBHOOK_STRATEGY, request, response);
      if (accepted.bearerTokens.length) {
        return runPassportStrategy<WebhookPrincipal>(this.bearer, BEARER_WEBHOOK_STRATEGY, request, response).catch((error) => {
          // A JWT sent to a kind without OAuth (typically shipments): say so, it is the likely misconfiguration.
          if (isJwt && error instanceof WebhookAuthRejection) {
            throw new WebhookAuthRejection(`${error.message} (the token is a JWT, and OAuth is not enabled for ${kind})`);
          }
          throw error;
        });
      }
      if (accepted.oauth) throw new WebhookAuthRejection('the bearer value is not a JWT (static bearer tokens are not configured)');
      throw new WebhookAuthRejection(`Bearer is not accepted for ${kind}${isJwt ? ' (the token is a JWT, and OAuth is not enabled for it)' : ''}`);
    }
    throw new WebhookAuthRejection(`scheme ${JSON.stringify(parsed.scheme.slice(0, 20))} is not accepted for ${kind}`);
  }
}
