import { looksLikeJwt } from './authorization-header';
import { WEBHOOK_KINDS, WebhookKind } from './webhook-kind';

/** One username/password pair Tradecloud may send with `Authorization: Basic`. */
export interface WebhookBasicCredentials {
  /** Must not contain `:` (RFC 7617). */
  username: string;
  /** Any non-empty string; `:` is allowed. */
  password: string;
}

/**
 * OAuth 2.0 client credentials: Tradecloud fetches a token from Microsoft Entra (or ADFS/B2C)
 * and calls the webhook with `Authorization: Bearer <JWT>`. Only RS256/384/512 and PS256/384/512
 * signatures are accepted; `none` and HMAC algorithms never are.
 */
export interface WebhookOAuthOptions {
  /**
   * JSON Web Key Set of the token issuer, e.g.
   * `https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys`. HTTPS (plain HTTP only for
   * localhost). Required.
   */
  jwksUri: string;
  /**
   * Accepted `iss` values. Allow both Entra styles to accept v1 and v2 tokens:
   * `https://sts.windows.net/<tenant>/` and `https://login.microsoftonline.com/<tenant>/v2.0`.
   * Required, at least one.
   */
  issuers: string[];
  /**
   * Accepted `aud` values: the Application ID URI (v1 tokens, e.g. `api://tradecloud-webhooks`)
   * and/or the resource app's client id (v2 tokens). Required, at least one.
   */
  audiences: string[];
  /** Accepted client ids (`azp` in v2 tokens, `appid` in v1 tokens). Default: any client. */
  clientIds?: string[];
  /** App role the token must carry in `roles`. Default: none required. */
  requiredRole?: string;
  /** Clock skew allowed on `exp` and `nbf`, in seconds, from 0 to 60. Default `60`. */
  clockToleranceSeconds?: number;
  /** Keys older than this are refreshed (stale keys stay in use while the refresh fails). Default `3600000` (1 h). */
  jwksCacheMaxAgeMs?: number;
  /**
   * Least time between two JWKS downloads. A token with an unknown key id triggers one download;
   * within this pause it is answered 401 when the latest download succeeded (the key set is
   * current and lacks the key), 503 (Tradecloud retries) when it failed. Default `30000`.
   */
  jwksRefetchCooldownMs?: number;
  /** Timeout of one JWKS download; an unreachable JWKS answers 503. Default `5000`. */
  jwksTimeoutMs?: number;
}

/**
 * Credentials of one webhook kind. Each field, when given, replaces the top-level setting of the
 * same name for this kind (`[]` turns that scheme off for the kind).
 */
export interface WebhookKindAuthOptions {
  /** Basic pairs for this kind. Default: `auth.basic`. */
  basic?: WebhookBasicCredentials[];
  /** Static bearer tokens for this kind. Default: `auth.bearerTokens`. */
  bearerTokens?: string[];
  /**
   * OAuth for this kind: an object (own settings), `true` (use `auth.oauth`) or `false` (off).
   * Default: `true` for orders and order documents, `false` for shipments, because Tradecloud does
   * not offer OAuth for shipment webhooks.
   */
  oauth?: WebhookOAuthOptions | boolean;
}

/** How Tradecloud authenticates when it calls the webhooks (module option `auth`). */
export interface TradecloudAuthOptions {
  /**
   * Accept every webhook without credentials. For local experiments only: a loud warning is
   * logged at every start, and it is refused when `requireCredentials` is on. Default `false`.
   */
  disabled?: boolean;
  /**
   * Refuse to start when a webhook kind has no scheme configured. Without it such a kind answers
   * every request 401 (never open). Default `process.env.NODE_ENV === 'production'`.
   */
  requireCredentials?: boolean;
  /** Realm named in the `WWW-Authenticate` challenges. Default `'tradecloud-webhooks'`. */
  realm?: string;
  /** Basic pairs accepted by every kind (several, for rotation). Default `[]`. */
  basic?: WebhookBasicCredentials[];
  /** Static bearer tokens accepted by every kind (several, for rotation). Default `[]`. */
  bearerTokens?: string[];
  /** OAuth accepted by orders and order documents (shipments: see `kinds.shipments.oauth`). Default: none. */
  oauth?: WebhookOAuthOptions;
  /** Per-kind overrides of `basic`, `bearerTokens` and `oauth`. Default: none. */
  kinds?: Partial<Record<WebhookKind, WebhookKindAuthOptions>>;
}

export type WebhookAuthScheme = 'basic' | 'bearer' | 'oauth';

export interface ResolvedOAuthOptions {
  jwksUri: string;
  issuers: string[];
  audiences: string[];
  clientIds?: string[];
  requiredRole?: string;
  clockToleranceSeconds: number;
  jwksCacheMaxAgeMs: number;
  jwksRefetchCooldownMs: number;
  jwksTimeoutMs: number;
}

export interface ResolvedKindAuth {
  basic: WebhookBasicCredentials[];
  bearerTokens: string[];
  oauth?: ResolvedOAuthOptions;
  /** The schemes this kind accepts, in challenge order. Empty: every request is refused. */
  schemes: WebhookAuthScheme[];
}

/** Injection token of the authentication slice of the resolved options ({@link ResolvedAuthOptions}), provided by its feature module. */
export const TRADECLOUD_AUTH_OPTIONS = 'TRADECLOUD_AUTH_OPTIONS';

export interface ResolvedAuthOptions {
  disabled: boolean;
  requireCredentials: boolean;
  realm: string;
  kinds: Record<WebhookKind, ResolvedKindAuth>;
}

/** RFC 7230 visible ASCII: what can travel in an Authorization header without escaping. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
const REALM_PATTERN = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/; // no quote or backslash: it is written inside quotes

/** Checks the options (problems name the option path and never echo a secret) and fills in defaults. */
export function resolveAuthOptions(options: TradecloudAuthOptions | undefined, problems: string[]): ResolvedAuthOptions {
  const auth = options ?? {};
  const requireCredentials = auth.requireCredentials ?? process.env.NODE_ENV === 'production';
  const disabled = auth.disabled ?? false;
  if (disabled && requireCredentials) {
    problems.push('"auth.disabled" cannot be true when "auth.requireCredentials" is on (NODE_ENV=production)');
  }
  const realm = auth.realm ?? 'tradecloud-webhooks';
  if (!REALM_PATTERN.test(realm)) problems.push('"auth.realm" must be printable ASCII without quotes or backslashes');

  const basic = checkBasic(auth.basic ?? [], 'auth.basic', problems);
  const bearerTokens = checkTokens(auth.bearerTokens ?? [], 'auth.bearerTokens', problems);
  const oauth = auth.oauth === undefined ? undefined : checkOAuth(auth.oauth, 'auth.oauth', problems);
  for (const kind of Object.keys(auth.kinds ?? {})) {
    if (!(WEBHOOK_KINDS as readonly string[]).includes(kind)) {
      problems.push(`"auth.kinds.${kind}" is not a webhook kind (use ${WEBHOOK_KINDS.join(', ')})`);
    }
  }

  const kinds = {} as Record<WebhookKind, ResolvedKindAuth>;
  for (const kind of WEBHOOK_KINDS) {
    const path = `auth.kinds.${kind}`;
    const own = auth.kinds?.[kind] ?? {};
    const kindOAuth = resolveKindOAuth(kind, own.oauth, oauth, path, problems);
    const resolved: ResolvedKindAuth = {
      basic: own.basic === undefined ? basic : checkBasic(own.basic, `${path}.basic`, problems),
      bearerTokens: own.bearerTokens === undefined ? bearerTokens : checkTokens(own.bearerTokens, `${path}.bearerTokens`, problems),
      oauth: kindOAuth,
      schemes: [],
    };
    if (resolved.basic.length) resolved.schemes.push('basic');
    if (resolved.bearerTokens.length) resolved.schemes.push('bearer');
    if (resolved.oauth) resolved.schemes.push('oauth');
    if (resolved.oauth && resolved.bearerTokens.some(looksLikeJwt)) {
      // With OAuth on, a JWT-shaped bearer value is always verified as a JWT: such a static token could never match.
      problems.push(`a static bearer token of "${path}" looks like a JWT, which cannot be told apart from OAuth tokens`);
    }
    if (requireCredentials && !disabled && !resolved.schemes.length) {
      problems.push(
        `webhook kind "${kind}" has no authentication scheme configured (set "auth.basic", "auth.bearerTokens"` +
          (kind === 'shipments' ? ` or "${path}.oauth")` : ' or "auth.oauth")') +
          ', which "auth.requireCredentials" (production) requires',
      );
    }
    kinds[kind] = resolved;
  }
  return { disabled, requireCredentials, realm, kinds };
}

function resolveKindOAuth(
  kind: WebhookKind,
  own: WebhookOAuthOptions | boolean | undefined,
  shared: ResolvedOAuthOptions | undefined,
  path: string,
  problems: string[],
): ResolvedOAuthOptions | undefined {
  if (own === false) return undefined;
  if (own === undefined) return kind === 'shipments' ? undefined : shared;
  if (own === true) {
    if (!shared) problems.push(`"${path}.oauth" is true but "auth.oauth" is not set`);
    return shared;
  }
  return checkOAuth(own, `${path}.oauth`, problems);
}

function checkBasic(pairs: WebhookBasicCredentials[], path: string, problems: string[]): WebhookBasicCredentials[] {
  if (!Array.isArray(pairs)) {
    problems.push(`"${path}" must be an array of { username, password }`);
    return [];
  }
  pairs.forEach((pair, index) => {
    const username: unknown = pair?.username;
    if (typeof username !== 'string' || !username || username.includes(':') || !/^[^\x00-\x1f\x7f]+$/.test(username)) {
      problems.push(`"${path}[${index}].username" must be a non-empty string without ":" or control characters`);
    }
    if (typeof pair?.password !== 'string' || !pair.password || /[\x00-\x1f\x7f]/.test(pair.password)) {
      problems.push(`"${path}[${index}].password" must be a non-empty string without control characters`);
    }
  });
  return pairs;
}

function checkTokens(tokens: string[], path: string, problems: string[]): string[] {
  if (!Array.isArray(tokens)) {
    problems.push(`"${path}" must be an array of strings`);
    return [];
  }
  tokens.forEach((token, index) => {
    if (typeof token !== 'string' || !VISIBLE_ASCII.test(token) || token.includes(',')) {
      problems.push(`"${path}[${index}]" must be a non-empty string of visible ASCII characters without ","`);
    }
  });
  return tokens;
}

function checkOAuth(oauth: WebhookOAuthOptions, path: string, problems: string[]): ResolvedOAuthOptions {
  if (!oauth || typeof oauth !== 'object') {
    problems.push(`"${path}" must be an object with jwksUri, issuers and audiences`);
    oauth = {} as WebhookOAuthOptions;
  }
  if (!isJwksUri(oauth.jwksUri)) {
    problems.push(`"${path}.jwksUri" must be an https:// URL (http:// only for localhost)`);
  }
  const list = (value: string[] | undefined, name: string, required: boolean): string[] | undefined => {
    if (value === undefined && !required) return undefined;
    if (!Array.isArray(value) || !value.length || value.some((item) => typeof item !== 'string' || !item.trim())) {
      problems.push(`"${path}.${name}" must be a non-empty array of non-empty strings`);
      return [];
    }
    return value;
  };
  const integer = (value: number | undefined, fallback: number, name: string, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`"${path}.${name}" must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
    return value;
  };
  if (oauth.requiredRole !== undefined && (typeof oauth.requiredRole !== 'string' || !oauth.requiredRole.trim())) {
    problems.push(`"${path}.requiredRole" must be a non-empty string`);
  }
  return {
    jwksUri: oauth.jwksUri,
    issuers: list(oauth.issuers, 'issuers', true)!,
    audiences: list(oauth.audiences, 'audiences', true)!,
    clientIds: list(oauth.clientIds, 'clientIds', false),
    requiredRole: oauth.requiredRole,
    clockToleranceSeconds: integer(oauth.clockToleranceSeconds, 60, 'clockToleranceSeconds', 0, 60),
    jwksCacheMaxAgeMs: integer(oauth.jwksCacheMaxAgeMs, 3_600_000, 'jwksCacheMaxAgeMs', 1_000, 7 * 24 * 3_600_000),
    jwksRefetchCooldownMs: integer(oauth.jwksRefetchCooldownMs, 30_000, 'jwksRefetchCooldownMs', 0, 3_600_000),
    jwksTimeoutMs: integer(oauth.jwksTimeoutMs, 5_000, 'jwksTimeoutMs', 100, 60_000),
  };
}

/** An https URL, or http on a loopback host (local identity providers, tests). */
export function isJwksUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}
