import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A minimal reverse proxy on loopback, as nginx with `X-Forwarded-For $proxy_add_x_forwarded_for`:
 * it forwards every request to `target` and appends the address it was called from to
 * `X-Forwarded-For`.
 */
export class ForwardingProxy {
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<ForwardingProxy> {
    const upstream = new URL(target);
    const server = http.createServer((request, response) => {
      const peer = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const incoming = request.headers['x-forwarded-for'];
      const headers = { ...request.headers, 'x-forwarded-for': incoming ? `${incoming}, ${peer}` : peer, host: upstream.host };
      const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      forwarded.on('error', () => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
      request.pipe(forwarded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ForwardingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
