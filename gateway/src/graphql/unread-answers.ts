import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * Answers waiting to be sent on one WebSocket past which its messages are no longer read.
 * A ping is answered with a pong carrying its payload, and every subscribe with a message:
 * read whatever the client left unread, one keyless connection that sent pings and never
 * read made the gateway hold 800 MiB in 8 s, until the keep-alive (12 to 24 s) cut it.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * Stops reading `ws` while more than `MAX_UNSENT_BYTES` of answers wait to be sent on it, and
 * reads again once they all left (`raw`, its TCP socket, drains): a client that sends without
 * reading is held up by TCP itself. Called as each message arrives, before it is answered, so
 * at most the rest of one read (64 KiB of messages) is answered past the limit. Deliveries are
 * not held: each subscription waits for its last message to be sent before reading its next.
 */
export function pauseWhileUnread(ws: WebSocket, raw: Duplex): void {
  if (ws.isPaused || ws.bufferedAmount <= MAX_UNSENT_BYTES) return;
  ws.pause();
  // Past the socket's high-water mark (16 KiB), the write that got it there asked for a drain.
  raw.once("drain", () => ws.resume());
}
