import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { addressBucket } from "./guards.js";

/** How long a client may keep the gateway waiting, and how many connections it may hold. */
export interface ConnectionLimits {
  /** From a request's first byte (or the connection's start) to the end of its headers. */
  readonly headersTimeoutMs: number;
  /** Longest silence from a client that still owes bytes (headers, body) or is not reading the answer. */
  readonly idleTimeoutMs: number;
  /** Open connections at once; any further one is closed as soon as it is accepted. */
  readonly maxConnections: number;
  /**
   * Open connections at once from one client address (an IPv6 address's /64); any further
   * one from it is closed as soon as it is accepted. Trusted proxies' connections are not counted.
   */
  readonly maxConnectionsPerAddress: number;
}

/** Whether a peer is a trusted proxy (`HOMER_TRUST_PROXY`), whose connections carry many clients. */
export type TrustedPeer = (address: string) => boolean;

/** What a drain had to cut off when its grace period ended. */
export interface DrainReport {
  /** Requests still unanswered at the end of the grace period. */
  readonly cutRequests: number;
  /** How many of those were multipart uploads. */
  readonly cutUploads: number;
}

export interface HttpServer {
  readonly server: http.Server;
  /**
   * Stops accepting connections, closes idle ones, lets in-flight requests finish
   * for up to `graceMs`, then destroys every connection left and reports what it cut.
   */
  drain(this: void, graceMs: number): Promise<DrainReport>;
  /**
   * Whether this request has company: another one is unanswered, or arrived in the
   * same turn of the event loop (one answered at once, on the loop, has finished
   * before the next one's turn comes, though it was waiting on its socket meanwhile).
   */
  concurrent(this: void): boolean;
}

/** How long a drain waits for the first request of a connection that was just opened. */
const FRESH_CONNECTION_WAIT_MS = 2_000;

/** Node 20 and 22 close idle keep-alive connections after 5 s; later versions wait 65 s. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * Node checks the headers deadline on a timer (every 30 s by default), so a
 * short deadline needs a shorter period to mean anything.
 */
const checkingInterval = (headersTimeoutMs: number) => Math.min(1_000, Math.max(25, Math.floor(headersTimeoutMs / 4)));

const isUpload = (req: http.IncomingMessage) => /^multipart\//i.test(req.headers["content-type"] ?? "");

/**
 * Whether a socket that was silent for the idle timeout is the client's fault.
 * A request whose body has all arrived (or whose body the gateway itself is not
 * reading yet) is the gateway at work: that silence is no reason to cut it.
 */
function clientIsStalling(socket: Socket, requests: ReadonlySet<http.IncomingMessage> | undefined): boolean {
  if (socket.writableLength > 0) return true; // it does not read what we send
  if (!requests || requests.size === 0) return true; // between requests, or headers still to come
  return [...requests].some((req) => !req.complete && !socket.isPaused());
}

/** Logs the first refused connection at once, then at most one summary a minute. */
function refusalLog(log: Logger, limit: object, first: string, summary: string): () => void {
  let window: NodeJS.Timeout | undefined;
  let refused = 0;
  return () => {
    if (window) {
      refused++;
      return;
    }
    log.warn(limit, first);
    window = setTimeout(() => {
      if (refused > 0) log.warn({ ...limit, refused }, summary);
      refused = 0;
      window = undefined;
    }, 60_000).unref();
  };
}

/**
 * Counts each client address's open connections and closes, as soon as it is accepted, one
 * past `max`: without it one client, with no key, could hold every connection the gateway
 * takes (HOMER_MAX_CONNECTIONS), renewing each before the idle timeout. A trusted proxy's
 * connections carry many clients' requests and are not counted. The log names no address.
 */
function perAddressCap(max: number, trusted: TrustedPeer, log: Logger): (socket: Socket) => boolean {
  const open = new Map<string, number>();
  const counted = new WeakSet<Socket>();
  const refused = refusalLog(
    log,
    { maxConnectionsPerAddress: max },
    "refusing connections: a client address holds its maximum of open connections",
    "connections refused in the last minute at the per-address connection limit",
  );
  return (socket) => {
    const address = socket.remoteAddress;
    // A socket given back by ignoreUpgrade was counted when it was accepted.
    if (address === undefined || counted.has(socket) || trusted(address)) return true;
    const bucket = addressBucket(address);
    const holding = open.get(bucket) ?? 0;
    if (holding >= max) {
      refused();
      socket.destroy();
      return false;
    }
    counted.add(socket);
    open.set(bucket, holding + 1);
    socket.once("close", () => {
      const left = open.get(bucket)! - 1;
      if (left === 0) open.delete(bucket);
      else open.set(bucket, left);
    });
    return true;
  };
}

/**
 * An HTTP server that no client can hold hostage: headers must arrive within
 * `headersTimeoutMs`, a stalled body or unread answer is cut after
 * `idleTimeoutMs`, and at most `maxConnections` are open. There is no deadline
 * for a whole request, so a large upload that keeps moving may take hours.
 */
export function createHttpServer(
  app: http.RequestListener,
  limits: ConnectionLimits,
  log: Logger,
  trusted: TrustedPeer = () => false,
): HttpServer {
  const server = http.createServer({
    // requestTimeout: 0 alone would also turn the headers deadline off (Node 20 derives it).
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: checkingInterval(limits.headersTimeoutMs),
    keepAliveTimeout: Math.min(KEEP_ALIVE_TIMEOUT_MS, limits.idleTimeoutMs),
  });
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on(
    "drop",
    refusalLog(
      log,
      { maxConnections: limits.maxConnections },
      "refusing connections: the gateway holds its maximum of open connections",
      "connections refused in the last minute at the connection limit",
    ),
  );
  const admit = perAddressCap(limits.maxConnectionsPerAddress, trusted, log);
  // Failing to listen is the caller's to handle; afterwards (e.g. accept() out of descriptors) the server goes on.
  server.once("listening", () => server.on("error", (err) => log.error({ err }, "HTTP server error")));

  const inFlight = new Map<Socket, Set<http.IncomingMessage>>();
  /** Connections that have carried a request: idle ones among them may be closed at once. */
  const used = new WeakSet<Socket>();
  let draining = false;
  let unanswered = 0;
  let arrivedThisTurn = 0;
  const newTurn = () => (arrivedThisTurn = 0);
  server.on("connection", (socket: Socket) => {
    if (!admit(socket)) return;
    inFlight.set(socket, new Set());
    socket.once("close", () => inFlight.delete(socket));
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const requests = inFlight.get(req.socket);
    if (!requests) return;
    used.add(req.socket);
    requests.add(req);
    unanswered++;
    // Counted until the loop's check phase, which follows the poll that delivered them.
    if (arrivedThisTurn++ === 0) setImmediate(newTurn);
    const done = () => {
      if (!requests.delete(req)) return;
      unanswered--;
      if (draining && requests.size === 0) req.socket.end();
    };
    res.once("finish", done);
    res.once("close", done);
  });
  // After the bookkeeping above, so even a response the app ends at once is tracked.
  server.on("request", app);
  // With a listener here Node leaves every timed-out socket to us, keep-alive ones included.
  server.on("timeout", (socket: Socket) => {
    if (clientIsStalling(socket, inFlight.get(socket))) socket.destroy();
    // Node times a socket out once per silence; only a byte moving arms it again. The gateway
    // at work may read on and find nothing more (it had read all the client sent before it
    // stopped reading): without a new timer, a client silent from then on held it for good.
    else socket.setTimeout(limits.idleTimeoutMs);
  });

  return {
    server,
    concurrent: () => unanswered > 1 || arrivedThisTurn > 1,
    async drain(graceMs) {
      // Requests accepted in this very tick get their 'request' event first.
      await new Promise((resolve) => setImmediate(resolve));
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [socket, requests] of inFlight) {
        if (requests.size > 0) continue;
        if (used.has(socket)) socket.end();
        // A connection that has not carried a request yet is most likely carrying its
        // first one now (a proxy opens one per request): ending it would reset a request
        // already sent. It is answered and then ended; one that sends nothing is ended soon.
        else setTimeout(() => inFlight.get(socket)?.size === 0 && socket.end(), FRESH_CONNECTION_WAIT_MS).unref();
      }
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<true>((resolve) => (timer = setTimeout(resolve, graceMs, true)));
      const cutOff = await Promise.race([closed.then(() => false), graceOver]);
      clearTimeout(timer);
      if (!cutOff) return { cutRequests: 0, cutUploads: 0 };
      const cut = [...inFlight.values()].flatMap((requests) => [...requests]);
      for (const socket of inFlight.keys()) socket.destroy();
      await closed;
      return { cutRequests: cut.length, cutUploads: cut.filter(isUpload).length };
    },
  };
}

/** Whether a request asks for a WebSocket: the one upgrade the gateway speaks. */
export function asksForWebSocket(req: http.IncomingMessage): boolean {
  return String(req.headers.upgrade ?? "")
    .split(",")
    .some((protocol) => protocol.trim().toLowerCase() === "websocket");
}

/**
 * Serves an upgrade request as a plain one, for an `Upgrade` the gateway does not speak
 * (`h2c`, which `curl --http2` and Java's HttpClient ask for over plain HTTP): RFC 9110
 * §7.8 lets a server ignore the header. Node hands every request with an `Upgrade` to the
 * `upgrade` listener, its parser detached: the request's head is written back without that
 * header, ahead of the bytes that followed it, and the socket given to the HTTP server again,
 * which reads it as a fresh connection's (answered, kept alive, timed out like any other).
 */
export function ignoreUpgrade(server: http.Server, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== "upgrade") lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  }
  // Node took its error listener off with its parser: until the server's is back, an error cuts the socket.
  const cut = () => socket.destroy();
  socket.on("error", cut);
  // Header text as Node read it, one character per byte.
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), head]));
  server.emit("connection", socket);
  socket.off("error", cut);
}
