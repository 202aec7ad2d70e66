import fs from "node:fs";
import path from "node:path";
import express, { Router, type Request, type Response } from "express";

/** Paths the app never answers, in any case (as express routes them): the API, downloads, probes, metrics and the IDE keep their own answers. */
const NOT_THE_APP = /^\/(graphql|files|archives|healthz|readyz|metrics|ide)(\/|$)/i;

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homer: web app not built</title></head>
<body><h1>Homer's web app is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm install</code>) in the repository, then reload this page.</p>
<p>The GraphQL endpoint and its IDE work meanwhile: <a href="/graphql">/graphql</a>.</p></body></html>
`;

/** A person's browser navigating (it prefers HTML), not an API client. */
function wantsHtml(req: Request): boolean {
  return req.accepts(["json", "html"]) === "html";
}

/**
 * The web app (web/dist, built by `npm run build`) at `/`: hashed assets under
 * /assets/ cached for a year, index.html revalidated on every load, and every
 * other page-like path (a deep link such as /projects/x/models/y) answered with
 * index.html, whose router shows the view. Without a build the gateway still
 * serves the API and answers pages with 503 and how to build.
 */
export function webAppRoutes(options: { readonly directory: string }): Router {
  const router = Router();
  const index = path.join(options.directory, "index.html");
  const sendIndex = (res: Response) => {
    if (!fs.existsSync(index)) {
      res.status(503).type("html").set("cache-control", "no-store").send(MISSING_BUILD);
      return;
    }
    res.set("cache-control", "no-cache").sendFile(index);
  };
  router.use(
    "/assets",
    // Vite names every built asset by its content hash: a name never changes meaning.
    express.static(path.join(options.directory, "assets"), { immutable: true, maxAge: "365d", index: false }),
    (_req: Request, res: Response) => {
      // A missing hashed asset is a 404, never the page (a stale index.html asking for an old build).
      res.status(404).set("cache-control", "no-store").type("text").send("no such asset");
    },
  );
  router.get(/.*/, (req, res, next) => {
    if (NOT_THE_APP.test(req.path) || !wantsHtml(req)) return next();
    sendIndex(res);
  });
  return router;
}
