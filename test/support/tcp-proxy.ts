import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy a test can cut, to take a service away from the app without stopping it. With
 * `delayMs`, it holds what the client sends that long before passing it on, in order, and throws
 * away what it still holds when the client goes away: a process's writes then arrive late, so a
 * test can kill the process after one write landed and before the next.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    /** Changeable while open: a live connection's next writes are held the new time. */
    public delayMs = 0,
  ) {}

  async open(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      const timers = new Set<NodeJS.Timeout>();
      let due = 0;
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk) => {
        if (this.delayMs === 0) return void upstream.write(chunk);
        due = Math.max(Date.now() + this.delayMs, due);
        const timer = setTimeout(() => {
          timers.delete(timer);
          upstream.write(chunk);
        }, due - Date.now());
        timers.add(timer);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      const drop = () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', drop);
      upstream.on('close', drop);
    });
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', done));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Drops every connection and stops listening: the service looks down. `open()` brings it back on the same port. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = undefined;
  }

  /** The local ports of the proxy's connections to the target: what the target sees as its clients' ports. */
  upstreamPorts(): Set<number> {
    const ports = new Set<number>();
    for (const socket of this.sockets) if (socket.remotePort === this.targetPort && socket.localPort) ports.add(socket.localPort);
    return ports;
  }

  /** Rewrites a URL to go through this proxy. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }
}
