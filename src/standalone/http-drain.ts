import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * Lets a server stop gracefully: stop accepting connections, tell keep-alive clients to
 * reconnect (`Connection: close`, so a load balancer or Tradecloud sends the next request
 * elsewhere or retries it), and wait, bounded, for the requests already being handled.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private idle?: () => void;

  constructor(private readonly server: HttpServer) {
    // Before Express sees the request, so the flag is on every response written while draining.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.inFlight.add(response);
      if (this.draining) response.setHeader('Connection', 'close');
      response.once('close', () => {
        this.inFlight.delete(response);
        if (this.inFlight.size === 0) this.idle?.();
      });
    });
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** Resolves with the number of requests still unfinished when `timeoutMs` ran out (0: all done). */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    this.server.close(); // no new connections; the callback is Nest's business later
    this.server.closeIdleConnections();
    for (const response of this.inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    // Connections that answered their last request with `Connection: close` are gone; anything left is idle.
    this.server.closeIdleConnections();
    return this.inFlight.size;
  }
}
