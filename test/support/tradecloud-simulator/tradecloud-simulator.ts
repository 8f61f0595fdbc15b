import { randomBytes } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { API_ROUTES, FaultHandle, FaultRule, FaultRules, SimulatorRoute } from './fault-rules';
import { handleRequest, json, resolveRoute, SimulatedDocument, SimulatorState } from './simulator-handlers';
import { SimulatorTokens } from './simulator-tokens';
import { PollableStore, PollSettings, readJsonBody } from './simulator-poll';

export interface TradecloudSimulatorOptions {
  /** The integration user's e-mail the login accepts. Default `integration@buyer-example.nl`. */
  username?: string;
  /** Its password. Default: random per simulator. */
  password?: string;
  /** Lifetime of access tokens. Default 1 hour (Tradecloud's documented value). */
  accessTokenTtlMs?: number;
  /** Lifetime of refresh tokens. Default 24 hours. */
  refreshTokenTtlMs?: number;
  /** `X-Amz-Expires` of pre-signed download URLs. Default 59 (as Tradecloud's). */
  presignedUrlTtlSeconds?: number;
}

/** One request as the simulator received it. Secret headers are redacted; flags say whether they were there. */
export interface RecordedRequest {
  /** 1, 2, … in arrival order. */
  seq: number;
  method: string;
  /** Path with query, as received (ids still URL-encoded). */
  path: string;
  route: SimulatorRoute;
  /** Lower-case names; `authorization` and `refresh-token` replaced by `[redacted]`. */
  headers: Record<string, string>;
  hasAuthorization: boolean;
  /** `Basic`, `Bearer`, … when an Authorization header was present. */
  authorizationScheme?: string;
  hasRefreshToken: boolean;
  /** Epoch milliseconds, sub-millisecond precision, taken when the request arrived. */
  receivedAt: number;
  /** Status answered; undefined while pending or when the connection was dropped. */
  status?: number;
  /** The parsed JSON body of a poll request (`{ filters, offset, limit }`). */
  body?: unknown;
}

const POLL_ROUTES: readonly SimulatorRoute[] = ['order.poll', 'order.poll-single-delivery', 'shipment.poll'];

const REDACTED_HEADERS = new Set(['authorization', 'refresh-token']);

/**
 * A real HTTP server on 127.0.0.1 that plays Tradecloud: the API v2 (login with rotating
 * refresh tokens, orders, shipments, object storage), a pre-signed "S3" download path that
 * refuses Authorization headers, and a partner content server for `url` documents. Tests fill
 * the stores, inject faults and read the request log.
 *
 * ```ts
 * const simulator = await TradecloudSimulator.start();
 * simulator.orders.set(order.id, order);
 * const client = TradecloudApiClient.create({ baseUrl: simulator.baseUrl, ...simulator.credentials });
 * simulator.failNext('order.get', 2, 503);
 * await simulator.stop();
 * ```
 */
export class TradecloudSimulator {
  /** `GET /v2/order/{id}` answers and what `POST /v2/order-search/poll` searches; key = order id. */
  readonly orders = new PollableStore();
  /** What `POST /v2/order-search/poll/single-delivery` searches (single-delivery shaped orders); key = order id. */
  readonly singleDeliveryOrders = new PollableStore();
  /** `GET /v2/shipment/{id}` answers and what `POST /v2/shipment/poll` searches; key = shipment id (opaque text). */
  readonly shipments = new PollableStore();
  /**
   * The poll endpoints' behaviour: `indexLagMs` (an update becomes visible to polls this long after
   * it was written, like Tradecloud's search index; default 0) and `malformedBody` (answer every
   * poll with this body instead, e.g. `{ total: 1 }`).
   */
  readonly pollSettings: PollSettings = { indexLagMs: 0 };
  /** Object storage; key = objectId. */
  readonly documents = new Map<string, SimulatedDocument>();
  /** Partner content server; key = path below `/partner/` (see {@link partnerUrl}). */
  readonly partnerFiles = new Map<string, SimulatedDocument>();
  /** `/redirect/<key>` answers 302 to the value (see {@link addRedirect}). */
  readonly redirects = new Map<string, string>();
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];

  private readonly faults = new FaultRules();
  private readonly tokens: SimulatorTokens;
  private readonly state: SimulatorState;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private port = 0;
  private online = false;
  private requestCount = 0;

  private constructor(private readonly options: Required<TradecloudSimulatorOptions>) {
    this.tokens = new SimulatorTokens(options.accessTokenTtlMs, options.refreshTokenTtlMs);
    this.state = {
      username: options.username,
      password: options.password,
      tokens: this.tokens,
      orders: this.orders,
      singleDeliveryOrders: this.singleDeliveryOrders,
      shipments: this.shipments,
      poll: this.pollSettings,
      documents: this.documents,
      partnerFiles: this.partnerFiles,
      redirects: this.redirects,
      presignedUrlTtlSeconds: options.presignedUrlTtlSeconds,
      presignedSignatures: new Set(),
      origin: () => this.origin,
    };
    this.server = http.createServer((request, response) => this.onRequest(request, response));
    this.server.keepAliveTimeout = 5_000;
  }

  /** Starts a simulator on 127.0.0.1 and a free port. */
  static async start(options: TradecloudSimulatorOptions = {}): Promise<TradecloudSimulator> {
    const simulator = new TradecloudSimulator({
      username: options.username ?? 'integration@buyer-example.nl',
      password: options.password ?? `sim-${randomBytes(12).toString('hex')}`,
      accessTokenTtlMs: options.accessTokenTtlMs ?? 3_600_000,
      refreshTokenTtlMs: options.refreshTokenTtlMs ?? 24 * 3_600_000,
      presignedUrlTtlSeconds: options.presignedUrlTtlSeconds ?? 59,
    });
    await simulator.listen(0);
    return simulator;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The API base URL to configure (`…/v2`). */
  get baseUrl(): string {
    return `${this.origin}/v2`;
  }

  /** The integration user the login accepts (spread into the client's options). */
  get credentials(): { username: string; password: string } {
    return { username: this.options.username, password: this.options.password };
  }

  /** Registers a partner file and returns its URL (for a document's `url`). */
  addPartnerFile(path: string, document: SimulatedDocument): string {
    this.partnerFiles.set(path.replace(/^\/+/, ''), document);
    return this.partnerUrl(path);
  }

  /** A URL on the simulator that answers 302 to `location`. */
  addRedirect(key: string, location: string): string {
    this.redirects.set(key, location);
    return `${this.origin}/redirect/${encodeURIComponent(key)}`;
  }

  partnerUrl(path: string): string {
    return `${this.origin}/partner/${path.replace(/^\/+/, '')}`;
  }

  /** Every access and refresh token handed out so far (to assert none leaked into messages or logs). */
  issuedTokens(): string[] {
    return this.tokens.allIssued();
  }

  /** The requests of one or more routes. */
  requestsTo(...routes: SimulatorRoute[]): RecordedRequest[] {
    return this.requests.filter((request) => routes.includes(request.route));
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ── faults ──────────────────────────────────────────────────────────────────────────────

  /** Injects a fault; see {@link FaultRule}. Remove it with the returned handle or {@link clearFaults}. */
  addFault(rule: FaultRule): FaultHandle {
    return this.faults.add(rule);
  }

  /** The next `times` requests to `route` answer `status` (e.g. 503, or 429 with `retryAfter`), then all is well again. */
  failNext(route: SimulatorRoute | readonly SimulatorRoute[], times: number, status = 503, extra: Omit<FaultRule, 'route' | 'times' | 'status'> = {}): FaultHandle {
    return this.faults.add({ ...extra, route, times, status });
  }

  /** Every API request (`/v2/…`) answers `status` until the handle is removed. */
  apiDown(status = 503): FaultHandle {
    return this.faults.add({ route: API_ROUTES, status });
  }

  /** Pre-signed S3 downloads fail (503, or dropped connections) until the handle is removed: exercises the proxy fallback. */
  s3Down(mode: 'status' | 'reset' = 'status'): FaultHandle {
    return this.faults.add(mode === 'status' ? { route: 's3', status: 503 } : { route: 's3', resetConnection: true });
  }

  /** Answers to `route` take `delayMs` longer (all of them, or the next `times`). */
  slow(route: SimulatorRoute | readonly SimulatorRoute[], delayMs: number, times?: number): FaultHandle {
    return this.faults.add({ route, delayMs, times });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every access token issued so far answers 401 (as after their expiry); refresh still works. */
  expireAccessTokens(): void {
    this.tokens.expireAllAccess();
  }

  /** Every refresh token issued so far is refused (401): the client must log in again. */
  revokeRefreshTokens(): void {
    this.tokens.revokeAllRefresh();
  }

  /** Every pre-signed URL handed out so far answers 403 "Request has expired". */
  expirePresignedUrls(): void {
    this.state.presignedSignatures.clear();
  }

  /** Stops accepting connections (clients get ECONNREFUSED) and drops the open ones, keeping the port. */
  async goOffline(): Promise<void> {
    if (!this.online) return;
    this.online = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port after {@link goOffline}. */
  async goOnline(): Promise<void> {
    if (!this.online) await this.listen(this.port);
  }

  /** Closes the server and every connection, and cancels delayed answers. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.goOffline();
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        this.online = true;
        resolve();
      });
    });
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    const resolved = resolveRoute(request.method ?? 'GET', url.pathname);
    const record = this.record(request, resolved.route);
    response.on('finish', () => (record.status = response.statusCode));
    const isPoll = POLL_ROUTES.includes(resolved.route);
    const body = isPoll ? readJsonBody(request).then((parsed) => (record.body = parsed)) : undefined;
    if (!isPoll) request.resume(); // bodies (logout) are not needed
    const fault = this.faults.take(resolved.route, request.url ?? '/');
    const act = () => {
      if (request.socket.destroyed) return; // the client gave up while we were slow
      if (fault?.resetConnection) {
        request.socket.destroy();
        return;
      }
      if (fault?.status !== undefined) {
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
        if (fault.body !== undefined) {
          response.writeHead(fault.status, { ...headers, 'Content-Type': 'text/plain' });
          response.end(fault.body);
        } else {
          json(response, fault.status, { message: `Simulated failure (HTTP ${fault.status})` }, headers);
        }
        return;
      }
      handleRequest(this.state, request, response, resolved, record.body);
    };
    const start = () => {
      if (fault?.delayMs) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          act();
        }, fault.delayMs);
        this.timers.add(timer);
      } else {
        act();
      }
    };
    if (body) void body.then(start);
    else start();
  }

  private record(request: IncomingMessage, route: SimulatorRoute): RecordedRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      headers[name] = REDACTED_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
    }
    const authorization = request.headers.authorization;
    const record: RecordedRequest = {
      seq: ++this.requestCount,
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      route,
      headers,
      hasAuthorization: authorization !== undefined,
      authorizationScheme: authorization?.split(' ')[0],
      hasRefreshToken: request.headers['refresh-token'] !== undefined,
      receivedAt: performance.timeOrigin + performance.now(),
    };
    this.requests.push(record);
    return record;
  }
}
