/**
 * How the module reaches the Tradecloud API v2: fetching orders and shipments for the legacy GET
 * webhooks, and downloading documents. Optional: without `baseUrl` the module runs, and every
 * call of the API client fails with a "not configured" error.
 */
export interface TradecloudApiOptions {
  /**
   * API base URL including `/v2`: `https://api.tradecloud1.com/v2` (production) or
   * `https://api.accp.tradecloud1.com/v2` (acceptance). Unset: the API client is not configured.
   */
  baseUrl?: string;
  /** E-mail address of the Tradecloud integration user (role `integration`). Required with `baseUrl`. */
  username?: string;
  /** Password of the integration user. Required with `baseUrl`. Never logged. */
  password?: string;
  /**
   * Time allowed for one HTTP request to answer (and, for downloads, the longest pause between
   * two chunks of the body), in milliseconds. Tradecloud's own server side timeout is about 5 s.
   * Default `10000`.
   */
  timeoutMs?: number;
  /**
   * How often one call is retried inside the client after a transient failure (network error,
   * timeout, 429, 5xx) before it is handed back as a transient error for the job queue to retry
   * later. `0` disables in-call retries. Default `3`.
   */
  maxRetries?: number;
  /** First back-off pause between two tries of one call, doubled each time (with jitter), in milliseconds. Default `250`. */
  retryBaseDelayMs?: number;
  /**
   * Longest pause between two tries of one call, in milliseconds. A `Retry-After` asking for more
   * ends the call at once with a transient error carrying `retryAfterMs`. Default `5000`.
   */
  retryMaxDelayMs?: number;
  /**
   * Most requests sent to the API in any one second (Tradecloud allows 10). Inside TradecloudModule
   * this is also the budget all instances and the CLI share through the database (see
   * PostgresRequestBudget): together they stay within it. Default `10`.
   */
  requestsPerSecond?: number;
  /**
   * Age after which the access token is refreshed before its next use, in milliseconds.
   * Tradecloud's reference connector refreshes every 9 minutes. Default `540000`.
   */
  tokenRefreshIntervalMs?: number;
}

/** {@link TradecloudApiOptions} with every default filled in and every rule checked. */
export interface ResolvedTradecloudApiOptions {
  /** `false` when no `baseUrl` was given: the client then refuses every call. */
  configured: boolean;
  /** Without trailing slash. */
  baseUrl?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  requestsPerSecond: number;
  tokenRefreshIntervalMs: number;
}

export const TRADECLOUD_API_DEFAULTS = {
  timeoutMs: 10_000,
  maxRetries: 3,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 5_000,
  requestsPerSecond: 10,
  tokenRefreshIntervalMs: 9 * 60_000,
} as const;

/** Tradecloud's acceptance environment: the default of the standalone service's `TRADECLOUD_API_URL`. */
export const TRADECLOUD_ACCEPTANCE_API_URL = 'https://api.accp.tradecloud1.com/v2';
/** Tradecloud's production environment. */
export const TRADECLOUD_PRODUCTION_API_URL = 'https://api.tradecloud1.com/v2';

const OPTION_PREFIX = 'tradecloudApi';

export function resolveTradecloudApiOptions(options: TradecloudApiOptions | undefined, problems: string[]): ResolvedTradecloudApiOptions {
  const given = options ?? {};
  const name = (field: string) => `"${OPTION_PREFIX}.${field}"`;
  const baseUrl = given.baseUrl?.trim() ? given.baseUrl.trim().replace(/\/+$/, '') : undefined;
  if (baseUrl !== undefined) {
    const problem = checkApiUrl(baseUrl);
    if (problem) problems.push(`${name('baseUrl')} ${problem}`);
    if (!given.username?.trim()) problems.push(`${name('username')} is required when ${name('baseUrl')} is set (the integration user's e-mail)`);
    if (!given.password) problems.push(`${name('password')} is required when ${name('baseUrl')} is set`);
  } else if (given.username || given.password) {
    problems.push(`${name('baseUrl')} is required when ${name('username')} or ${name('password')} is set, e.g. ${TRADECLOUD_ACCEPTANCE_API_URL}`);
  }
  const integer = (field: keyof typeof TRADECLOUD_API_DEFAULTS, min: number, max: number): number => {
    const value = given[field];
    if (value === undefined) return TRADECLOUD_API_DEFAULTS[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name(field)} must be an integer from ${min} to ${max}, got ${String(value)}`);
      return TRADECLOUD_API_DEFAULTS[field];
    }
    return value;
  };
  return {
    configured: baseUrl !== undefined,
    baseUrl,
    username: given.username?.trim() || undefined,
    password: given.password || undefined,
    timeoutMs: integer('timeoutMs', 1, 600_000),
    maxRetries: integer('maxRetries', 0, 20),
    retryBaseDelayMs: integer('retryBaseDelayMs', 1, 600_000),
    retryMaxDelayMs: integer('retryMaxDelayMs', 1, 3_600_000),
    requestsPerSecond: integer('requestsPerSecond', 1, 10_000),
    tokenRefreshIntervalMs: integer('tokenRefreshIntervalMs', 1, 24 * 3_600_000),
  };
}

/** Why `value` is not usable as API base URL, or undefined. Never echoes the value (it may embed credentials). */
function checkApiUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL, e.g. ' + TRADECLOUD_ACCEPTANCE_API_URL;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL, e.g. ' + TRADECLOUD_ACCEPTANCE_API_URL;
  if (url.username || url.password) return 'must not contain credentials (use username and password)';
  if (url.search || url.hash) return 'must not contain a query or fragment';
  return undefined;
}

type Env = Record<string, string | undefined>;

/**
 * Reads the standalone service's Tradecloud API variables: `TRADECLOUD_API_URL` (default the
 * acceptance environment), `TRADECLOUD_API_USERNAME`, `TRADECLOUD_API_PASSWORD` and optionally
 * `TRADECLOUD_API_TIMEOUT_MS`. Without username and password (and without URL) the API is not
 * configured and `undefined` is returned. Problems name the variable and never echo a password.
 */
export function readTradecloudApiEnvironment(env: Env, problems: string[]): TradecloudApiOptions | undefined {
  const read = (key: string) => (env[key]?.trim() ? env[key]!.trim() : undefined);
  const url = read('TRADECLOUD_API_URL');
  const username = read('TRADECLOUD_API_USERNAME');
  // A password may legitimately begin or end with spaces: only an empty value counts as unset.
  const password = env.TRADECLOUD_API_PASSWORD ? env.TRADECLOUD_API_PASSWORD : undefined;
  const timeoutText = read('TRADECLOUD_API_TIMEOUT_MS');

  let timeoutMs: number | undefined;
  if (timeoutText !== undefined) {
    timeoutMs = /^\d+$/.test(timeoutText) ? Number(timeoutText) : NaN;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
      problems.push(`TRADECLOUD_API_TIMEOUT_MS must be an integer from 1 to 600000 (milliseconds), got "${timeoutText}"`);
      timeoutMs = undefined;
    }
  }
  if (url !== undefined) {
    const problem = checkApiUrl(url);
    if (problem) problems.push(`TRADECLOUD_API_URL ${problem} (value not shown: it may contain a secret)`);
  }
  if (!username && !password) {
    if (url !== undefined) {
      problems.push('TRADECLOUD_API_USERNAME and TRADECLOUD_API_PASSWORD are required when TRADECLOUD_API_URL is set');
    }
    return undefined;
  }
  if (!username) problems.push('TRADECLOUD_API_USERNAME is required when TRADECLOUD_API_PASSWORD is set (the integration user\'s e-mail)');
  if (!password) problems.push('TRADECLOUD_API_PASSWORD is required when TRADECLOUD_API_USERNAME is set');
  return { baseUrl: url ?? TRADECLOUD_ACCEPTANCE_API_URL, username, password, timeoutMs };
}
