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

/** The members of passport-http's BasicStrategy (and Passport's Strategy) its `authenticate` uses. */
interface BasicStrategyInternals {
  _passReqToCallback?: boolean;
  _verify(...args: unknown[]): void;
  _challenge(): string;
  fail(challenge: string | number): void;
  error(error: unknown): void;
  success(user: unknown): void;
}

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

  /**
   * passport-http's own `authenticate`, decisions unchanged, with `Buffer.from` where it calls the
   * deprecated `new Buffer()` (DEP0005). For each of a process's first 10,000 such calls, Node
   * looks at the caller's stack to decide whether to warn: about 90 µs a request, 5 % of intake's
   * CPU in the benchmark's ingest (BENCHMARKS.md).
   */
  override authenticate(request: Request): void {
    const self = this as unknown as BasicStrategyInternals;
    const authorization = request.headers.authorization;
    if (!authorization) return self.fail(self._challenge());
    const parts = authorization.split(' ');
    if (parts.length < 2) return self.fail(400);
    const scheme = parts[0];
    const credentials = Buffer.from(parts[1], 'base64').toString().split(':');
    if (!/Basic/i.test(scheme)) return self.fail(self._challenge());
    if (credentials.length < 2) return self.fail(400);
    const [userid, password] = credentials;
    if (!userid || !password) return self.fail(self._challenge());
    const verified = (error: unknown, user: unknown) => {
      if (error) return self.error(error);
      if (!user) return self.fail(self._challenge());
      self.success(user);
    };
    if (self._passReqToCallback) self._verify(request, userid, password, verified);
    else self._verify(userid, password, verified);
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
