import net from "node:net";
import { parseResponses, type RawResponse } from "./http1-responses.js";
import { sleep, waitFor } from "./wait.js";

/** A bare TCP connection to a gateway, for the requests no well-behaved client sends. */
export interface RawConnection {
  readonly socket: net.Socket;
  /** Resolves once the TCP handshake is done; rejects if it fails. */
  readonly connected: Promise<void>;
  /** Resolves once the connection is closed, by either side (never rejects). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Every byte the server sent so far. */
  received(): Buffer;
  write(bytes: string | Buffer): void;
  /** Resolves with the `n`th complete response (0-based) on this connection. */
  response(n: number, timeoutMs?: number): Promise<RawResponse>;
  /** Resolves with whether the connection closed within `ms`. */
  closesWithin(ms: number): Promise<boolean>;
}

/** Opens a raw connection to `origin` (`http://host:port`), from `localAddress` if given (another client's address: 127.0.0.2). */
export function rawConnection(origin: string, localAddress?: string): RawConnection {
  const { hostname, port } = new URL(origin);
  const socket = net.connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on("data", (b: Buffer) => chunks.push(b));
  // A reset is one way the server may close; the test looks at `closed`.
  socket.on("error", () => {});
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  connected.catch(() => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  void closed.then(() => (isClosed = true));
  const received = () => Buffer.concat(chunks);
  return {
    socket,
    connected,
    closed,
    isClosed: () => isClosed,
    received,
    write(bytes) {
      if (!socket.destroyed) socket.write(bytes);
    },
    async response(n, timeoutMs = 5_000) {
      const all = await waitFor(
        `response ${n}`,
        () => (parseResponses(received()).length > n ? parseResponses(received()) : null),
        timeoutMs,
      );
      return all[n]!;
    },
    closesWithin: (ms) => Promise.race([closed.then(() => true), sleep(ms).then(() => false)]),
  };
}

/** A keep-alive `GET path` as raw HTTP/1.1 text. */
export const rawGet = (origin: string, path: string) => `GET ${path} HTTP/1.1\r\nHost: ${new URL(origin).host}\r\n\r\n`;

/** Whether a fresh TCP connection to `origin` is refused right now. */
export function connectionRefused(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}
