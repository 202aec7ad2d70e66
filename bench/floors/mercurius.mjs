// Peer: fastify + mercurius (`--jit`: with graphql-jit compiling every query from its first run).
import Fastify from "fastify";
import mercurius from "mercurius";
import { announce, dbFileArg, openPageSource, SDL } from "./shared.mjs";

const { resolvers } = await openPageSource(dbFileArg());
const app = Fastify({ logger: false });
await app.register(mercurius, { schema: SDL, resolvers, graphiql: false, jit: process.argv.includes("--jit") ? 1 : 0 });
await app.listen({ port: 0, host: "127.0.0.1" });
announce(app.server.address().port);
