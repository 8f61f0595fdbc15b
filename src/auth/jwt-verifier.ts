import { decodeProtectedHeader, errors, JWTPayload, jwtVerify } from 'jose';
import type { ResolvedOAuthOptions } from './auth-options';
import { JwksKeyCache } from './jwks-key-cache';
import { WebhookAuthRejection, WebhookAuthUnavailable } from './webhook-auth-errors';

/** Asymmetric signatures only: `none` and the HMAC algorithms (HS*) are never accepted. */
export const ACCEPTED_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];

export interface VerifiedClient {
  /** `azp` (v2 tokens) or `appid` (v1 tokens); `sub` when neither is present. */
  clientId: string;
  payload: JWTPayload;
}

/**
 * Verifies an OAuth 2.0 client-credentials access token (Microsoft Entra v1 or v2, ADFS, B2C):
 * signature against the JWKS, issuer, audience, `exp`/`nbf` with bounded clock skew, then the
 * optional client id allow-list and required app role. Every refusal is a
 * {@link WebhookAuthRejection} whose message says why, for the log.
 */
export class JwtVerifier {
  constructor(
    private readonly options: ResolvedOAuthOptions,
    private readonly keys: JwksKeyCache,
  ) {}

  async verify(token: string): Promise<VerifiedClient> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        async (header) => {
          if (typeof header.kid !== 'string' || !header.kid) throw new WebhookAuthRejection('the token header has no "kid"');
          return this.keys.keyFor(header);
        },
        {
          algorithms: ACCEPTED_JWT_ALGORITHMS,
          issuer: this.options.issuers,
          audience: this.options.audiences,
          clockTolerance: this.options.clockToleranceSeconds,
          requiredClaims: ['exp'],
        },
      ));
    } catch (error) {
      throw explain(error, token);
    }
    const clientId = stringClaim(payload.azp) ?? stringClaim(payload.appid);
    if (this.options.clientIds && (clientId === undefined || !this.options.clientIds.includes(clientId))) {
      throw new WebhookAuthRejection(`client id ${clientId === undefined ? '(none in azp/appid)' : quote(clientId)} is not allowed`);
    }
    const role = this.options.requiredRole;
    if (role !== undefined && !(Array.isArray(payload.roles) && payload.roles.includes(role))) {
      throw new WebhookAuthRejection(`the token of client ${quote(clientId ?? '?')} lacks the role ${quote(role)}`);
    }
    return { clientId: clientId ?? stringClaim(payload.sub) ?? 'unknown', payload };
  }
}

/** Turns a jose error into a rejection that says, without the token, why it was refused. */
function explain(error: unknown, token: string): Error {
  if (error instanceof WebhookAuthRejection || error instanceof WebhookAuthUnavailable) return error;
  const kid = safeHeader(token)?.kid;
  if (error instanceof errors.JWTExpired) {
    return new WebhookAuthRejection(`token expired at ${isoDate(error.payload.exp)}`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    if (reason === 'missing') return new WebhookAuthRejection(`the token has no "${claim}" claim`);
    if (claim === 'iss') return new WebhookAuthRejection(`wrong issuer ${quote(payload.iss)}`);
    if (claim === 'aud') return new WebhookAuthRejection(`wrong audience ${quote(payload.aud)}`);
    if (claim === 'nbf') return new WebhookAuthRejection(`token not valid before ${isoDate(payload.nbf)}`);
    return new WebhookAuthRejection(`claim "${claim}" check failed (${reason})`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new WebhookAuthRejection(`signature algorithm ${quote(safeHeader(token)?.alg)} is not accepted`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new WebhookAuthRejection(`signed with a key the JWKS does not have (kid ${quote(kid)})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new WebhookAuthRejection(`signature does not verify with the JWKS key (kid ${quote(kid)})`);
  }
  if (error instanceof errors.JOSEError) {
    return new WebhookAuthRejection(`token not usable (${error.code})`);
  }
  return new WebhookAuthRejection(`token not usable (${(error as Error)?.message ?? String(error)})`);
}

function safeHeader(token: string): { kid?: unknown; alg?: unknown } | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

/** Token-supplied values in a log line: JSON-quoted (no line breaks) and bounded. */
function quote(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function isoDate(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : quote(seconds);
}
