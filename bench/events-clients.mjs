// Opens `count` modelEvents subscriptions to `origin` over `sockets` WebSockets and
// tells its parent once they are sent; holds them until killed. Forked by events-heap.mjs.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [origin, count, sockets] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const url = `${origin.replace(/^http/, "ws")}/graphql`;
const clients = Array.from({ length: sockets }, () => createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 }));
for (let i = 0; i < count; i++) {
  clients[i % sockets].subscribe(
    { query: `subscription { modelEvents(name: "heap") { type name version at } }` },
    { next() {}, error: (error) => console.error("subscription failed:", error), complete() {} },
  );
}
process.send("subscribed");
