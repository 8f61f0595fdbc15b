import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { RefusalLogLimiter } from '../auth/refusal-log-limiter';
import { resolveRequestClientAddress } from '../security/client-address';
import { compileTrustProxy, TrustProxySetting } from '../security/trusted-proxies';

interface WatchedBody {
  request: IncomingMessage;
  response: ServerResponse;
  windowStartedMs: number;
  bytesAtWindowStart: number;
  startedMs: number;
}

export interface SlowBodyGuardOptions {
  /** Below this average over a window, a body still arriving is cut. 0: off. */
  minBytesPerSecond: number;
  windowMs: number;
  /** How often the bodies in flight are looked at. Default 1000 ms. */
  checkIntervalMs?: number;
  trustProxy?: TrustProxySetting;
  /** Called once per body cut (for a metric). */
  onCut?: () => void;
}

/**
 * Cuts request bodies that arrive slower than a minimum rate ("slow POST"), answering 408 and
 * closing the connection, so that a client sending a byte now and then cannot hold a connection
 * (and a handler) for minutes. Node's own `requestTimeout` bounds the whole request; this bounds
 * the rate, so that large bodies at a decent speed still get through.
 *
 * The rate is the socket's bytes read per window. A body the application is not reading yet
 * (authentication still running) is not the client's fault: once the socket is paused because
 * our buffer is full, the window restarts instead of counting as slow.
 */
export class SlowBodyGuard {
  private readonly logger = new Logger('HttpServer');
  private readonly log = new RefusalLogLimiter(20, 0.2);
  private readonly watched = new Set<WatchedBody>();
  private readonly timer?: NodeJS.Timeout;
  private readonly trust;

  constructor(
    server: HttpServer,
    private readonly options: SlowBodyGuardOptions,
  ) {
    this.trust = compileTrustProxy(options.trustProxy);
    if (options.minBytesPerSecond <= 0) return;
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => this.watch(request, response));
    this.timer = setInterval(() => this.check(), options.checkIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  private watch(request: IncomingMessage, response: ServerResponse): void {
    const declared = Number(request.headers['content-length']);
    const hasBody = request.headers['transfer-encoding'] !== undefined || (Number.isFinite(declared) && declared > 0);
    if (!hasBody || request.complete) return;
    const now = Date.now();
    const entry: WatchedBody = { request, response, windowStartedMs: now, bytesAtWindowStart: request.socket.bytesRead, startedMs: now };
    this.watched.add(entry);
    const done = () => this.watched.delete(entry);
    // Not on the response's end: a body refused before it was read (401, 403) is still drained,
    // and a client dribbling it would otherwise hold the connection until the request timeout.
    request.once('end', done);
    request.once('close', done);
  }

  private check(): void {
    const now = Date.now();
    for (const entry of this.watched) {
      const { request, response } = entry;
      if (request.complete || request.socket.destroyed) {
        this.watched.delete(entry);
        continue;
      }
      const elapsed = now - entry.windowStartedMs;
      if (elapsed < this.options.windowMs) continue;
      const bytes = request.socket.bytesRead - entry.bytesAtWindowStart;
      // A full buffer means the socket was paused because we are not reading yet: not the client's fault.
      const heldBackByUs = request.readableLength >= request.readableHighWaterMark;
      const rate = (bytes * 1000) / elapsed;
      if (heldBackByUs || rate >= this.options.minBytesPerSecond) {
        entry.windowStartedMs = now;
        entry.bytesAtWindowStart = request.socket.bytesRead;
        continue;
      }
      this.watched.delete(entry);
      this.cut(entry, rate, now);
    }
  }

  private cut(entry: WatchedBody, rate: number, now: number): void {
    const { request, response } = entry;
    this.options.onCut?.();
    const address = resolveRequestClientAddress(request, this.trust);
    const path = (request.url ?? '').split('?')[0].slice(0, 200);
    const line = this.log.admit(
      address,
      `Cut ${request.method} ${path} from ${address}${response.headersSent ? ` (answered ${response.statusCode}, body still arriving)` : ' with 408'} after ${Math.round((now - entry.startedMs) / 1000)} s: ` +
        `its body arrived at ${rate.toFixed(1)} bytes/s, below HTTP_BODY_MIN_BYTES_PER_SECOND=${this.options.minBytesPerSecond}`,
    );
    if (line) this.logger.warn(line);
    const socket = request.socket;
    if (response.headersSent) {
      socket.destroy(); // answered already (a refusal), the rest of the body is not worth waiting for
    } else {
      const body = JSON.stringify({ statusCode: 408, error: 'Request Timeout', message: 'The request body arrived too slowly.' });
      response.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      response.end(body, () => socket.destroy());
    }
    // Whatever happens to the response, the connection does not outlive a short grace period.
    setTimeout(() => socket.destroy(), 2000).unref();
  }
}
