import net from 'node:net';

/**
 * A port in front of a fake upstream that can be shut (connections refused) and opened again on
 * the same port, so that one router sees an upstream go away and come back.
 */
export interface TcpGate {
  port: number;
  /** Refuses new connections and resets the open ones. */
  shut(): Promise<void>;
  /** Accepts connections again, on the same port; does nothing when open. */
  open(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    if (server?.listening) return;
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    shut: () =>
      new Promise((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        if (server?.listening) server.close(() => resolve());
        else resolve();
      }),
    open: listen,
  };
}
