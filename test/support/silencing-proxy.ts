/**
 * A TCP proxy that can silence every connection it carries so far, as a dead peer would
 * (a server's host gone in a failover, a NAT or load balancer forgetting a flow): no
 * reset, no end, no answer, while new connections pass as before.
 */
import net from "node:net";

export interface SilencingProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Stops passing bytes on every connection open now; both sides stay open. */
  silenceAll(): void;
  /** Closes every connection and stops listening. */
  close(): Promise<void>;
}

/** A proxy to `target` (a URL with a host and a port; `defaultPort` when it names none). */
export async function silencingProxy(target: URL, defaultPort: number): Promise<SilencingProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || defaultPort), target.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    for (const socket of pair) {
      sockets.add(socket);
      socket.on("error", () => {}).on("close", () => (pairs.delete(pair), sockets.delete(socket)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    silenceAll() {
      // Both sockets stay open, and what arrives is dropped: no reset, no end, no answer.
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.removeAllListeners("data").on("data", () => {});
        upstream.removeAllListeners("data").on("data", () => {});
      }
      pairs.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
