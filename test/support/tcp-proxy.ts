/** A TCP proxy in front of the emulator that sees every connection and can hang up on them, as a server does on its idle limit. */
import { once } from 'node:events';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** The proxies' own connections to their target: not the client's dials. */
export const PROXY_UPSTREAMS = new WeakSet<Socket>();

/** One connection the proxy accepted. */
export interface ProxiedConnection {
  /** Bytes the client sent on it (0: a connection opened ahead, never used). */
  sent: number;
  open: boolean;
  readonly closed: Promise<void>;
}

export class TcpProxy {
  /** Every connection accepted, oldest first. */
  readonly connections: ProxiedConnection[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private waiters: Array<() => void> = [];

  private constructor(targetPort: number) {
    this.server = createServer((client) => {
      // Marked before it dials: Node 26 publishes it on `net.client.socket` too, which tests count.
      const upstream = new Socket();
      PROXY_UPSTREAMS.add(upstream);
      upstream.connect(targetPort, '127.0.0.1');
      const entry: ProxiedConnection = { sent: 0, open: true, closed: once(client, 'close').then(() => undefined) };
      this.connections.push(entry);
      this.sockets.add(client);
      for (const wake of this.waiters.splice(0)) wake();
      client.on('data', (chunk: Buffer) => void (entry.sent += chunk.length));
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        entry.open = false;
        this.sockets.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  /** Listens on loopback, forwarding to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Connections open now. */
  get open(): number {
    return this.sockets.size;
  }

  /** Resolves once `count` connections have been accepted since the start. */
  async accepted(count: number): Promise<void> {
    while (this.connections.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Hangs up every connection, as a server does with idle ones; resolves once they are closed. */
  async hangUp(): Promise<void> {
    const open = this.connections.filter((c) => c.open);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(open.map((c) => c.closed));
  }

  async close(): Promise<void> {
    await this.hangUp();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
