import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a bundler would resolve; the browser gets it from an import map instead. */
const IMPORTS: Record<string, string> = {
  "@urql/core": "/node_modules/@urql/core/dist/urql-core.mjs",
  "@urql/exchange-graphcache": "/node_modules/@urql/exchange-graphcache/dist/urql-exchange-graphcache.mjs",
  "@homer/sdk/documents": "/sdk/dist/documents.js",
  wonka: "/node_modules/wonka/dist/wonka.mjs",
  "@0no-co/graphql.web": "/node_modules/@0no-co/graphql.web/dist/graphql.web.mjs",
  "graphql-ws/client": "/node_modules/graphql-ws/dist/client.js",
};
const SERVED = [
  /^\/node_modules\/(@urql\/core|@urql\/exchange-graphcache|wonka|@0no-co\/graphql\.web)\/dist\/[\w.-]+\.mjs$/,
  /^\/node_modules\/graphql-ws\/dist\/[\w.-]+\.js$/,
  /^\/sdk\/dist\/[\w/.-]+\.js$/,
];

/**
 * A web app's own dev server: one page, the SDK's browser build and urql, on an origin of
 * its own; `scripts` maps more paths to JavaScript (a test may add to it later). `api`, when
 * given, sees every request first and answers those it returns true for (a registry on the
 * page's own origin).
 */
export async function startAppServer(
  scripts: Record<string, string>,
  api?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean,
): Promise<{ origin: string; close(): Promise<void> }> {
  // A bundler also replaces urql's process.env.NODE_ENV; the page defines it instead.
  const shim = `<script>globalThis.process = { env: { NODE_ENV: "production" } };</script>`;
  const page = `<!doctype html>${shim}<script type="importmap">${JSON.stringify({ imports: IMPORTS })}</script><title>app</title>`;
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (api?.(req, res)) return;
    const url = new URL(req.url ?? "/", "http://app");
    if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
    const script =
      scripts[url.pathname] ??
      (SERVED.some((r) => r.test(url.pathname)) ? await fs.readFile(path.join(ROOT, url.pathname)).catch(() => undefined) : undefined);
    if (script === undefined) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/javascript" }).end(script);
  };
  const server = http.createServer((req, res) => void serve(req, res).catch((error: Error) => res.destroy(error)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
