// Peer: graphql-yoga on node:http, the same resolvers on the same store.
import http from "node:http";
import { createSchema, createYoga } from "graphql-yoga";
import { announce, dbFileArg, openPageSource, SDL } from "./shared.mjs";

const { resolvers } = await openPageSource(dbFileArg());
const yoga = createYoga({ schema: createSchema({ typeDefs: SDL, resolvers }), logging: false, graphiql: false, landingPage: false });
// yoga's handler returns a promise that node:http ignores; errors are answered inside it.
const server = http.createServer((req, res) => void yoga(req, res));
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => announce(server.address().port));
