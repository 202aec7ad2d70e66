import type { Duplex } from "node:stream";
import { CloseCode } from "graphql-ws";
import type { Logger } from "pino";
import type { WebSocket } from "ws";

/**
 * Answers waiting to be sent on one WebSocket past which its messages are no longer read.
 * A ping is answered with a pong carrying its payload, and every subscribe with a message:
 * read whatever the client left unread, one keyless connection that sent pings and never
 * read made the gateway hold 800 MiB in 8 s, until the keep-alive (12 to 24 s) cut it.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** The graphql-ws messages only a server sends. */
const SERVER_MESSAGES: ReadonlySet<unknown> = new Set(["connection_ack", "next", "error"]);

/** Whether a client's message is one only a server sends (anything unreadable is graphql-ws's to refuse). */
function sentByServers(data: Buffer): boolean {
  try {
    return SERVER_MESSAGES.has((JSON.parse(data.toString()) as { type?: unknown } | null)?.type);
  } catch {
    return false;
  }
}

/**
 * What stands between graphql-ws and one connection, `ws` over its TCP socket `tcp`; called
 * after graphql-ws (useServer) set the connection up.
 *
 * graphql-ws prints a socket's errors (a malformed frame, one too large, bad UTF-8: the
 * client's doing, and ws has closed the connection with its code already) with console.error
 * and a stack, past the log's level and format: replaced, each is one debug line. So is a
 * send that fails (`sendsFailQuietly`), and a close reason too long (`closesWithShortReasons`).
 *
 * A message only a server sends (connection_ack, next, error) is well formed to graphql-ws,
 * which then throws "unexpected message": a console stack and 4500, an internal error, for the
 * client's mistake. Its message listener is wrapped: such a message is refused as malformed,
 * 4400, as graphql-ws refuses any other; and no message is read while answers wait
 * (`pauseWhileUnread`).
 */
export function guardConnection(ws: WebSocket, tcp: Duplex, log: Logger): void {
  ws.removeAllListeners("error");
  ws.on("error", (error: Error & { code?: string }) =>
    log.debug({ code: error.code, message: error.message }, "WebSocket connection closed on a protocol error"),
  );
  closesWithShortReasons(ws);
  sendsFailQuietly(ws, (error: Error & { code?: string }) =>
    log.debug({ code: error.code, message: error.message }, "WebSocket answer not sent: the connection is gone"),
  );
  const graphqlWs = ws.listeners("message") as ((data: Buffer, isBinary: boolean) => void)[];
  ws.removeAllListeners("message");
  // Buffers: the server's binaryType is ws's default, "nodebuffer".
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    pauseWhileUnread(ws, tcp);
    if (sentByServers(data)) return ws.close(CloseCode.BadRequest, "Invalid message received");
    for (const listener of graphqlWs) listener.call(ws, data, isBinary);
  });
}

/**
 * Stops reading `ws` while more than `MAX_UNSENT_BYTES` of answers wait to be sent on it, and
 * reads again once they all left (`tcp`, its TCP socket, drains): a client that sends without
 * reading is held up by TCP itself. Called as each message arrives, before it is answered, so
 * at most the rest of one read (64 KiB of messages) is answered past the limit. Deliveries are
 * not held: they take turns (delivery-turns.ts), each once the last was sent.
 */
function pauseWhileUnread(ws: WebSocket, tcp: Duplex): void {
  if (ws.isPaused || ws.bufferedAmount <= MAX_UNSENT_BYTES) return;
  ws.pause();
  // Past the socket's high-water mark (16 KiB), the write that got it there asked for a drain.
  tcp.once("drain", () => ws.resume());
}

/**
 * Makes a failed write on `ws` (the client reset the connection, or it was destroyed with
 * answers still waiting) a call of `onFailure`, never an error of the send: graphql-ws answered
 * a ping's or a subscribe's rejected send with a console stack, "Internal error occurred
 * during message handling", one per answer waiting (18 for one client's reset). ws closes the
 * connection itself, which ends its subscriptions; later sends find it closed and do nothing.
 */
function sendsFailQuietly(ws: WebSocket, onFailure: (error: Error) => void): void {
  const send = ws.send.bind(ws);
  ws.send = ((data: unknown, options?: object | ((error?: Error) => void), callback?: (error?: Error) => void) => {
    const done = typeof options === "function" ? options : callback;
    send(data as string, typeof options === "function" ? {} : (options ?? {}), (error?: Error) => {
      if (error) onFailure(error);
      done?.();
    });
  }) as WebSocket["send"];
}

/** The longest close reason a WebSocket close frame carries (RFC 6455: 125 bytes with the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Cuts close reasons to what a close frame carries. graphql-ws closes a subscribe reusing a
 * live id with "Subscriber for <id> already exists", the client's id of any length: past 123
 * bytes ws threw, and graphql-ws closed the connection as an internal error (4500) with a
 * console stack instead of 4409.
 */
function closesWithShortReasons(ws: WebSocket): void {
  const close = ws.close.bind(ws);
  ws.close = (code?: number, reason?: string | Buffer) => {
    if (typeof reason !== "string" || Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return close(code, reason);
    // Whole characters only: a cut UTF-8 sequence is an invalid close frame to the client.
    let cut = reason.slice(0, MAX_CLOSE_REASON_BYTES - 1);
    while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES - 3) cut = [...cut].slice(0, -1).join("");
    close(code, `${cut}…`);
  };
}
