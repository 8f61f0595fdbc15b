import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import axios, { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { SlidingWindowRateLimiter } from './sliding-window-rate-limiter';
import { describeUrl, isTransientStatus, TradecloudApiEndpoint, TradecloudApiError, TradecloudApiErrorCode } from './tradecloud-api.error';

/** One HTTP exchange as reported to observers (for metrics). Never carries headers or bodies. */
export interface TradecloudApiCall {
  endpoint: TradecloudApiEndpoint;
  /** HTTP status, absent when no answer came (network error, timeout). */
  status?: number;
  /** Time to the response headers. */
  durationMs: number;
  /** 1 for the first try of a call, 2 for its first retry, … */
  attempt: number;
  /** Set when the exchange failed without a status. */
  error?: TradecloudApiErrorCode;
}

export type TradecloudApiCallListener = (call: TradecloudApiCall) => void;

export interface HttpRequest {
  endpoint: TradecloudApiEndpoint;
  url: URL;
  headers: Record<string, string>;
  responseType: 'text' | 'stream';
  /** Counts against the requests-per-second cap (requests to Tradecloud, not to S3 or partners). */
  rateLimited: boolean;
  attempt: number;
  /** Resolves the host when a connection is opened (see `TradecloudDownloadOptions.lookup`). */
  lookup?: LookupFunction;
  /** Default `GET`. The poll endpoints take a JSON body with `POST`. */
  method?: 'GET' | 'POST';
  /** JSON request body (with `method: 'POST'`). */
  body?: string;
}

/**
 * Raised by a connect-time `lookup` hook that refuses the address a host resolves to: the
 * request is never sent, and the failure is permanent (retrying reaches the same address).
 */
export class ConnectAddressRefusedError extends Error {
  override name = 'ConnectAddressRefusedError';
  readonly code = 'EADDRREFUSED_POLICY';
}

/**
 * A requests-per-second budget shared with other processes (see `PostgresRequestBudget`):
 * `acquire` resolves when this process may send one more request to Tradecloud.
 */
export interface TradecloudRequestBudget {
  acquire(): Promise<void>;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Guard for buffered (JSON) answers; downloads stream and have their own limit. A 5,000-line
 * order is a few MB.
 */
const MAX_JSON_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * The HTTP layer of the Tradecloud client: one axios instance with its own keep-alive agents
 * (no interceptors of the host application see our headers), the rate limit, the retry loop
 * with exponential back-off and jitter, and the mapping of every failure to a
 * {@link TradecloudApiError}.
 */
export class TradecloudHttp {
  private readonly logger = new Logger('TradecloudApiClient');
  private readonly listeners = new Set<TradecloudApiCallListener>();
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly axios: AxiosInstance;
  private readonly limiter: SlidingWindowRateLimiter;
  /** Keep-alive agents per connect-time lookup hook (one per hook, so pooled sockets were all checked by it). */
  private readonly lookupAgents = new Map<LookupFunction, { http: http.Agent; https: https.Agent }>();
  /** Shared with the other instances and the CLI, on top of this process's own limiter. */
  sharedBudget?: TradecloudRequestBudget;

  /**
   * `instance`: the axios instance to configure and use — in Nest the module's own
   * `HttpService.axiosRef` (from `HttpModule.register`, so a host's interceptors never see our
   * tokens); outside Nest a fresh one.
   */
  constructor(
    private readonly timeoutMs: number,
    requestsPerSecond: number,
    instance: AxiosInstance = axios.create(),
  ) {
    this.limiter = new SlidingWindowRateLimiter(requestsPerSecond);
    Object.assign(instance.defaults, {
      timeout: timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_JSON_RESPONSE_BYTES,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
    });
    instance.defaults.headers.common['User-Agent'] = 'nestjs-tradecloud-receiver';
    this.axios = instance;
  }

  onCall(listener: TradecloudApiCallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One exchange; any status is returned, only the absence of an answer throws. */
  async send<T extends string | Readable>(request: HttpRequest): Promise<AxiosResponse<T>> {
    if (request.rateLimited) {
      await this.limiter.acquire();
      await this.sharedBudget?.acquire();
    }
    const started = performance.now();
    try {
      const response = await this.axios.request<T>({
        method: request.method ?? 'GET',
        url: request.url.toString(),
        headers: request.body === undefined ? request.headers : { ...request.headers, 'Content-Type': 'application/json' },
        data: request.body,
        responseType: request.responseType,
        ...(request.lookup ? this.agentsFor(request.lookup) : {}),
      });
      this.report({ endpoint: request.endpoint, status: response.status, durationMs: performance.now() - started, attempt: request.attempt });
      return response;
    } catch (error) {
      const mapped = this.networkError(request, error);
      this.report({ endpoint: request.endpoint, durationMs: performance.now() - started, attempt: request.attempt, error: mapped.code });
      throw mapped;
    }
  }

  /**
   * Runs `attempt` until it succeeds, fails permanently, or the retries are spent. Only transient
   * {@link TradecloudApiError}s are retried; a `Retry-After` is honoured, or, when it asks for more
   * than `maxDelayMs`, ends the call at once so the caller's job queue waits instead of us.
   */
  async withRetries<T>(policy: RetryPolicy, attempt: (attemptNumber: number) => Promise<T>): Promise<T> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        return await attempt(attemptNumber);
      } catch (error) {
        if (!(error instanceof TradecloudApiError) || !error.transient || attemptNumber > policy.maxRetries) throw error;
        const backOff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
        // "Equal jitter": between half and all of the back-off, so that many clients spread out.
        let delay = backOff / 2 + Math.random() * (backOff / 2);
        if (error.retryAfterMs !== undefined) {
          if (error.retryAfterMs > policy.maxDelayMs) throw error;
          delay = Math.max(delay, error.retryAfterMs);
        }
        this.logger.debug(`${error.message}; retry ${attemptNumber}/${policy.maxRetries} in ${Math.round(delay)} ms`);
        await sleep(delay);
      }
    }
  }

  /** The error for a non-2xx answer; 429 and 5xx are transient. */
  statusError(endpoint: TradecloudApiEndpoint, response: AxiosResponse, what: string): TradecloudApiError {
    const status = response.status;
    return new TradecloudApiError(`Tradecloud ${endpoint}: ${what} answered HTTP ${status}`, {
      endpoint,
      status,
      code: 'http',
      transient: isTransientStatus(status),
      retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after']) : undefined,
    });
  }

  /** Releases the sockets of an answer we do not read. */
  discard(response: AxiosResponse): void {
    if (response.data instanceof Readable) response.data.destroy();
  }

  get idleTimeoutMs(): number {
    return this.timeoutMs;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    for (const agents of this.lookupAgents.values()) {
      agents.http.destroy();
      agents.https.destroy();
    }
    this.lookupAgents.clear();
  }

  private agentsFor(lookup: LookupFunction): { httpAgent: http.Agent; httpsAgent: https.Agent } {
    let agents = this.lookupAgents.get(lookup);
    if (!agents) {
      // The agent passes `lookup` to every socket it opens: the address checked is the one connected to.
      agents = { http: new http.Agent({ keepAlive: true, lookup }), https: new https.Agent({ keepAlive: true, lookup }) };
      this.lookupAgents.set(lookup, agents);
    }
    return { httpAgent: agents.http, httpsAgent: agents.https };
  }

  private report(call: TradecloudApiCall): void {
    for (const listener of this.listeners) {
      try {
        listener(call);
      } catch (error) {
        this.logger.warn(`A Tradecloud API call listener failed: ${(error as Error).message}`);
      }
    }
  }

  private networkError(request: HttpRequest, error: unknown): TradecloudApiError {
    const where = `${request.method ?? 'GET'} ${describeUrl(request.url)}`;
    const code = error instanceof AxiosError ? error.code : undefined;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new TradecloudApiError(`Tradecloud ${request.endpoint}: ${where} did not answer within ${this.timeoutMs} ms`, {
        endpoint: request.endpoint,
        code: 'timeout',
        transient: true,
      });
    }
    if (code === AxiosError.ERR_BAD_RESPONSE && /maxContentLength/.test((error as Error).message)) {
      return new TradecloudApiError(`Tradecloud ${request.endpoint}: the answer of ${where} is larger than ${MAX_JSON_RESPONSE_BYTES} bytes`, {
        endpoint: request.endpoint,
        code: 'too_large',
        transient: false,
      });
    }
    const refused = [error, (error as { cause?: unknown })?.cause].find((candidate) => candidate instanceof ConnectAddressRefusedError);
    if (refused) {
      return new TradecloudApiError(`Tradecloud ${request.endpoint}: ${where} refused at connect time: ${(refused as Error).message}`, {
        endpoint: request.endpoint,
        code: 'network',
        transient: false,
      });
    }
    // Only the error code: axios messages and errors carry the request config, headers included.
    const cause = (error as NodeJS.ErrnoException)?.cause as NodeJS.ErrnoException | undefined;
    const reason = code ?? cause?.code ?? 'network error';
    return new TradecloudApiError(`Tradecloud ${request.endpoint}: ${where} failed (${reason})`, {
      endpoint: request.endpoint,
      code: 'network',
      transient: true,
    });
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
