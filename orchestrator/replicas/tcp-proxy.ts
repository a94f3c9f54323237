import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy for tests that break the network between parts: cut it, restore it, let it fail over. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Drops every open connection and refuses new ones, as an unreachable host does. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  /** Connections open through it now. */
  open(): number;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards each connection to the first of `targets` that accepts it: when the
 * first target dies, new connections go to the next (what a load balancer in front of replicas does). A connection
 * whose either side ends or fails is ended on the other side too.
 */
export async function startTcpProxy(targets: Array<{ host?: string; port: number }>): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function pipeTo(client: Socket, index: number) {
    const target = targets[index];
    if (!target) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.host ?? '127.0.0.1', port: target.port });
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) {
        sockets.delete(upstream);
        pipeTo(client, index + 1);
      } else client.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  }

  async function listen() {
    server = createServer({ pauseOnConnect: true }, (client) => {
      sockets.add(client);
      client.on('error', () => client.destroy());
      client.on('close', () => sockets.delete(client));
      pipeTo(client, 0);
    });
    const current = server;
    await new Promise<void>((resolve, reject) => {
      current.once('error', reject);
      current.listen(port, '127.0.0.1', () => resolve());
    });
    port = (current.address() as { port: number }).port;
  }

  async function cut() {
    const current = server;
    server = undefined;
    const closing = current ? new Promise<void>((resolve) => current.close(() => resolve())) : undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closing;
  }

  await listen();
  return {
    get port() {
      return port;
    },
    cut,
    async restore() {
      if (!server) await listen();
    },
    open: () => sockets.size,
    close: cut,
  };
}
