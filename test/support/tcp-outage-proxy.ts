import net from 'node:net';

/**
 * A TCP relay on a loopback port in front of a real server (here PostgreSQL), which a test can
 * cut and restore: cutting destroys every open connection and refuses new ones, the way a
 * database that went away looks to its clients, without stopping the shared server itself.
 */
export class TcpOutageProxy {
  private readonly sockets = new Set<net.Socket>();
  private down = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpOutageProxy> {
    let proxy: TcpOutageProxy | undefined;
    const server = net.createServer((client) => proxy!.relay(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpOutageProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** The URL with its host and port replaced by the proxy's. */
  static through(url: string, proxy: TcpOutageProxy): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    return proxied.toString();
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, target: { host: string; port: number }): void {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
