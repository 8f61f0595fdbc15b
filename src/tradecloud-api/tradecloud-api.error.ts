/** Which Tradecloud call failed (also the label reported to {@link TradecloudApiCallListener}s). */
export type TradecloudApiEndpoint =
  | 'auth.login'
  | 'auth.refresh'
  | 'order.get'
  | 'shipment.get'
  | 'order.poll'
  | 'order.poll-single-delivery'
  | 'shipment.poll'
  | 'document.metadata'
  | 'document.proxy'
  | 'document.url';

/**
 * What kind of failure it was:
 * - `not_configured`: no `tradecloudApi.baseUrl` (or credentials) configured;
 * - `http`: the server answered with a non-2xx status (see `status`);
 * - `unauthorized`: the login was refused (wrong username/password) or a 401 survived a fresh login;
 * - `timeout`, `network`: no (complete) answer;
 * - `too_large`: a download exceeded its `maxBytes` (aborted without reading the rest);
 * - `invalid_response`: a 2xx answer that is not what the endpoint promises (no JSON, no tokens).
 */
export type TradecloudApiErrorCode = 'not_configured' | 'http' | 'unauthorized' | 'timeout' | 'network' | 'too_large' | 'invalid_response';

export interface TradecloudApiErrorDetails {
  endpoint: TradecloudApiEndpoint;
  code: TradecloudApiErrorCode;
  transient: boolean;
  status?: number;
  /** From a `Retry-After` header the client did not wait for: when the caller should try again. */
  retryAfterMs?: number;
}

/**
 * The one error the Tradecloud API client throws. `transient` tells the caller whether trying the
 * same call later may succeed (network errors, timeouts, 429, 5xx — already retried a few times
 * inside the client), or not (400, 403, 404, oversize, not configured…). Messages never contain
 * passwords, tokens or pre-signed URL signatures.
 */
export class TradecloudApiError extends Error {
  override name = 'TradecloudApiError';
  readonly endpoint: TradecloudApiEndpoint;
  readonly code: TradecloudApiErrorCode;
  readonly transient: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, details: TradecloudApiErrorDetails) {
    // Deliberately no `cause`: an axios error carries the request config, headers and tokens included.
    super(message);
    this.endpoint = details.endpoint;
    this.code = details.code;
    this.transient = details.transient;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Statuses worth trying again: Tradecloud asks clients to retry 429 and 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** A URL fit for an error message or a log line: no credentials and no query (pre-signed URLs carry signatures there). */
export function describeUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
