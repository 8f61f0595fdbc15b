import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { BasicStrategy } from 'passport-http';
import { ResolvedAuthOptions, TRADECLOUD_AUTH_OPTIONS } from '../auth-options';
import { decodeBasicCredentials, parseAuthorization } from '../authorization-header';
import { requestWebhookKind } from '../request-webhook-kind';
import { SecretMatcher } from '../secret-comparison';
import { WebhookAuthRejection, WebhookPrincipal } from '../webhook-auth-errors';
import { WEBHOOK_KINDS, WebhookKind } from '../webhook-kind';
import { passportRegistryOf } from './private-passport';

export const BASIC_WEBHOOK_STRATEGY = 'tradecloud-webhook-basic';

interface StoredPair {
  username: string;
  usernameDigest: Buffer;
  passwordDigest: Buffer;
}

/** `Authorization: Basic …` against the username/password pairs configured for the webhook kind. */
@Injectable()
export class BasicWebhookStrategy extends PassportStrategy(BasicStrategy, BASIC_WEBHOOK_STRATEGY) {
  private readonly matcher: SecretMatcher;
  private readonly pairs: Record<WebhookKind, StoredPair[]>;

  constructor(@Inject(TRADECLOUD_AUTH_OPTIONS) auth: ResolvedAuthOptions) {
    super({ passReqToCallback: true, realm: auth.realm });
    this.matcher = new SecretMatcher();
    this.pairs = Object.fromEntries(
      WEBHOOK_KINDS.map((kind) => [
        kind,
        auth.kinds[kind].basic.map(({ username, password }) => ({
          username,
          usernameDigest: this.matcher.digest(username),
          passwordDigest: this.matcher.digest(password),
        })),
      ]),
    ) as Record<WebhookKind, StoredPair[]>;
  }

  /** Called by the mixin's constructor: register in a registry of our own, not the global one. */
  getPassportInstance() {
    return passportRegistryOf(this);
  }

  validate(request: Request): WebhookPrincipal {
    const kind = requestWebhookKind(request);
    // passport-http cuts the password at its first ':' (RFC 7617 allows ':' in passwords), so
    // the credentials are decoded again from the header, split at the first ':' only.
    const given = decodeBasicCredentials(parseAuthorization(request.headers.authorization)?.credentials ?? '');
    if (!given) throw new WebhookAuthRejection('malformed Basic credentials');
    const usernameDigest = this.matcher.digest(given.username);
    const passwordDigest = this.matcher.digest(given.password);
    let knownUser: string | undefined;
    let accepted: string | undefined;
    // Every pair is compared, in constant time, whatever matched before.
    for (const pair of this.pairs[kind]) {
      const userMatches = this.matcher.matches(usernameDigest, pair.usernameDigest);
      const passwordMatches = this.matcher.matches(passwordDigest, pair.passwordDigest);
      if (userMatches) knownUser ??= pair.username;
      if (userMatches && passwordMatches) accepted ??= pair.username;
    }
    if (accepted !== undefined) return { kind, scheme: 'basic', subject: accepted };
    // The username given is only named when it is a configured one: an unknown "username" may be a mistyped password.
    throw new WebhookAuthRejection(knownUser === undefined ? 'unknown Basic user' : `wrong password for Basic user ${JSON.stringify(knownUser)}`);
  }
}
