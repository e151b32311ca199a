/**
 * A TCP proxy to a real service (PostgreSQL, Redis) that a test can cut and restore: the
 * service goes away for the process under test only, not for the other tests sharing it.
 * Cut: every open connection is destroyed and new ones are accepted and closed at once,
 * as when the server restarts. The port stays the same throughout.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections passed through since the start. */
  connections(): number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let passing = true;
  let count = 0;
  const server = createServer((client) => {
    if (!passing) {
      client.destroy();
      return;
    }
    count++;
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => count,
    cut() {
      passing = false;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      passing = true;
    },
    async close() {
      passing = false;
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
