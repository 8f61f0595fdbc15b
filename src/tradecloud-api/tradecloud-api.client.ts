import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { AxiosResponse } from 'axios';
import { arrayElementTexts, parseExact } from '../changes/lossless-json';
import { RESOLVED_TRADECLOUD_OPTIONS, ResolvedTradecloudOptions, TradecloudConfigurationError } from '../options/resolved-options';
import { filenameFromContentDisposition, filenameFromUrl, limitDownloadBody, tooLargeError, TradecloudDownload } from './download-body';
import { ResolvedTradecloudApiOptions, resolveTradecloudApiOptions, TradecloudApiOptions } from './tradecloud-api-options';
import { describeUrl, TradecloudApiEndpoint, TradecloudApiError } from './tradecloud-api.error';
import { RetryPolicy, TradecloudApiCallListener, TradecloudHttp, TradecloudRequestBudget } from './tradecloud-http';
import { MAX_POLL_LIMIT, PollKind, pollPath, readPollPage, TradecloudPollPage, TradecloudPollRequest } from './poll-response';
import { TokenSession, TradecloudTokens } from './token-session';
import { requestLogin, requestRefresh } from './token-requests';

/** `GET /object-storage/document/{objectId}/metadata`. `downloadUrl` is pre-signed and lives about a minute: use it at once, never store it. */
export interface TradecloudDocumentMetadata {
  id: string;
  filename: string;
  contentType: string;
  downloadUrl: string;
}

export interface TradecloudDownloadOptions {
  /** Largest accepted body; a larger one fails with `code: 'too_large'` without being read to the end. */
  maxBytes: number;
  /** Redirects followed (each target passes `checkUrl` again). Default `3`. */
  maxRedirects?: number;
  /**
   * Called with every URL before it is requested (the first one and each redirect target); throw
   * to refuse it (e.g. private or loopback addresses). The thrown error reaches the caller as is.
   */
  checkUrl?: (url: URL) => void | Promise<void>;
  /** In-call retries of transient failures for this download. Default: the client's `maxRetries`. */
  maxRetries?: number;
  /**
   * Resolves the host when each connection is opened (first request and every redirect), in
   * place of the system's DNS lookup; throw a `ConnectAddressRefusedError` (or pass it to the
   * callback) to refuse the address actually connected to. Not used for the Tradecloud API itself.
   */
  lookup?: LookupFunction;
}

const DEFAULT_MAX_REDIRECTS = 3;

/**
 * The only code that talks to Tradecloud. Logs in with the integration user, refreshes the
 * token before the refresh interval, logs in again once on a 401, retries transient failures
 * with back-off, keeps under the requests-per-second cap, and throws {@link TradecloudApiError}
 * for everything else. Secrets never reach a message or a log line.
 */
@Injectable()
export class TradecloudApiClient implements OnApplicationShutdown {
  private readonly options: ResolvedTradecloudApiOptions;
  private readonly http: TradecloudHttp;
  private readonly session: TokenSession;
  private readonly retryPolicy: RetryPolicy;

  constructor(
    @Inject(RESOLVED_TRADECLOUD_OPTIONS) resolved: Pick<ResolvedTradecloudOptions, 'tradecloudApi'>,
    @Optional() httpService?: HttpService,
  ) {
    this.options = resolved.tradecloudApi;
    this.http = new TradecloudHttp(this.options.timeoutMs, this.options.requestsPerSecond, httpService?.axiosRef);
    this.retryPolicy = { maxRetries: this.options.maxRetries, baseDelayMs: this.options.retryBaseDelayMs, maxDelayMs: this.options.retryMaxDelayMs };
    this.session = new TokenSession({
      login: () => this.login(),
      refresh: (refreshToken) => this.refresh(refreshToken),
      refreshIntervalMs: this.options.tokenRefreshIntervalMs,
    });
  }

  /** A client outside Nest (CLI, benchmark). Throws {@link TradecloudConfigurationError} for wrong options. */
  static create(options: TradecloudApiOptions): TradecloudApiClient {
    const problems: string[] = [];
    const tradecloudApi = resolveTradecloudApiOptions(options, problems);
    if (problems.length) throw new TradecloudConfigurationError(`Invalid Tradecloud API options: ${problems.join('; ')}.`);
    return new TradecloudApiClient({ tradecloudApi });
  }

  /** `false` when no base URL is configured: every call then fails with `code: 'not_configured'`. */
  get isConfigured(): boolean {
    return this.options.configured;
  }

  /** Observe every HTTP exchange (endpoint, status, duration, attempt), e.g. for metrics. Returns the unsubscribe function. */
  onCall(listener: TradecloudApiCallListener): () => void {
    return this.http.onCall(listener);
  }

  /**
   * `GET /order/{orderId}`: the whole order with all its lines (`id`, not `orderId`). Numbers are
   * exact: a plain number where its double prints back as Tradecloud's token (`24`, `561.573`), a
   * lossless-json `LosslessNumber` otherwise (`92.0`, 20 digits); `String(value)` gives the token either way.
   */
  async getOrder(orderId: string): Promise<unknown> {
    return this.getJson('order.get', `/order/${encodeURIComponent(orderId)}`);
  }

  /** `GET /shipment/{shipmentId}`: the whole shipment, numbers as {@link getOrder} gives them. The id is opaque text (it may hold the supplier's shipment number). */
  async getShipment(shipmentId: string): Promise<unknown> {
    return this.getJson('shipment.get', `/shipment/${encodeURIComponent(shipmentId)}`);
  }

  /**
   * One page of `POST /order-search/poll`, `/order-search/poll/single-delivery` or `/shipment/poll`:
   * the entities changed after `lastUpdatedAfter` (full shape, all lines), `total` and Tradecloud's
   * `lastUpdatedAt`. A 429 or 5xx is retried with back-off; an answer without a `data` array or
   * with a non-number `total` fails with `code: 'invalid_response'` naming the field.
   */
  async poll(kind: PollKind, request: TradecloudPollRequest): Promise<TradecloudPollPage> {
    const limit = request.limit ?? MAX_POLL_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_POLL_LIMIT) throw new RangeError(`poll limit must be an integer from 1 to ${MAX_POLL_LIMIT}, got ${limit}`);
    const { endpoint, path } = pollPath(kind);
    const body = JSON.stringify({
      filters: request.lastUpdatedAfter === undefined ? {} : { lastUpdatedAfter: request.lastUpdatedAfter },
      offset: request.offset ?? 0,
      limit,
    });
    const answer = await this.sendJsonWithText(endpoint, path, 'POST', body);
    const page = readPollPage(endpoint, answer.value);
    // Each entity's text as sent, to be stored as it is (null when the answer's shape is not plain).
    const texts = arrayElementTexts(answer.text, 'data');
    return texts && texts.length === page.data.length ? { ...page, texts } : page;
  }

  /**
   * Shares the requests-per-second budget with other processes (every request to Tradecloud,
   * logins, polls, GET webhook fetches and document calls, first waits for it).
   */
  useRequestBudget(budget: TradecloudRequestBudget | undefined): void {
    this.http.sharedBudget = budget;
  }

  /** `GET /object-storage/document/{objectId}/metadata`. */
  async getDocumentMetadata(objectId: string): Promise<TradecloudDocumentMetadata> {
    const body = await this.getJson('document.metadata', `/object-storage/document/${encodeURIComponent(objectId)}/metadata`);
    const metadata = body as Partial<TradecloudDocumentMetadata> | null;
    if (!metadata || typeof metadata.downloadUrl !== 'string' || typeof metadata.filename !== 'string') {
      throw new TradecloudApiError(`Tradecloud document.metadata: the metadata of document ${objectId} has no downloadUrl or filename`, {
        endpoint: 'document.metadata',
        code: 'invalid_response',
        transient: true,
      });
    }
    return {
      id: typeof metadata.id === 'string' ? metadata.id : objectId,
      filename: metadata.filename,
      contentType: typeof metadata.contentType === 'string' ? metadata.contentType : 'application/octet-stream',
      downloadUrl: metadata.downloadUrl,
    };
  }

  /**
   * Downloads a pre-signed object-storage URL or a partner's document `url`. No Tradecloud
   * credentials are ever sent there. Works without API configuration.
   */
  async downloadFromUrl(url: string, options: TradecloudDownloadOptions): Promise<TradecloudDownload> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new TradecloudApiError('Tradecloud document.url: the document URL is not a valid URL', { endpoint: 'document.url', code: 'invalid_response', transient: false });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new TradecloudApiError(`Tradecloud document.url: only http(s) URLs are downloaded, got ${target.protocol}`, {
        endpoint: 'document.url',
        code: 'invalid_response',
        transient: false,
      });
    }
    return this.download('document.url', target, options);
  }

  /** `GET /object-storage/document/{objectId}` with the token: the fallback when the pre-signed URL fails. */
  async downloadDocumentViaProxy(objectId: string, options: TradecloudDownloadOptions): Promise<TradecloudDownload> {
    const url = this.apiUrl('document.proxy', `/object-storage/document/${encodeURIComponent(objectId)}`);
    return this.download('document.proxy', url, options);
  }

  /**
   * Closes at application shutdown, the last of Nest's hooks: the job queue lets running jobs
   * (GET webhook fetches, downloads) finish in `beforeApplicationShutdown`, which comes after
   * `onModuleDestroy`; closing here rather than there lets those jobs end instead of failing.
   */
  onApplicationShutdown(): void {
    this.session.clear();
    this.http.close();
  }

  private apiUrl(endpoint: TradecloudApiEndpoint, path: string): URL {
    if (!this.options.configured || !this.options.baseUrl || !this.options.username || !this.options.password) {
      throw new TradecloudApiError(
        `Tradecloud ${endpoint}: the Tradecloud API is not configured (set tradecloudApi.baseUrl, username and password; ` +
          'standalone: TRADECLOUD_API_URL, TRADECLOUD_API_USERNAME, TRADECLOUD_API_PASSWORD)',
        { endpoint, code: 'not_configured', transient: false },
      );
    }
    return new URL(this.options.baseUrl + path);
  }

  private getJson(endpoint: TradecloudApiEndpoint, path: string): Promise<unknown> {
    return this.sendJson(endpoint, path, 'GET');
  }

  private async sendJson(endpoint: TradecloudApiEndpoint, path: string, method: 'GET' | 'POST', body?: string): Promise<unknown> {
    return (await this.sendJsonWithText(endpoint, path, method, body)).value;
  }

  /** {@link sendJson}, with the answer's text as received. */
  private async sendJsonWithText(endpoint: TradecloudApiEndpoint, path: string, method: 'GET' | 'POST', body?: string): Promise<{ value: unknown; text: string }> {
    const url = this.apiUrl(endpoint, path);
    let reloggedIn = false;
    return this.http.withRetries(this.retryPolicy, async (attempt) => {
      for (;;) {
        const token = await this.session.accessToken();
        const response = await this.http.send<string>({
          endpoint,
          url,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
          responseType: 'text',
          rateLimited: true,
          attempt,
          method,
          body,
        });
        if (response.status === 401 && !reloggedIn) {
          reloggedIn = true;
          await this.session.renewAfterRejection(token);
          continue;
        }
        if (response.status === 401) throw this.unauthorized(endpoint, 'a fresh login');
        if (response.status < 200 || response.status >= 300) throw this.http.statusError(endpoint, response, `${method} ${describeUrl(url)}`);
        return { value: parseJson(endpoint, response.data, url), text: response.data };
      }
    });
  }

  /**
   * Opens a download, following redirects. The Bearer token goes only to the Tradecloud API
   * origin and only for the proxy endpoint: never to S3, a partner, or a redirect target elsewhere.
   */
  private async download(endpoint: 'document.url' | 'document.proxy', start: URL, options: TradecloudDownloadOptions): Promise<TradecloudDownload> {
    const policy = { ...this.retryPolicy, maxRetries: options.maxRetries ?? this.retryPolicy.maxRetries };
    const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const apiOrigin = this.options.baseUrl ? new URL(this.options.baseUrl).origin : undefined;
    let reloggedIn = false;
    return this.http.withRetries(policy, async (attempt) => {
      let url = start;
      let redirects = 0;
      for (;;) {
        await options.checkUrl?.(url);
        const toApi = endpoint === 'document.proxy' && url.origin === apiOrigin;
        const token = toApi ? await this.session.accessToken() : undefined;
        const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
        const response = await this.http.send<Readable>({ endpoint, url, headers, responseType: 'stream', rateLimited: toApi, attempt, lookup: toApi ? undefined : options.lookup });
        const location = response.headers['location'];
        if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
          this.http.discard(response);
          if (++redirects > maxRedirects) {
            throw new TradecloudApiError(`Tradecloud ${endpoint}: more than ${maxRedirects} redirects from ${describeUrl(start)}`, {
              endpoint,
              code: 'http',
              status: response.status,
              transient: false,
            });
          }
          url = new URL(location, url);
          continue;
        }
        if (response.status === 401 && token) {
          this.http.discard(response);
          if (reloggedIn) throw this.unauthorized(endpoint, 'a fresh login');
          reloggedIn = true;
          await this.session.renewAfterRejection(token);
          continue;
        }
        if (response.status < 200 || response.status >= 300) {
          this.http.discard(response);
          throw this.http.statusError(endpoint, response, `GET ${describeUrl(url)}`);
        }
        return this.toDownload(endpoint, url, response, options.maxBytes);
      }
    });
  }

  private toDownload(endpoint: TradecloudApiEndpoint, url: URL, response: AxiosResponse<Readable>, maxBytes: number): TradecloudDownload {
    const source = describeUrl(url);
    const lengthHeader = Number(response.headers['content-length']);
    const contentLength = Number.isSafeInteger(lengthHeader) && lengthHeader >= 0 ? lengthHeader : undefined;
    if (contentLength !== undefined && contentLength > maxBytes) {
      this.http.discard(response);
      throw tooLargeError(endpoint, maxBytes, source, contentLength);
    }
    const contentType = response.headers['content-type'];
    return {
      stream: limitDownloadBody(response.data, { endpoint, maxBytes, idleTimeoutMs: this.http.idleTimeoutMs, source }),
      contentType: typeof contentType === 'string' ? contentType : undefined,
      filename: filenameFromContentDisposition(response.headers['content-disposition'] as string | undefined) ?? filenameFromUrl(url),
      contentLength,
    };
  }

  private login(): Promise<TradecloudTokens> {
    return requestLogin(this.http, this.apiUrl('auth.login', '/authentication/login'), this.options.username!, this.options.password!);
  }

  private refresh(refreshToken: string): Promise<TradecloudTokens> {
    return requestRefresh(this.http, this.apiUrl('auth.refresh', '/authentication/refresh'), refreshToken);
  }

  private unauthorized(endpoint: TradecloudApiEndpoint, after: string): TradecloudApiError {
    return new TradecloudApiError(`Tradecloud ${endpoint}: HTTP 401 even after ${after}; does the integration user have access?`, {
      endpoint,
      status: 401,
      code: 'unauthorized',
      transient: false,
    });
  }
}

/** Exact numbers (see `parseExact`): fetched orders and shipments keep every decimal, like webhook bodies. */
function parseJson(endpoint: TradecloudApiEndpoint, text: string, url: URL): unknown {
  try {
    return parseExact(text);
  } catch {
    // A 2xx that is not JSON is most likely a proxy or gateway page: worth another try later.
    throw new TradecloudApiError(`Tradecloud ${endpoint}: the answer of GET ${describeUrl(url)} is not JSON`, {
      endpoint,
      code: 'invalid_response',
      transient: true,
    });
  }
}
