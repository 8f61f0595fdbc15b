import { AddressListError, parseTrustProxy, TrustProxySetting } from '../security/trusted-proxies';
import { WebhookSourceAllowlist } from '../security/webhook-sources';
import type { EnvironmentReader } from './environment';

/**
 * Production hardening settings of the standalone service (see the README's "Security"
 * section): who is trusted to name the caller, who may call, what is exposed, and how long a
 * slow client may hold a connection.
 */
export interface StandaloneHardeningEnvironment {
  /** `TRUST_PROXY`: Express `trust proxy` semantics; unset, `X-Forwarded-For` is ignored. */
  trustProxy?: TrustProxySetting;
  /** `WEBHOOK_ALLOWED_SOURCES`: CIDRs and `tradecloud-production` / `tradecloud-acceptance`; unset, no filter. */
  allowedSources?: string[];
  /** `OPENAPI_ENABLED`: serve `/docs` and `/docs-json`. Default: on, except with NODE_ENV=production. */
  openApiEnabled: boolean;
  /** `METRICS_PUBLIC=true`: serve `/metrics` without `METRICS_TOKEN` even in production. */
  metricsPublic: boolean;
  http: HttpServerLimits;
}

/** Explicit limits of the HTTP(S) server, so that slow or idle clients cannot hold connections for long. */
export interface HttpServerLimits {
  /** `HTTP_HEADERS_TIMEOUT_MS`: time to receive the complete request headers. Default 20 s. */
  headersTimeoutMs: number;
  /** `HTTP_REQUEST_TIMEOUT_MS`: time to receive the complete request, body included. Default 120 s. */
  requestTimeoutMs: number;
  /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: how long an idle keep-alive connection stays open. Default 65 s (longer than common load balancers' 60 s). */
  keepAliveTimeoutMs: number;
  /**
   * `HTTP_BODY_MIN_BYTES_PER_SECOND`: a body still arriving must bring at least this many bytes
   * per second, measured over each {@link BODY_RATE_WINDOW_MS} window, or it is cut with 408.
   * 0 turns the check off. Default 1024.
   */
  bodyMinBytesPerSecond: number;
}

/** The window over which a body's arrival rate is measured: a too-slow body is cut at most this long (plus one check) after it fell behind. */
export const BODY_RATE_WINDOW_MS = 10_000;

export const HTTP_LIMIT_DEFAULTS: HttpServerLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 65_000,
  bodyMinBytesPerSecond: 1024,
};

export function readHardeningEnvironment(read: EnvironmentReader, production: boolean, problems: string[]): StandaloneHardeningEnvironment {
  let trustProxy: TrustProxySetting | undefined;
  const trustValue = read.raw('TRUST_PROXY');
  if (trustValue !== undefined) {
    try {
      trustProxy = parseTrustProxy(trustValue);
    } catch (error) {
      if (!(error instanceof AddressListError)) throw error;
      problems.push(`TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses, CIDRs, loopback, linklocal, uniquelocal: ${error.message}`);
    }
  }
  let allowedSources: string[] | undefined;
  if (read.raw('WEBHOOK_ALLOWED_SOURCES') !== undefined) {
    allowedSources = read.list('WEBHOOK_ALLOWED_SOURCES');
    try {
      new WebhookSourceAllowlist(allowedSources);
    } catch (error) {
      if (!(error instanceof AddressListError)) throw error;
      problems.push(`WEBHOOK_ALLOWED_SOURCES must be a comma-separated list of CIDRs and tradecloud-production, tradecloud-acceptance: ${error.message}`);
    }
  }
  const http: HttpServerLimits = {
    headersTimeoutMs: read.integer('HTTP_HEADERS_TIMEOUT_MS', HTTP_LIMIT_DEFAULTS.headersTimeoutMs, 1000, 600_000),
    requestTimeoutMs: read.integer('HTTP_REQUEST_TIMEOUT_MS', HTTP_LIMIT_DEFAULTS.requestTimeoutMs, 1000, 3_600_000),
    keepAliveTimeoutMs: read.integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', HTTP_LIMIT_DEFAULTS.keepAliveTimeoutMs, 1000, 600_000),
    bodyMinBytesPerSecond: read.integer('HTTP_BODY_MIN_BYTES_PER_SECOND', HTTP_LIMIT_DEFAULTS.bodyMinBytesPerSecond, 0, 100_000_000),
  };
  if (http.requestTimeoutMs < http.headersTimeoutMs) problems.push('HTTP_REQUEST_TIMEOUT_MS must not be shorter than HTTP_HEADERS_TIMEOUT_MS');
  return {
    trustProxy,
    allowedSources,
    openApiEnabled: read.boolean('OPENAPI_ENABLED', !production),
    metricsPublic: read.boolean('METRICS_PUBLIC', false),
    http,
  };
}
