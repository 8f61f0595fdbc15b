import type { WebhookAuthScheme } from './auth-options';

/** The `Authorization` header split into its scheme and credentials (RFC 7235: `scheme SP token`). */
export interface ParsedAuthorization {
  /** Lower-case scheme name, e.g. `basic` or `bearer`. */
  scheme: string;
  credentials: string;
}

/**
 * Splits `Authorization: <scheme> <credentials>`. Returns `undefined` for anything else (several
 * spaces, parameters, empty credentials), which is answered 401 as a malformed header.
 */
export function parseAuthorization(header: string | string[] | undefined): ParsedAuthorization | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) ([\x21-\x7e]+)$/.exec(header.trim());
  return match ? { scheme: match[1].toLowerCase(), credentials: match[2] } : undefined;
}

/**
 * Decodes Basic credentials. Unlike passport-http, it splits at the first `:` only (RFC 7617), so
 * a password that contains `:` is compared in full.
 */
export function decodeBasicCredentials(credentials: string): { username: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credentials)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * A compact JWS (`header.payload.signature`, base64url) whose header is a JSON object with an
 * `alg`. Such a bearer value is verified as an OAuth token; anything else as a static token.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = /^([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.exec(token);
  if (!parts) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** `WWW-Authenticate` challenges naming the schemes a webhook kind accepts (OAuth tokens travel as Bearer). */
export function challengesFor(schemes: readonly WebhookAuthScheme[], realm: string): string[] {
  const challenges: string[] = [];
  if (schemes.includes('basic')) challenges.push(`Basic realm="${realm}", charset="UTF-8"`);
  if (schemes.includes('bearer') || schemes.includes('oauth')) challenges.push(`Bearer realm="${realm}"`);
  // A kind without any scheme refuses everything, yet a 401 must carry at least one challenge (RFC 9110).
  return challenges.length ? challenges : [`Basic realm="${realm}", charset="UTF-8"`, `Bearer realm="${realm}"`];
}
